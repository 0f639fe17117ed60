// In-memory backend for tests and benchmarks: same semantics as the real ones, one process only.
import { safeDeserialize, safeSerialize, type StoreBackend } from './backend.js';

const parse = (text: string): unknown => safeDeserialize(text).value;

export class MemoryBackend implements StoreBackend {
  readonly kind = 'memory' as const;
  private readonly records = new Map<string, string>();
  private readonly claims = new Map<string, { owner: string; expiresMs: number }>();

  constructor(private readonly nowMs: () => number = () => Date.now()) {}

  async get(key: string): Promise<unknown> {
    const text = this.records.get(key);
    return text === undefined ? undefined : parse(text);
  }
  async set(key: string, value: unknown): Promise<void> {
    // Stored as JSON so a test sees the same copies a real backend would give back.
    this.records.set(key, safeSerialize({ value }));
  }
  async delete(key: string): Promise<boolean> {
    return this.records.delete(key);
  }
  async *scan(prefix: string): AsyncIterable<[string, unknown]> {
    for (const [key, text] of [...this.records]) if (key.startsWith(prefix)) yield [key, parse(text)];
  }
  /** Writes raw text (keyv's `{"value": …}` envelope) under a key, to simulate a damaged record. */
  setRaw(key: string, text: string): void {
    this.records.set(key, text);
  }
  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.claims.get(key);
    if (held && held.expiresMs > this.nowMs()) return false;
    this.claims.set(key, { owner, expiresMs: this.nowMs() + ttlMs });
    return true;
  }
  async extendClaim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.claims.get(key);
    if (!held || held.owner !== owner) return false;
    held.expiresMs = this.nowMs() + ttlMs;
    return true;
  }
  async releaseClaim(key: string, owner: string): Promise<void> {
    if (this.claims.get(key)?.owner === owner) this.claims.delete(key);
  }
  async pruneClaims(beforeMs: number): Promise<void> {
    for (const [key, held] of this.claims) if (held.expiresMs < beforeMs) this.claims.delete(key);
  }
  get claimCount(): number {
    return this.claims.size;
  }
  async close(): Promise<void> {}
}
