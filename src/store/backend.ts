// The store's port: keyed JSON records plus atomic claims. SQLite (default), Redis (several instances)
// and memory (tests) implement it; repositories above it never know which one runs.

/** What a raw value that could not be parsed reads as, so repositories can log it and skip it. */
export interface CorruptValue {
  readonly corrupt: true;
  readonly sample: string;
}

export type StoreKind = 'sqlite' | 'redis' | 'memory';

export interface StoreBackend {
  readonly kind: StoreKind;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Every record whose key starts with `prefix`, in no particular order. */
  scan(prefix: string): AsyncIterable<[key: string, value: unknown]>;
  /**
   * Takes `key` for `owner` until `ttlMs` from now, unless someone else holds it and it has not expired.
   * Atomic across every process sharing the backend (SQLite: one INSERT … ON CONFLICT statement in its
   * implicit transaction; Redis: SET NX PX). True = the caller holds it now.
   */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Keeps a claim the caller holds for `ttlMs` more (after a successful send). False if it is not held. */
  extendClaim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim back so a retry may take it (after a transient failure). Only the holder can. */
  releaseClaim(key: string, owner: string): Promise<void>;
  /** Drops claims that expired before `beforeMs` (Redis expires them by itself). */
  pruneClaims?(beforeMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * keyv's JSON deserializer throws on a damaged row, which would crash every read of a listing; this one
 * turns it into a CorruptValue instead.
 */
export function safeDeserialize(text: string): { value?: unknown; expires?: number } {
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data === 'object' && data !== null && 'value' in data) return data as { value?: unknown; expires?: number };
    return { value: { corrupt: true, sample: text.slice(0, 120) } satisfies CorruptValue };
  } catch {
    return { value: { corrupt: true, sample: text.slice(0, 120) } satisfies CorruptValue };
  }
}

export const safeSerialize = (data: { value?: unknown; expires?: number }): string => JSON.stringify(data);
