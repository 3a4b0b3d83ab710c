// Per-IP failure throttling: after `limit` failures inside `windowMs` an address is refused for
// the rest of the window, so guessing (SMTP AUTH passwords, download tokens and codes) is slow
// and noisy. Failures are counted in the database (auth_failures, under `prefix:IP`), so every
// process and node refuses the same address; each throttle's window is its own.
import type { Store } from '../store/store.ts';

export class IpThrottle {
  constructor(
    private readonly store: Store,
    /** keeps this throttle's failures apart from the others' in the shared table */
    private readonly prefix: string,
    private readonly limit: number,
    private readonly windowMs: number,
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

  /** after a success; callers skip it when there were no failures (it would be a write per login) */
  async forget(ip: string): Promise<void> {
    await this.store.forgetAuthFailures(this.key(ip));
  }

  private key(ip: string): string {
    return `${this.prefix}:${ip}`;
  }
}
