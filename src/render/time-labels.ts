// Times as the pictures print them: always UTC, so a picture says the same thing in every chat.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** 2026-06-22 11:45 UTC */
export function formatUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/** "15m", "1h", "1d" */
export function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}

const TICK_STEPS_MS = [15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080].map((m) => m * 60_000);

/** Round UTC times between `from` and `to`, at most about `maxTicks` of them, with their labels. */
export function timeTicks(from: number, to: number, maxTicks: number): { ts: number; label: string }[] {
  const span = Math.max(1, to - from);
  const step = TICK_STEPS_MS.find((s) => span / s <= maxTicks) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1]!;
  const ticks: { ts: number; label: string }[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const d = new Date(t);
    const midnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0;
    const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    const clock = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
    ticks.push({ ts: t, label: step >= 86_400_000 || midnight ? day : clock });
  }
  return ticks;
}
