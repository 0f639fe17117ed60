// OKX v5 swaps (keyless): instruments (ctVal × ctMult), candles / history-candles (newest first), rubik
// open interest and taker volume (100 rows a page, latest 1,440 rows only), position-tiers (first tier),
// mark price. Every time bound is exclusive (`after`/`before`, `begin`/`end`), and each endpoint's own
// limit is kept by pacing its pages (taker volume 5 and open interest 10 requests per 2 s per instrument)
// instead of sending them all at once. Each body is read by an exported pure reader (contract-tested on
// the documented examples, reused by `liqmap doctor`).
import type { Bar, VenueSpec } from '../../analysis/types.js';
import type { Clock } from '../clock.js';
import { asArray, asNonNegative, asNumber, asObject, asPositive, asString, asTimestamp } from '../payload.js';
import type { VenueMarket } from '../symbol-catalogue.js';
import { VenueError, type VenueHttp } from '../venue-http.js';
import { WindowLimit } from '../window-limit.js';
import { checkedBar, joinBars, pageWindows, type FetchedBars, type OiPoint, type VenueClient } from './venue-client.js';

const BAR: Record<number, string> = { 300_000: '5m', 900_000: '15m', 1_800_000: '30m', 3_600_000: '1H' };
/** `candles` and both rubik endpoints keep the latest 1,440 rows per bar size; older candles come from `history-candles`. */
const RECENT_ROWS = 1440;
const CANDLE_LIMIT = 300;
const RUBIK_LIMIT = 100;
/**
 * Documented limits (per IP; rubik per IP and instrument), with 10% more time per window than the venue
 * counts, so network jitter never makes two of our windows one of theirs.
 */
const LIMITS = {
  candles: { max: 40, perMs: 2200 },
  'history-candles': { max: 20, perMs: 2200 },
  'open-interest-history': { max: 10, perMs: 2200 },
  'taker-volume-contract': { max: 5, perMs: 2200 },
} as const;
/** A cold 30-day map waits about 4 s for its taker-volume pages; beyond this the venue is left out. */
const PACING_MAX_WAIT_MS = 12_000;

/**
 * What an OKX rubik open-interest row's `ts` stands for is not documented (docs README, open question
 * (a)). liqmap reads it like the candles of the same grid and the `open-interest-volume` sibling whose
 * rows carry the bar's volume: `ts` is the OPEN of the bar, the value that bar's open interest at its
 * close (the running bar's row is provisional and not used). The other reading, a snapshot at ts, would
 * shift each value by one bar; `liqmap doctor` checks the newest row against `/public/open-interest`
 * (grid, units), which one request cannot tell apart from that reading (README, Live market data).
 */
export const OKX_OI_LABEL = 'bar-open' as const;

/** The v5 envelope: `data` when code is "0". */
export function okxData(endpoint: string, body: unknown): unknown[] {
  const env = asObject(body, 'body');
  if (String(env.code) !== '0') throw new VenueError('okx', endpoint, 'venue', `code ${String(env.code)}: ${String(env.msg ?? '').slice(0, 120)}`);
  return asArray(env.data, 'data');
}

/** Live linear swaps; `contractSize` = ctVal × ctMult base units per contract. */
export function readOkxMarkets(body: unknown): VenueMarket[] {
  const out: VenueMarket[] = [];
  for (const [i, raw] of okxData('instruments', body).entries()) {
    const s = asObject(raw, `data[${i}]`);
    if (s.instType !== undefined && s.instType !== 'SWAP') continue;
    if (s.ctType !== 'linear' || (s.state !== undefined && s.state !== 'live')) continue;
    const instId = asString(s.instId, `data[${i}].instId`);
    const [base, quote] = instId.split('-');
    if (!base || !quote) continue;
    const ctMult = s.ctMult === undefined || s.ctMult === '' ? 1 : asPositive(s.ctMult, `data[${i}].ctMult`);
    out.push({
      symbol: `${base}${quote}`,
      base,
      nativeId: instId,
      contractSize: asPositive(s.ctVal, `data[${i}].ctVal`) * ctMult,
      maxLeverage: s.lever === undefined || s.lever === '' ? undefined : asPositive(s.lever, `data[${i}].lever`),
    });
  }
  return out;
}

