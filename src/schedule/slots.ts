// When a digest is due: croner turns "08:00 Europe/Berlin, weekdays" into instants, DST included
// (a time in the spring gap runs at the first valid minute after it; a repeated autumn time runs once).
import { Cron } from 'croner';
import { showInput, UserError } from '../errors.js';
import type { DigestDays } from '../store/records.js';

export interface SlotSpec {
  /** HH:MM, local. */
  time: string;
  timezone: string;
  days: DigestDays;
}

/** "8:00", "08:00", "8h", "0800" → "08:00"; a UserError for anything that is not a time of day. */
export function parseTimeOfDay(text: string): string {
  const m = /^(\d{1,2})(?::?(\d{2}))?h?$/i.exec(text.trim());
  const hours = m ? Number(m[1]) : NaN;
  const minutes = m?.[2] !== undefined ? Number(m[2]) : 0;
  if (!m || hours > 23 || minutes > 59) {
    throw new UserError(`"${showInput(text)}" is not a time of day.`, 'Give hours and minutes from 00:00 to 23:59, e.g. 08:00.');
  }
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/**
 * An IANA zone name, kept as the moderator wrote it: the runtime's ICU answers a newer name with its older
 * alias (Asia/Kolkata → Asia/Calcutta, Europe/Kyiv → Europe/Kiev), which the moderator would not recognise.
 * Only a different capitalisation of the runtime's own name is corrected ("europe/berlin" → "Europe/Berlin").
 * A UserError for a name the runtime does not know.
 */
export function parseTimezone(text: string): string {
  const t = text.trim();
  if (t.toUpperCase() === 'UTC' || t.toUpperCase() === 'GMT') return 'UTC';
  let known: string;
  try {
    if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(t)) throw new RangeError('shape');
    known = new Intl.DateTimeFormat('en-US', { timeZone: t }).resolvedOptions().timeZone;
  } catch {
    throw new UserError(`"${showInput(text, 40)}" is not a time zone I know.`, 'Use an IANA name such as Europe/Berlin, America/New_York, Asia/Singapore or UTC.');
  }
  return known.toLowerCase() === t.toLowerCase() ? known : t;
}

function cronOf(spec: SlotSpec): Cron {
  const [hh, mm] = spec.time.split(':').map(Number);
  const dow = spec.days === 'weekdays' ? '1-5' : '*';
  return new Cron(`0 ${mm} ${hh} * * ${dow}`, { timezone: spec.timezone, paused: true });
}

/** The latest slot at or before `nowMs`, Unix ms, or undefined. */
export function latestSlot(spec: SlotSpec, nowMs: number): number | undefined {
  // previousRuns excludes its reference instant; +1 ms includes a slot that falls exactly on now.
  const [run] = cronOf(spec).previousRuns(1, new Date(nowMs + 1));
  return run?.getTime();
}

/** The first slot strictly after `nowMs`. */
export function nextSlot(spec: SlotSpec, nowMs: number): number | undefined {
  return cronOf(spec).nextRun(new Date(nowMs))?.getTime();
}

/** "Mon 24 Nov 08:00 (Europe/Berlin)" for /digest status. */
export function describeSlot(slotMs: number, timezone: string): string {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${f.format(new Date(slotMs)).replace(',', '')} (${timezone})`;
}
