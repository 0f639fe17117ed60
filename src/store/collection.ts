// One kind of record under one key prefix, over any backend: read = parse + migrate + check; a bad
// record is logged once per read and skipped, never thrown at the caller.
import type { StoreBackend } from './backend.js';
import { readRecord, type RecordSchema, type StoreLogger } from './schema.js';

export class Collection<T extends { v: number }> {
  constructor(
    private readonly backend: StoreBackend,
    private readonly prefix: string,
    private readonly schema: RecordSchema<T>,
    private readonly log: StoreLogger,
  ) {}

  key(id: string): string {
    return `${this.prefix}:${id}`;
  }

  async get(id: string): Promise<T | undefined> {
    return this.accept(this.key(id), await this.backend.get(this.key(id)));
  }

  async put(id: string, record: T): Promise<void> {
    await this.backend.set(this.key(id), record);
  }

  async delete(id: string): Promise<boolean> {
    return this.backend.delete(this.key(id));
  }

  /** Records whose id starts with `idPrefix` (all when empty). */
  async list(idPrefix = ''): Promise<T[]> {
    const out: T[] = [];
    for await (const [key, raw] of this.backend.scan(`${this.prefix}:${idPrefix}`)) {
      const record = await this.accept(key, raw);
      if (record) out.push(record);
    }
    return out;
  }

  private async accept(key: string, raw: unknown): Promise<T | undefined> {
    if (raw === undefined || raw === null) return undefined;
    const result = readRecord(this.schema, raw);
    if (!result.ok) {
      this.log.warn({ key, record: this.schema.name, reason: result.reason }, 'store: unreadable record skipped');
      return undefined;
    }
    // Written back once in the current version, so the migration runs once, not on every read.
    if (result.migrated) await this.backend.set(key, result.record);
    return result.record;
  }
}
