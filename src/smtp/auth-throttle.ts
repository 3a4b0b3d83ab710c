// Per-IP failed-AUTH throttling (per node, in memory): after `limit` failures inside `windowMs`
// the address gets 454 4.7.0 for the rest of the window, so password guessing is slow and noisy.
export class AuthThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  isBlocked(ip: string, now = Date.now()): boolean {
    return this.recent(ip, now).length >= this.limit;
  }

  recordFailure(ip: string, now = Date.now()): void {
    const list = this.recent(ip, now);
    list.push(now);
    this.failures.set(ip, list);
    if (this.failures.size > 100_000) this.sweep(now);
  }

  recordSuccess(ip: string): void {
    this.failures.delete(ip);
  }

  private recent(ip: string, now: number): number[] {
    return (this.failures.get(ip) ?? []).filter((t) => now - t < this.windowMs);
  }

  private sweep(now: number): void {
    for (const [ip, list] of this.failures) if (!list.some((t) => now - t < this.windowMs)) this.failures.delete(ip);
  }
}