/** Closed candles as sent (newest first); volume = `volCcy` (base units; `vol` counts contracts). */
export function readOkxCandles(body: unknown, endpoint = 'candles'): Bar[] {
  return okxData(endpoint, body).flatMap((raw, i) => {
    const r = asArray(raw, `row ${i}`);
    const what = `row ${i}`;
    if (r[8] !== undefined && String(r[8]) !== '1') return []; // still open
    return [checkedBar({
      ts: asTimestamp(r[0], `${what} ts`),
      open: asPositive(r[1], `${what} open`),
      high: asPositive(r[2], `${what} high`),
      low: asPositive(r[3], `${what} low`),
      close: asPositive(r[4], `${what} close`),
      volume: asNonNegative(r[6], `${what} volCcy`),
    }, what)];
  });
}

/** Rows `[ts, oi (contracts), oiCcy (base), oiUsd]`: base units and USD, labelled as OKX_OI_LABEL says. */
export function readOkxOpenInterestHistory(body: unknown): OiPoint[] {
  return okxData('open-interest-history', body).map((raw, i) => {
    const r = asArray(raw, `row ${i}`);
    return { ts: asTimestamp(r[0], `row ${i} ts`), oi: asNonNegative(r[2], `row ${i} oiCcy`), oiUsd: asNonNegative(r[3], `row ${i} oiUsd`) };
  });
}

/** Rows `[ts, sellVol, buyVol]`: SELL first, in the unit asked for (liqmap asks unit=0, base units). */
export function readOkxTakerVolume(body: unknown): { ts: number; sell: number; buy: number }[] {
  return okxData('taker-volume-contract', body).map((raw, i) => {
    const r = asArray(raw, `row ${i}`);
    return { ts: asTimestamp(r[0], `row ${i} ts`), sell: asNonNegative(r[1], `row ${i} sellVol`), buy: asNonNegative(r[2], `row ${i} buyVol`) };
  });
}

/** The lowest tier: `mmr` is a ratio (0.004 = 0.4%). */
export function readOkxPositionTiers(body: unknown, instFamily = ''): VenueSpec {
  const tiers = okxData('position-tiers', body).map((raw, i) => asObject(raw, `data[${i}]`));
  if (tiers.length === 0) throw new VenueError('okx', 'position-tiers', 'venue', `no tiers for ${instFamily}`);
  const first = tiers.reduce((a, b) => (asNumber(a.tier, 'tier') <= asNumber(b.tier, 'tier') ? a : b));
  return { maintenanceMarginRate: asPositive(first.mmr, 'mmr'), maxLeverage: asPositive(first.maxLever, 'maxLever') };
}

export function readOkxMarkPrice(body: unknown): number {
  return asPositive(asObject(okxData('mark-price', body)[0], 'data[0]').markPx, 'markPx');
}

/** GET /public/open-interest for one instrument: the present OI in base units (`oiCcy`) and the snapshot time. */
export function readOkxOpenInterest(body: unknown): { oi: number; oiUsd: number; ts: number } {
  const row = asObject(okxData('open-interest', body)[0], 'data[0]');
  return { oi: asNonNegative(row.oiCcy, 'oiCcy'), oiUsd: asNonNegative(row.oiUsd, 'oiUsd'), ts: asTimestamp(row.ts, 'ts') };
}

/** The oldest bar open the rubik endpoints still serve at `nowMs` (the running bar counts as one of the 1,440 rows). */
export function okxRubikFloor(nowMs: number, intervalMs: number): number {
  return (Math.floor(nowMs / intervalMs) - (RECENT_ROWS - 2)) * intervalMs;
}

type PacedEndpoint = keyof typeof LIMITS;

export class OkxClient implements VenueClient {
  readonly venue = 'okx';
  private readonly limits = new Map<string, WindowLimit>();

  constructor(
    readonly http: VenueHttp,
    private readonly clock: Clock,
  ) {}

  /** Candles are limited per IP, rubik endpoints per IP and instrument. */
  private limit(endpoint: PacedEndpoint, instId: string): WindowLimit {
    const key = endpoint === 'candles' || endpoint === 'history-candles' ? endpoint : `${endpoint}:${instId}`;
    let limit = this.limits.get(key);
    if (!limit) this.limits.set(key, (limit = new WindowLimit({ ...LIMITS[endpoint], maxWaitMs: PACING_MAX_WAIT_MS }, this.clock)));
    return limit;
  }

