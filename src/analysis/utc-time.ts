// UTC times as text without Date (src/analysis stays free of the clock and of time zones).

/** Unix ms → "2026-05-25 16:00 UTC" (minutes; the civil-from-days algorithm of H. Hinnant). */
export function formatUtcMinute(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const minuteOfDay = minutes - days * 1440;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)} UTC`;
}

/** Unix ms → "2026-05-25T16:00Z" (ISO 8601 to the minute, what --from/--to take back). */
export function formatUtcIso(ms: number): string {
  const [date, time] = formatUtcMinute(ms).split(' ');
  return `${date}T${time}Z`;
}
