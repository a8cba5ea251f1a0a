/**
 * A least-recently-used cache bounded by entry count and by bytes (each entry declares its size), calling the entry's
 * dispose() when it leaves (evicted, deleted or cleared): fitted models hold tfjs variables that must be released.
 * The entry just put is never evicted by its own size, so one model larger than the byte bound still serves.
 */
export interface Disposable {
  dispose(): void;
}

export class LruCache<V extends Disposable> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private total = 0;
  evictions = 0;

  constructor(private readonly limits: { maxEntries: number; maxBytes: number }) {
    if (!(limits.maxEntries >= 1)) throw new RangeError(`Expected maxEntries ≥ 1, got ${limits.maxEntries}`);
  }

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    this.map.set(key, { value, bytes });
    this.total += bytes;
    this.trim(key);
  }

  /** Declares that an entry grew (e.g. θ of its training corpus was computed and kept), evicting others to fit. */
  grow(key: string, bytes: number): void {
    const e = this.map.get(key);
    if (!e) return;
    e.bytes += bytes;
    this.total += bytes;
    this.trim(key);
  }

  delete(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return false;
    this.remove(key, e);
    return true;
  }

  clear(): void {
    for (const [k, e] of [...this.map]) this.remove(k, e);
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  get bytes(): number {
    return this.total;
  }

  private trim(keep: string): void {
    for (const [k, e] of [...this.map]) {
      if (this.map.size <= this.limits.maxEntries && this.total <= this.limits.maxBytes) break;
      if (k === keep) continue;
      this.remove(k, e);
      this.evictions++;
    }
  }

  private remove(key: string, e: { value: V; bytes: number }): void {
    this.map.delete(key);
    this.total -= e.bytes;
    try {
      e.value.dispose();
    } catch {
      /* a failed release must not keep the entry */
    }
  }
}
