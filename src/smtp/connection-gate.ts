// Per-client connection limits on an SMTP port, like Postfix's anvil: at most `maxPerClient` open
// connections from one client, and at most `ratePerMinute` new ones from it in any minute. A
// client is an IPv4 address or an IPv6 /64 (clientKey). Counted in this process's memory (a
// connection lives in one process); with `processes: N` each process counts its own share, so
// the effective limits are up to N times these (docs/operation.md "Send and connection limits").
// Addresses in `exempt` (trusted networks, load balancers) are never limited. Each admission costs
// O(1) amortized: a client's start times are kept only while a rate limit is set, and never more
// than the limit of them (a busy sender at hundreds of connections a minute costs no more).
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
  /** per client, the start times of its admitted connections in the last minute (only with a rate limit) */
  private readonly recent = new Map<string, RecentStarts>();
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
    if (this.limits.ratePerMinute > 0) {
      let starts = this.recent.get(key);
      if (!starts) {
        starts = new RecentStarts();
        this.recent.set(key, starts);
      }
      if (starts.countSince(now - MINUTE_MS) >= this.limits.ratePerMinute) {
        return `Too many connections from your address (limit ${this.limits.ratePerMinute} a minute); try again later`;
      }
      starts.add(now);
    }
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
    for (const [key, starts] of this.recent) if (starts.countSince(now - MINUTE_MS) === 0) this.recent.delete(key);
  }
}

/**
 * One client's connection start times, oldest first, as a queue: expired ones are dropped from the
 * front, so counting is O(1) amortized instead of filtering the whole minute on every connection.
 * (A clock set back leaves a few expired times behind newer ones until those expire: a brief overcount.)
 */
class RecentStarts {
  private times: number[] = [];
  private head = 0;

  /** drops the start times at or before `after` and counts the rest */
  countSince(after: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= after) this.head++;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }
}
