// Per-IP failed-AUTH throttling: after `limit` failures inside `windowMs` the address gets
// 454 4.7.0 for the rest of the window, so password guessing is slow and noisy. Failures are
// counted in the database (auth_failures), so every process and node refuses the same address.
import type { Store } from '../store/store.ts';

export class AuthThrottle {
  constructor(
    private readonly store: Store,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** recent failures from this address; at `limit` or more it is refused */
  async failures(ip: string, now = Date.now()): Promise<number> {
    return this.store.authFailures(key(ip), now - this.windowMs);
  }

  isBlocked(failures: number): boolean {
    return failures >= this.limit;
  }

  async recordFailure(ip: string, now = Date.now()): Promise<void> {
    await this.store.recordAuthFailure([key(ip)], now, this.windowMs);
  }

  /** after a success; callers skip it when there were no failures (it would be a write per login) */
  async forget(ip: string): Promise<void> {
    await this.store.forgetAuthFailures(key(ip));
  }
}

const key = (ip: string) => `smtp-ip:${ip}`;
