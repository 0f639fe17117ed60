// Strict readers for exchange payloads: every field is checked where it is read, so a malformed
// response becomes a PayloadError (named by venue and endpoint upstream), never a NaN in the model.

export class PayloadError extends Error {
  override name = 'PayloadError';
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PayloadError(`${what}: expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new PayloadError(`${what}: expected an array, got ${describe(value)}`);
  return value;
}

export function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new PayloadError(`${what}: expected a string, got ${describe(value)}`);
  return value;
}

/** A finite number, given as a number or a decimal string (exchanges send both). */
export function asNumber(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new PayloadError(`${what}: expected a number, got ${describe(value)}`);
  return n;
}

export function asPositive(value: unknown, what: string): number {
  const n = asNumber(value, what);
  if (!(n > 0)) throw new PayloadError(`${what}: expected a number above 0, got ${n}`);
  return n;
}

export function asNonNegative(value: unknown, what: string): number {
  const n = asNumber(value, what);
  if (n < 0) throw new PayloadError(`${what}: expected a number ≥ 0, got ${n}`);
  return n;
}

/** Unix ms as an integer (strings accepted). */
export function asTimestamp(value: unknown, what: string): number {
  const n = asNumber(value, what);
  if (!Number.isInteger(n) || n < 0) throw new PayloadError(`${what}: expected a Unix time in ms, got ${describe(value)}`);
  return n;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
