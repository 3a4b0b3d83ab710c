// The Rspamd adapter: POST the raw message to rspamd's /checkv2 with the SMTP facts as request
// headers (IP, From, Rcpt, Helo, Hostname — the Hostname header also spares rspamd a PTR look-up)
// and map its answer to our symbols. Every symbol rspamd reports keeps its name with an
// "RSPAMD_" prefix, so the verdict says which scorer found what. Timeouts and errors reject;
// the caller falls back to the built-in score (see scorers.ts) and never loses mail.
import type { AnalysisInput, InboundSymbol, Scorer, ScoreResult } from '../model/verdict.ts';

export interface ClientFacts {
  ip: string;
  helo: string;
  mailFrom: string;
  recipients: string[];
  /** our own host name (rspamd's "Hostname" is the client's verified name; we send ours) */
  hostname?: string;
}

/** Scorer input plus the SMTP-level facts adapters for external daemons need. */
export type ScanInput = AnalysisInput & { client?: ClientFacts };

export interface RspamdOptions {
  /** base URL, e.g. http://127.0.0.1:11333 */
  url: string;
  timeoutMs?: number;
  /** optional controller password (rspamd's "password" setting) */
  password?: string;
}

interface RspamdSymbol {
  name?: string;
  score?: number;
  description?: string;
  options?: string[];
}

interface RspamdReply {
  score?: number;
  required_score?: number;
  action?: string;
  symbols?: Record<string, RspamdSymbol>;
}

export class RspamdScorer implements Scorer {
  readonly name = 'rspamd';
  constructor(private readonly options: RspamdOptions) {}

  async score(input: ScanInput): Promise<ScoreResult> {
    const reply = await this.check(Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength), input.client);
    return mapReply(reply);
  }

  async check(raw: Buffer, client?: ClientFacts): Promise<RspamdReply> {
    const headers: Record<string, string> = { 'Content-Type': 'message/rfc822' };
    if (client?.ip) headers.IP = client.ip;
    if (client?.helo) headers.Helo = client.helo;
    if (client?.mailFrom) headers.From = client.mailFrom;
    headers.Hostname = client?.hostname || 'localhost';
    if (this.options.password) headers.Password = this.options.password;
    // fetch joins repeated headers with commas; rspamd accepts one Rcpt header per recipient,
    // and a comma list works for simple addresses, which envelope recipients are.
    if (client?.recipients?.length) headers.Rcpt = client.recipients.join(',');
    const res = await fetch(new URL('/checkv2', this.options.url), {
      method: 'POST',
      headers,
      body: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) as unknown as BodyInit,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (!res.ok) throw new Error(`rspamd answered HTTP ${res.status}`);
    return (await res.json()) as RspamdReply;
  }
}

export function mapReply(reply: RspamdReply): ScoreResult {
  const symbols: InboundSymbol[] = Object.values(reply.symbols ?? {})
    .filter((s) => s.name)
    .map((s) => ({
      name: `RSPAMD_${s.name}`,
      score: Math.round((s.score ?? 0) * 100) / 100,
      description: s.description ?? `rspamd rule ${s.name}`,
      ...(s.options?.length ? { detail: s.options.slice(0, 5).join(', ').slice(0, 200) } : {}),
    }))
    .sort((a, b) => b.score - a.score);
  return { score: Math.round((reply.score ?? 0) * 100) / 100, symbols, ...(reply.action ? { action: reply.action } : {}) };
}
