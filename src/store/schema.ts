// Versioned records: every stored record carries `v`; older versions are migrated on read, so an upgrade
// never loses what a user configured, and a record that cannot be read is logged and skipped.

export interface StoreLogger {
  warn(obj: object, msg: string): void;
}

export interface RecordSchema<T> {
  /** What the record is, for logs ("subscription"). */
  name: string;
  version: number;
  /** migrations[n] turns a version-n record into version n+1. */
  migrations: Record<number, (old: Record<string, unknown>) => Record<string, unknown>>;
  /** Checks a current-version record; returns a reason when it is unusable. */
  check(record: Record<string, unknown>): string | undefined;
  /** Only for the type: a checked record is a T. */
  readonly _type?: T;
}

export type ReadResult<T> = { ok: true; record: T; migrated: boolean } | { ok: false; reason: string };

export function readRecord<T>(schema: RecordSchema<T>, raw: unknown): ReadResult<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  let record = raw as Record<string, unknown>;
  if ('corrupt' in record && record.corrupt === true) return { ok: false, reason: 'unparsable JSON' };
  const v = record.v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return { ok: false, reason: 'no schema version' };
  // A newer instance wrote it: leave it alone rather than guess.
  if (v > schema.version) return { ok: false, reason: `schema version ${v} is newer than this build's ${schema.version}` };
  for (let from = v; from < schema.version; from++) {
    const step = schema.migrations[from];
    if (!step) return { ok: false, reason: `no migration from version ${from}` };
    record = { ...step(record), v: from + 1 };
  }
  const problem = schema.check(record);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, record: record as T, migrated: v !== schema.version };
}

/** Small checks shared by the schemas. */
export const is = {
  string: (x: unknown): x is string => typeof x === 'string',
  number: (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x),
  optionalNumber: (x: unknown) => x === undefined || (typeof x === 'number' && Number.isFinite(x)),
  stringArray: (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string'),
};
