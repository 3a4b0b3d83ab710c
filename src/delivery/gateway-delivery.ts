// The DeliveryPort the queue worker uses: outbound mail goes to the smart host (SEKISHO_RELAY)
// or, without one, straight to each recipient domain's MX hosts (through SEKISHO_DNS_SERVERS);
// inbound mail goes to the tenant's route for the recipient's domain. Connections are pooled per
// destination (smtp-client.ts). Every result carries code, enhanced status and remote MTA so the
// worker can write a proper DSN.
import { domainOf } from '../util/address.ts';
import type { Resolver } from 'node:dns/promises';
import type { Store } from '../store/store.ts';
import type { DeliveryPort, DeliveryRequest } from '../queue/delivery-port.ts';
import {
  createSmtpDelivery,
  deliverToTargets,
  parseRelayUrl,
  relayRequest,
  type RecipientDeliveryResult,
  type RelayConfig,
  type SmtpDelivery,
} from './smtp-client.ts';
import { createResolver, DeliveryRoutingError, resolveDeliveryTargets } from './mx.ts';
import { streamToBuffer } from '../mime/rewrite/message-source.ts';

export interface GatewayDeliveryOptions {
  store: Store;
  hostname: string;
  /** smart host URL; unset = MX delivery */
  relay?: string;
  dnsServers?: string[];
  /** port for MX delivery (25; tests point it at a sink) */
  mxPort?: number;
  /** connections per destination; match the worker's concurrency so a relay is not the bottleneck */
  maxConnections?: number;
}

export class GatewayDelivery implements DeliveryPort {
  private readonly smtp: SmtpDelivery;
  private readonly relay: RelayConfig | null;
  private resolverInstance: Resolver | null = null;

  constructor(private readonly opts: GatewayDeliveryOptions) {
    // Parse now: a bad SEKISHO_RELAY must stop start-up, not defer every message.
    this.relay = opts.relay ? parseRelayUrl(opts.relay) : null;
    this.smtp = createSmtpDelivery({ name: opts.hostname, maxConnections: opts.maxConnections ?? 10, maxMessages: 1000 });
  }

  async deliver(req: DeliveryRequest): Promise<RecipientDeliveryResult[]> {
    const raw = Buffer.isBuffer(req.raw) ? req.raw : await streamToBuffer(req.raw);
    const message = { mailFrom: req.mailFrom, raw };
    if (req.direction === 'outbound' && this.relay) {
      return this.smtp.deliver({ ...relayRequest(this.relay), ...message, recipients: req.recipients });
    }
    const results: RecipientDeliveryResult[] = [];
    for (const [domain, recipients] of groupByDomain(req.recipients)) {
      if (req.direction === 'outbound') results.push(...(await this.deliverByMx(domain, { ...message, recipients })));
      else results.push(...(await this.deliverInbound(domain, { ...message, recipients })));
    }
    return results;
  }

  private async deliverByMx(
    domain: string,
    message: { mailFrom: string; raw: Buffer; recipients: string[] },
  ): Promise<RecipientDeliveryResult[]> {
    try {
      const targets = await resolveDeliveryTargets(domain, this.resolver(), { mxPort: this.opts.mxPort ?? 25 });
      return await deliverToTargets(this.smtp, targets, message);
    } catch (err) {
      const e =
        err instanceof DeliveryRoutingError ? err : new DeliveryRoutingError(451, '4.4.3', true, `${domain}: ${(err as Error).message}`);
      return message.recipients.map((recipient) => ({
        recipient,
        status: e.temporary ? ('deferred' as const) : ('failed' as const),
        code: e.code,
        enhanced: e.enhanced,
        response: e.response,
        remoteMta: '',
        stage: 'connection' as const,
      }));
    }
  }

  private async deliverInbound(
    domain: string,
    message: { mailFrom: string; raw: Buffer; recipients: string[] },
  ): Promise<RecipientDeliveryResult[]> {
    const route = (await this.opts.store.findDomain(domain))?.inbound_route;
    let relay: RelayConfig | null = null;
    try {
      relay = route ? parseRelayUrl(route) : null;
    } catch {
      relay = null;
    }
    if (!relay) {
      // Deferred, not bounced: an admin who forgot the route can still set it within the lifetime.
      return message.recipients.map((recipient) => ({
        recipient,
        status: 'deferred' as const,
        code: null,
        enhanced: '4.3.5',
        response: `no usable inbound route for ${domain} (set it with sekisho tenant add --inbound-route)`,
        remoteMta: '',
        stage: 'connection' as const,
      }));
    }
    return this.smtp.deliver({ ...relayRequest(relay), ...message });
  }

  private resolver(): Resolver {
    this.resolverInstance ??= createResolver(this.opts.dnsServers ?? []);
    return this.resolverInstance;
  }

  async close(): Promise<void> {
    await this.smtp.close();
  }
}

function groupByDomain(recipients: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of recipients) {
    const domain = domainOf(r);
    groups.set(domain, [...(groups.get(domain) ?? []), r]);
  }
  return groups;
}
