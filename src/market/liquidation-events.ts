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

