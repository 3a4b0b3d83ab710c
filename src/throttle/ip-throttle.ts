// Per-client failure throttling: after `limit` failures inside `windowMs` a client is refused
// for the rest of the window, so guessing (passwords, download tokens and codes, the links in
// notices) is slow and noisy. Failures are counted in the database (auth_failures, under
// `prefix:CLIENT`), so every process and node refuses the same client; each throttle's window
// is its own. A client is an IPv4 address or an IPv6 /64 (clientKey).
import type { Store } from '../store/store.ts';
import { clientKey } from '../util/cidr.ts';

export class IpThrottle {
  constructor(
    private readonly store: Store,
    /** keeps this throttle's failures apart from the others' in the shared table */
    private readonly prefix: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** recent failures from this address; at `limit` or more it is refused */
  async failures(ip: string, now = Date.now()): Promise<number> {
    return this.store.authFailures(this.key(ip), now - this.windowMs);
  }

  isBlocked(failures: number): boolean {
    return failures >= this.limit;
  }

  async recordFailure(ip: string, now = Date.now()): Promise<void> {
    await this.store.recordAuthFailure([this.key(ip)], now, this.windowMs);
  }

  /** where this address's failures are counted in auth_failures */
  key(ip: string): string {
    return `${this.prefix}:${clientKey(ip)}`;
  }
}
