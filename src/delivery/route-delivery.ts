// Chooses where a message goes and sends it: outbound mail to the smart host (SEKISHO_RELAY),
// inbound mail to the tenant's route for the recipient's domain. Connections are pooled per
// destination. The stored bytes are sent as they are (nodemailer raw mode): no re-encoding.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Store } from '../store/store.ts';
import type { DeliveryPort, DeliveryRequest, RecipientResult } from '../queue/delivery-port.ts';
import { domainOf } from '../accept/acceptor.ts';

export interface RouteDeliveryOptions {
  store: Store;
  relay?: string;
  hostname: string;
}

export class RouteDelivery implements DeliveryPort {
  private transports = new Map<string, Transporter>();

  constructor(private readonly opts: RouteDeliveryOptions) {}

  async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
    const groups = await this.destinations(req);
    const results: RecipientResult[] = [];
    for (const [url, recipients] of groups) {
      if (!url) {
        results.push(...recipients.map((recipient) => ({ recipient, status: 'deferred' as const, response: 'no route: set SEKISHO_RELAY or an inbound route for this domain' })));
        continue;
      }
      results.push(...(await this.send(url, req.mailFrom, recipients, req.raw)));
    }
    return results;
  }

  private async destinations(req: DeliveryRequest): Promise<Map<string, string[]>> {
    const groups = new Map<string, string[]>();
    for (const rcpt of req.recipients) {
      let url = '';
      if (req.direction === 'outbound') url = this.opts.relay ?? '';
      else url = (await this.opts.store.findDomain(domainOf(rcpt)))?.inbound_route ?? '';
      groups.set(url, [...(groups.get(url) ?? []), rcpt]);
    }
    return groups;
  }

  private transport(url: string): Transporter {
    let t = this.transports.get(url);
    if (!t) {
      const u = new URL(url);
      t = nodemailer.createTransport({
        host: u.hostname,
        port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
        secure: u.protocol === 'smtps:',
        auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
        pool: true,
        maxConnections: 10,
        maxMessages: 1000,
        name: this.opts.hostname,
        // Opportunistic STARTTLS: use it when offered, accept any certificate (like Postfix's "may").
        tls: { rejectUnauthorized: false },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      this.transports.set(url, t);
    }
    return t;
  }

  private async send(url: string, mailFrom: string, recipients: string[], raw: DeliveryRequest['raw']): Promise<RecipientResult[]> {
    try {
      const info = await this.transport(url).sendMail({ envelope: { from: mailFrom, to: recipients }, raw });
      const rejected = new Map<string, string>();
      for (const e of (info.rejectedErrors ?? []) as Array<{ recipient?: string; response?: string; responseCode?: number }>) {
        if (e.recipient) rejected.set(e.recipient.toLowerCase(), `${e.responseCode ?? ''} ${e.response ?? ''}`.trim());
      }
      return recipients.map((recipient) => {
        const why = rejected.get(recipient.toLowerCase());
        if (why === undefined) return { recipient, status: 'delivered' as const, response: String(info.response ?? '250') };
        return { recipient, status: why.startsWith('5') ? ('failed' as const) : ('deferred' as const), response: why };
      });
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message?: string; code?: string; rejectedErrors?: Array<{ recipient?: string; response?: string; responseCode?: number }> };
      const status: RecipientResult['status'] = e.responseCode && e.responseCode >= 500 ? 'failed' : 'deferred';
      const perRcpt = new Map<string, { response?: string; responseCode?: number }>();
      for (const r of e.rejectedErrors ?? []) if (r.recipient) perRcpt.set(r.recipient.toLowerCase(), r);
      return recipients.map((recipient) => {
        const r = perRcpt.get(recipient.toLowerCase());
        if (r?.responseCode) return { recipient, status: r.responseCode >= 500 ? ('failed' as const) : ('deferred' as const), response: `${r.response ?? r.responseCode}` };
        return { recipient, status, response: e.response ?? `${e.code ?? 'error'}: ${e.message ?? String(err)}` };
      });
    }
  }

  async close(): Promise<void> {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }
}
