// Per-client connection limits on an SMTP port, like Postfix's anvil: at most `maxPerClient` open
// connections from one client, and at most `ratePerMinute` new ones from it in any minute. A
// client is an IPv4 address or an IPv6 /64 (clientKey). Counted in this process's memory (a
// connection lives in one process); with `processes: N` each process counts its own share, so
// the effective limits are up to N times these (docs/operation.md "Send and connection limits").
// Addresses in `exempt` (trusted networks, load balancers) are never limited.
import type { BlockList } from 'node:net';
import { clientKey, inNetworks } from '../util/cidr.ts';

export interface ConnectionLimits {
  /** open connections per client; 0 = no limit */
  maxPerClient: number;
  /** new connections per client per minute; 0 = no limit */
  ratePerMinute: number;
}

const MINUTE_MS = 60_000;

export class ConnectionGate {
  private readonly open = new Map<string, number>();
  /** per client, the start times of its connections in the last minute */
  private readonly recent = new Map<string, number[]>();
  private sweptAt = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly exempt: BlockList | null = null,
  ) {}

  /**
   * A new connection from `ip`: null when admitted (then release() must follow when it closes),
   * else the reason it is refused, for the 421 reply.
   */
  admit(ip: string, now = Date.now()): string | null {
    if (this.exempt && inNetworks(this.exempt, ip)) return null;
    const key = clientKey(ip);
    this.sweep(now);
    const open = this.open.get(key) ?? 0;
    if (this.limits.maxPerClient > 0 && open >= this.limits.maxPerClient) {
      return `Too many connections from your address (${open} open, limit ${this.limits.maxPerClient}); try again later`;
    }
    const starts = (this.recent.get(key) ?? []).filter((t) => t > now - MINUTE_MS);
    if (this.limits.ratePerMinute > 0 && starts.length >= this.limits.ratePerMinute) {
      this.recent.set(key, starts);
      return `Too many connections from your address (limit ${this.limits.ratePerMinute} a minute); try again later`;
    }
    starts.push(now);
    this.recent.set(key, starts);
    this.open.set(key, open + 1);
    return null;
  }

  release(ip: string): void {
    if (this.exempt && inNetworks(this.exempt, ip)) return;
    const key = clientKey(ip);
    const open = (this.open.get(key) ?? 1) - 1;
    if (open > 0) this.open.set(key, open);
    else this.open.delete(key);
  }

  /** forgets clients whose last connection is over a minute old, at most once a minute */
  private sweep(now: number): void {
    if (now - this.sweptAt < MINUTE_MS) return;
    this.sweptAt = now;
    for (const [key, starts] of this.recent) if ((starts.at(-1) ?? 0) <= now - MINUTE_MS) this.recent.delete(key);
  }
}