  async listMarkets(): Promise<VenueMarket[]> {
    return this.http.getJson('instruments', '/api/v5/public/instruments', { instType: 'SWAP' }, readOkxMarkets);
  }

  async fetchBars(market: VenueMarket, intervalMs: number, fromMs: number, toMs: number): Promise<FetchedBars> {
    const bar = BAR[intervalMs];
    if (!bar) throw new Error(`okx: no ${intervalMs / 60000}-minute series`);
    const now = this.clock.now();
    const notes: string[] = [];
    const path = fromMs >= now - RECENT_ROWS * intervalMs ? 'candles' : 'history-candles';
    // Rubik rows of the bars [from, to − interval], by bar open (OKX_OI_LABEL); older than the venue keeps: skipped.
    const floor = okxRubikFloor(now, intervalMs);
    const rubikFrom = Math.max(fromMs, floor);
    if (rubikFrom > fromMs) {
      notes.push(`okx: open interest and taker volume reach back ${RECENT_ROWS} bars only; bars before ${new Date(Math.min(rubikFrom, toMs)).toISOString().slice(0, 16)}Z have none`);
    }
    const rubikPages = rubikFrom < toMs ? pageWindows(rubikFrom, toMs, intervalMs, RUBIK_LIMIT) : [];
    const [candles, oi, taker] = await Promise.all([
      Promise.all(pageWindows(fromMs, toMs, intervalMs, CANDLE_LIMIT).map((p) => this.candles(market.nativeId, bar, path, p.start, p.end))),
      Promise.all(rubikPages.map((p) => this.openInterest(market.nativeId, bar, p.start, p.end))),
      Promise.all(rubikPages.map((p) => this.takerVolume(market.nativeId, bar, p.start, p.end))),
    ]);
    const extra = new Map<number, Partial<Bar>>(taker.flat().map((t) => [t.ts, { netTakerVolume: t.buy - t.sell }]));
    return { bars: joinBars(candles.flat(), oi.flat(), intervalMs, fromMs, toMs, { oiLabel: OKX_OI_LABEL, extra }), notes };
  }

  /** Rows with ts in [start, end]: the bounds are exclusive, so one millisecond outside each. */
  private candles(instId: string, bar: string, path: 'candles' | 'history-candles', start: number, end: number): Promise<Bar[]> {
    return this.http.getJson(path, `/api/v5/market/${path}`, { instId, bar, after: end + 1, before: start - 1, limit: CANDLE_LIMIT }, (body) => readOkxCandles(body, path), {
      limits: [this.limit(path, instId)],
    });
  }

  private openInterest(instId: string, period: string, start: number, end: number): Promise<OiPoint[]> {
    return this.http.getJson('open-interest-history', '/api/v5/rubik/stat/contracts/open-interest-history', { instId, period, begin: start - 1, end: end + 1, limit: RUBIK_LIMIT }, readOkxOpenInterestHistory, {
      limits: [this.limit('open-interest-history', instId)],
    });
  }

  private takerVolume(instId: string, period: string, start: number, end: number): Promise<{ ts: number; sell: number; buy: number }[]> {
    return this.http.getJson('taker-volume-contract', '/api/v5/rubik/stat/taker-volume-contract', { instId, period, unit: 0, begin: start - 1, end: end + 1, limit: RUBIK_LIMIT }, readOkxTakerVolume, {
      limits: [this.limit('taker-volume-contract', instId)],
    });
  }

  async fetchSpec(market: VenueMarket): Promise<VenueSpec> {
    const instFamily = market.nativeId.replace(/-SWAP$/, '');
    return this.http.getJson('position-tiers', '/api/v5/public/position-tiers', { instType: 'SWAP', tdMode: 'cross', instFamily }, (body) => readOkxPositionTiers(body, instFamily));
  }

  async fetchMarkPrice(market: VenueMarket): Promise<number> {
    return this.http.getJson('mark-price', '/api/v5/public/mark-price', { instType: 'SWAP', instId: market.nativeId }, readOkxMarkPrice);
  }
}
