const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "5m" → 300000. */
export function intervalToMs(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  if (!m) throw new RangeError(`interval "${text}": use a number and m, h or d (5m, 15m, 1h)`);
  const n = Number(m[1]);
  if (n <= 0) throw new RangeError(`interval "${text}" must be positive`);
  return n * UNIT_MS[m[2]!]!;
}

/** 300000 → "5m". */
export function msToInterval(ms: number): string {
  if (ms % UNIT_MS.d! === 0) return `${ms / UNIT_MS.d!}d`;
  if (ms % UNIT_MS.h! === 0) return `${ms / UNIT_MS.h!}h`;
  return `${ms / UNIT_MS.m!}m`;
}
