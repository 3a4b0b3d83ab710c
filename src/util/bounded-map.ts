// A Map that holds at most `limit` entries, for the gateway's caches: setting a key makes it the
// newest, and setting one past the limit forgets the oldest. `use` reads a key and makes it the
// newest too (least recently used goes first); `get` reads without reordering, for memo caches
// whose hits are too many to reorder (oldest set goes first).

export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.limit) super.delete(this.keys().next().value as K);
    return this;
  }

  /** The value of `key`, made the most recently used. */
  use(key: K): V | undefined {
    const value = super.get(key);
    if (value !== undefined) {
      super.delete(key);
      super.set(key, value);
    }
    return value;
  }
}
