// Validation of the options every map request shares (CLI and chat commands alike).
import { WINDOWS, VENUES, type WindowName, type Venue } from '../analysis/types.js';
import { UserError } from './errors.js';

export function parseWindow(text: string): WindowName {
  const t = text.trim().toLowerCase();
  if ((WINDOWS as readonly string[]).includes(t)) return t as WindowName;
  throw new UserError(`window "${text.slice(0, 20)}" is not one of ${WINDOWS.join(', ')}`);
}

/** "15", "15%" or "0.5" → a fraction of price (0.15, 0.005). Limits: above 0, at most 100%. */
export function parseRangePct(text: string): number {
  const t = text.trim().replace(/%$/, '');
  const pct = Number(t);
  if (t === '' || !Number.isFinite(pct)) throw new UserError(`range "${text.slice(0, 20)}" is not a number: give a percentage such as 15`);
  if (pct <= 0 || pct > 100) throw new UserError(`range ${pct}% is out of bounds: give a percentage above 0 and at most 100`);
  return pct / 100;
}

export function parseVenues(text: string): Venue[] {
  const t = text.trim().toLowerCase();
  if (t === 'all') return [...VENUES];
  const parts = t.split(/[,+ ]+/).filter(Boolean);
  const bad = parts.filter((p) => !(VENUES as readonly string[]).includes(p));
  if (parts.length === 0 || bad.length > 0) {
    throw new UserError(`venue "${(bad[0] ?? text).slice(0, 20)}" is not one of all, ${VENUES.join(', ')}`);
  }
  return [...new Set(parts)] as Venue[];
}

/** An ISO 8601 time, or Unix ms, → Unix ms. */
export function parseTime(text: string): number {
  const t = text.trim();
  const ms = /^\d{10,13}$/.test(t) ? Number(t.length === 10 ? `${t}000` : t) : Date.parse(t);
  if (!Number.isFinite(ms)) throw new UserError(`time "${text.slice(0, 40)}" is not an ISO time such as 2026-06-08T12:00Z`);
  return ms;
}
