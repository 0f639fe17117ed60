// The one validation of what names a map — symbol, venues, window, range, time — for the CLI, the chat
// commands, the digests and the web page alike. Text or typed values in, a MapQuery or a UserError out.
import { VENUES, WINDOWS, type Venue, type WindowName } from '../analysis/types.js';
import { showInput, UserError } from '../errors.js';
import { isPlausibleSymbol } from '../market/symbols.js';

/** Display range in % of price: the same bounds on every surface (a map beyond ±50% shows nothing useful). */
export const RANGE_PCT = { min: 1, max: 50, default: 15 } as const;
export const DEFAULT_WINDOW: WindowName = '7d';

/** What a person or a URL gives; every field may be text. */
export interface MapQueryInput {
  symbol: string;
  /** `all`, one venue, or a list (`binance,bybit`); absent = all. */
  venues?: string | readonly string[];
  window?: string;
  /** Percent of price, e.g. 15 or "15%". */
  range?: string | number;
  /** ISO time or Unix ms: the map as of that time. */
  at?: string | number;
  /** A price to ask the calibrated forced flow of (90000, "90,000", "90k"). */
  level?: string | number;
}

/** A validated map request. The symbol is still as typed: the pipeline resolves it against the market once. */
export interface MapQuery {
  symbol: string;
  /** Undefined = every venue the source has. */
  venues?: Venue[];
  window: WindowName;
  rangePct: number;
  at?: number;
  /** A price the person asked the calibrated forced flow of. */
  level?: number;
}

export function parseMapQuery(input: MapQueryInput): MapQuery {
  const symbol = parseSymbolText(input.symbol);
  const venues = input.venues === undefined ? undefined : parseVenues(input.venues);
  return {
    symbol,
    ...(venues && venues.length < VENUES.length ? { venues } : {}),
    window: input.window === undefined || input.window === '' ? DEFAULT_WINDOW : parseWindow(input.window),
    rangePct: input.range === undefined || input.range === '' ? RANGE_PCT.default : parseRangePct(input.range),
    ...(input.at !== undefined && input.at !== '' ? { at: parseTime(String(input.at)) } : {}),
    ...(input.level !== undefined && input.level !== '' ? { level: parseLevel(input.level) } : {}),
  };
}

/** A price level: 90000, "90,000", "$90k", "0.0712" → a positive number. */
export function parseLevel(value: string | number): number {
  const t = String(value).trim().replace(/^\$/, '').replace(/[,_]/g, '');
  const m = /^(\d+(?:\.\d+)?|\.\d+)([kKmM]?)$/.exec(t);
  const price = m ? Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6) : NaN;
  if (!(price > 0) || !Number.isFinite(price)) throw new UserError(`level "${showInput(String(value))}" is not a price: give one such as 90000 or 90k`);
  return price;
}

/** Text that can be a symbol (letters and digits after cleaning); whether a market lists it is the market's call. */
export function parseSymbolText(text: string): string {
  const t = String(text ?? '').trim();
  if (!isPlausibleSymbol(t)) throw new UserError(`"${showInput(t)}" is not a symbol.`, 'Give a coin such as btc, eth or SOLUSDT.');
  return t;
}

export function parseWindow(text: string): WindowName {
  const t = text.trim().toLowerCase();
  if ((WINDOWS as readonly string[]).includes(t)) return t as WindowName;
  throw new UserError(`window "${showInput(text)}" is not one of ${WINDOWS.join(', ')}`);
}

/** "15", "15%" or 15 → 15, within RANGE_PCT. */
export function parseRangePct(value: string | number): number {
  const t = String(value).trim().replace(/%$/, '');
  const pct = Number(t);
  if (t === '' || !Number.isFinite(pct)) throw new UserError(`range "${showInput(String(value))}" is not a number: give a percentage such as ${RANGE_PCT.default}`);
  if (pct < RANGE_PCT.min || pct > RANGE_PCT.max) {
    throw new UserError(`range ${pct}% is out of bounds: give a percentage from ${RANGE_PCT.min} to ${RANGE_PCT.max}`);
  }
  return pct;
}

export function parseVenues(value: string | readonly string[]): Venue[] {
  const parts = (typeof value === 'string' ? value.split(/[,+ ]+/) : [...value]).map((p) => p.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 1 && parts[0] === 'all') return [...VENUES];
  const bad = parts.filter((p) => !(VENUES as readonly string[]).includes(p));
  if (parts.length === 0 || bad.length > 0) {
    throw new UserError(`venue "${showInput(bad[0] ?? String(value))}" is not one of all, ${VENUES.join(', ')}`);
  }
  return [...new Set(parts)].sort() as Venue[];
}

/** An ISO 8601 time, or Unix ms, → Unix ms. */
export function parseTime(text: string): number {
  const t = text.trim();
  const ms = /^\d{10,13}$/.test(t) ? Number(t.length === 10 ? `${t}000` : t) : Date.parse(t);
  if (!Number.isFinite(ms)) throw new UserError(`time "${showInput(text, 40)}" is not an ISO time such as 2026-06-08T12:00Z`);
  return ms;
}
