// Single-flight plus a small LRU: callers asking for a key while it is computed share that one
// computation; its result then serves later callers until evicted. Failures are not kept.

export class PromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(
    private readonly maxEntries: number,
    /** Told whether each lookup found the key (metrics). */
    private readonly onLookup: (hit: boolean) => void = () => {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    this.onLookup(hit !== undefined);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the key as recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const promise = compute();
    this.entries.set(key, promise);
    promise.catch(() => {
      if (this.entries.get(key) === promise) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return promise;
  }
}
