// Per-process cache of the directory rows every message looks up: a domain's owner and route, a
// tenant's domain list, a sender's user row, a domain's DKIM key. Like the policy in force, a
// change made elsewhere (the CLI, another process or node) is seen within `ttlMs`; changes made
// through this process call forget() and are seen at once. Only rows that exist are kept: an
// unknown domain or user is looked up every time, so adding one takes effect at once everywhere.
// (A loader may answer null to have "none" kept as well: the DKIM key lookup does.)

export class DirectoryCache {
  private readonly entries = new Map<string, { value: unknown; until: number }>();

  constructor(
    private readonly ttlMs = 2000,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached row for `kind`/`key`, or `load`'s answer (kept when it is not undefined). */
  async lookup<V>(kind: string, key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const id = `${kind}\u0000${key}`;
    const now = performance.now();
    const hit = this.entries.get(id);
    if (hit && hit.until > now) return hit.value as V;
    const value = await load();
    if (value === undefined) {
      this.entries.delete(id);
      return undefined;
    }
    // Bounded: a flood of distinct senders must not grow the heap; starting over is cheap.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(id, { value, until: now + this.ttlMs });
    return value;
  }

  /** Drops everything: a directory row changed through this process. */
  forget(): void {
    this.entries.clear();
  }
}
