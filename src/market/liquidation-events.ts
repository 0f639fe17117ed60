// Realized liquidations from the venues' websocket pushes, normalized to one shape, and rolling sums
// per symbol and side for digests and alerts.
import { asArray, asNonNegative, asObject, asPositive, asString, asTimestamp, PayloadError } from './payload.js';

export interface LiquidationEvent {
  venue: string;
  /** Canonical symbol (BTCUSDT). */
  symbol: string;
  /** The side of the position that was liquidated. */
  side: 'long' | 'short';
  price: number;
  /** Base units. */
  qty: number;
  usd: number;
  /** Unix ms. */
  ts: number;
}

/**
 * Binance `!forceOrder@arr`: `o.S` is the liquidation ORDER's side, so SELL = a long was liquidated.
 * USD = filled quantity × average price (REFERENCE.md).
 */
export function parseBinanceForceOrder(message: unknown): LiquidationEvent[] {
  const m = asObject(message, 'message');
  if (m.e !== 'forceOrder') return [];
  const o = asObject(m.o, 'o');
  const side = asString(o.S, 'o.S');
  const filled = asNonNegative(o.z ?? o.q, 'o.z');
  const avg = asNumberOr(o.ap, o.p, 'o.ap');
  return [{
    venue: 'binance',
    symbol: asString(o.s, 'o.s'),
    side: side === 'SELL' ? 'long' : 'short',
    price: avg,
    qty: filled,
    usd: filled * avg,
    ts: asTimestamp(o.T ?? m.E, 'o.T'),
  }];
}

/** Bybit `allLiquidation.<symbol>`: `S` is the POSITION side, so Buy = a long was liquidated. */
export function parseBybitLiquidation(message: unknown): LiquidationEvent[] {
  const m = asObject(message, 'message');
  if (typeof m.topic !== 'string' || !m.topic.startsWith('allLiquidation.')) return [];
  return asArray(m.data, 'data').map((raw, i) => {
    const d = asObject(raw, `data[${i}]`);
    const price = asPositive(d.p, `data[${i}].p`);
    const qty = asNonNegative(d.v, `data[${i}].v`);
    return {
      venue: 'bybit',
      symbol: asString(d.s, `data[${i}].s`),
      side: asString(d.S, `data[${i}].S`) === 'Buy' ? 'long' : 'short',
      price,
      qty,
      usd: price * qty,
      ts: asTimestamp(d.T, `data[${i}].T`),
    };
  });
}

/**
 * OKX `liquidation-orders`: sizes in contracts (× ctVal for base units); `posSide` names the position in
 * hedge mode, else (`net`) the order side tells: a sell closes a long.
 */
export function parseOkxLiquidation(message: unknown, contractSize: (instId: string) => number | undefined): LiquidationEvent[] {
  const m = asObject(message, 'message');
  const arg = m.arg === undefined ? undefined : asObject(m.arg, 'arg');
  if (arg?.channel !== 'liquidation-orders' || m.data === undefined) return [];
  const out: LiquidationEvent[] = [];
  for (const [i, raw] of asArray(m.data, 'data').entries()) {
    const d = asObject(raw, `data[${i}]`);
    const instId = asString(d.instId, `data[${i}].instId`);
    const ctVal = contractSize(instId);
    const parts = instId.split('-');
    if (ctVal === undefined || parts.length < 2) continue; // not a market we know the contract size of
    for (const [j, rawDetail] of asArray(d.details, `data[${i}].details`).entries()) {
      const x = asObject(rawDetail, `data[${i}].details[${j}]`);
      const price = asPositive(x.bkPx, 'bkPx');
      const qty = asNonNegative(x.sz, 'sz') * ctVal;
      const posSide = String(x.posSide ?? '');
      const side = posSide === 'long' || posSide === 'short' ? posSide : asString(x.side, 'side') === 'sell' ? 'long' : 'short';
      out.push({ venue: 'okx', symbol: `${parts[0]}${parts[1]}`, side, price, qty, usd: price * qty, ts: asTimestamp(x.ts, 'ts') });
    }
  }
  return out;
}

function asNumberOr(primary: unknown, fallback: unknown, what: string): number {
  try {
    const n = asPositive(primary, what);
    return n;
  } catch (err) {
    if (err instanceof PayloadError) return asPositive(fallback, what);
    throw err;
  }
}

export interface LiquidationSums {
  longUsd1h: number;
  shortUsd1h: number;
  longUsd24h: number;
  shortUsd24h: number;
  events24h: number;
}

const MINUTE = 60_000;
const SLOTS = 24 * 60;

/**
 * Sums over the last hour and day per symbol and side, in one-minute slots (a ring of 1,440 per symbol):
 * memory stays fixed however many events arrive. Binance pushes at most one liquidation per symbol per
 * second, so its sums are lower bounds.
 */
export class RollingLiquidations {
  private readonly rings = new Map<string, { minute: Int32Array; long: Float64Array; short: Float64Array; count: Uint32Array }>();

  add(event: LiquidationEvent): void {
    let ring = this.rings.get(event.symbol);
    if (!ring) {
      ring = { minute: new Int32Array(SLOTS).fill(-1), long: new Float64Array(SLOTS), short: new Float64Array(SLOTS), count: new Uint32Array(SLOTS) };
      this.rings.set(event.symbol, ring);
    }
    const minute = Math.floor(event.ts / MINUTE);
    const slot = minute % SLOTS;
    if (ring.minute[slot] !== minute) {
      if (ring.minute[slot]! > minute) return; // older than a day behind this slot
      ring.minute[slot] = minute;
      ring.long[slot] = 0;
      ring.short[slot] = 0;
      ring.count[slot] = 0;
    }
    if (event.side === 'long') ring.long[slot]! += event.usd;
    else ring.short[slot]! += event.usd;
    ring.count[slot]!++;
  }

  sums(symbol: string, nowMs: number): LiquidationSums {
    const out: LiquidationSums = { longUsd1h: 0, shortUsd1h: 0, longUsd24h: 0, shortUsd24h: 0, events24h: 0 };
    const ring = this.rings.get(symbol);
    if (!ring) return out;
    const now = Math.floor(nowMs / MINUTE);
    for (let slot = 0; slot < SLOTS; slot++) {
      const minute = ring.minute[slot]!;
      const age = now - minute;
      if (minute < 0 || age < 0 || age >= SLOTS) continue;
      out.longUsd24h += ring.long[slot]!;
      out.shortUsd24h += ring.short[slot]!;
      out.events24h += ring.count[slot]!;
      if (age < 60) {
        out.longUsd1h += ring.long[slot]!;
        out.shortUsd1h += ring.short[slot]!;
      }
    }
    return out;
  }

  symbols(): string[] {
    return [...this.rings.keys()];
  }
}
