// Per-process cache of the directory rows every message looks up (a domain's owner and route, a
// tenant's domains, a sender's user row, a domain's DKIM key): a change made elsewhere (the CLI,
// another process or node) is seen within `ttlMs`, one through this process at once (forget()).
// Only rows that exist are kept (a loader may answer null to keep "none": the DKIM key lookup does),
// so an addition counts at once everywhere. Past `maxEntries` the row loaded longest ago goes first.
import { BoundedMap } from '../util/bounded-map.ts';

export class DirectoryCache {
  private readonly entries: BoundedMap<string, { value: unknown; until: number }>;

  constructor(
    private readonly ttlMs = 2000,
    maxEntries = 10_000,
  ) {
    this.entries = new BoundedMap(maxEntries);
  }

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
    this.entries.set(id, { value, until: now + this.ttlMs });
    return value;
  }

  /** Drops everything: a directory row changed through this process. */
  forget(): void {
    this.entries.clear();
  }
}
