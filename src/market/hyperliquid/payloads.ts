// Strict readers of Hyperliquid info answers (shapes in test/fixtures/hyperliquid/, from the docs and
// real captures). A field that is missing or malformed throws a PayloadError naming where it is, so a
// bad answer is named and skipped by the caller, never stored half-read.
import { asArray, asNonNegative, asNumber, asObject, asPositive, asString, asTimestamp, PayloadError } from '../payload.js';
import type { HlAssetContext, HlCandle, HlClearinghouseState, HlPosition, HlTrade } from './types.js';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A user address, lower-cased (Hyperliquid answers with lower case; the same account must be one key). */
export function asAddress(value: unknown, what: string): string {
  const text = asString(value, what);
  if (!ADDRESS.test(text)) throw new PayloadError(`${what}: expected a 0x address of 40 hex digits, got ${JSON.stringify(text.slice(0, 50))}`);
  return text.toLowerCase();
}

export function isAddress(text: string): boolean {
  return ADDRESS.test(text);
}

function optionalBoolean(value: unknown, what: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new PayloadError(`${what}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

function nullableNumber(value: unknown, what: string): number | null {
  return value === null ? null : asNumber(value, what);
}

/** `[meta, assetCtxs]`, joined by index. */
export function parseMetaAndAssetCtxs(body: unknown): HlAssetContext[] {
  const pair = asArray(body, 'body');
  if (pair.length !== 2) throw new PayloadError(`body: expected [meta, assetCtxs], got ${pair.length} elements`);
  const universe = asArray(asObject(pair[0], 'meta').universe, 'meta.universe');
  const ctxs = asArray(pair[1], 'assetCtxs');
  if (ctxs.length !== universe.length) throw new PayloadError(`assetCtxs: ${ctxs.length} contexts for ${universe.length} assets in meta.universe`);
  return universe.map((u, i) => {
    const asset = asObject(u, `meta.universe[${i}]`);
    const ctx = asObject(ctxs[i], `assetCtxs[${i}]`);
    const at = `assetCtxs[${i}]`;
    return {
      coin: asString(asset.name, `meta.universe[${i}].name`),
      szDecimals: asNonNegative(asset.szDecimals, `meta.universe[${i}].szDecimals`),
      maxLeverage: asPositive(asset.maxLeverage, `meta.universe[${i}].maxLeverage`),
      onlyIsolated: optionalBoolean(asset.onlyIsolated, `meta.universe[${i}].onlyIsolated`),
      markPx: asPositive(ctx.markPx, `${at}.markPx`),
      oraclePx: asPositive(ctx.oraclePx, `${at}.oraclePx`),
      midPx: nullableNumber(ctx.midPx ?? null, `${at}.midPx`),
      openInterest: asNonNegative(ctx.openInterest, `${at}.openInterest`),
      funding: asNumber(ctx.funding, `${at}.funding`),
      dayNtlVlm: asNonNegative(ctx.dayNtlVlm, `${at}.dayNtlVlm`),
    };
  });
}

function parsePosition(value: unknown, what: string): HlPosition {
  const entry = asObject(value, what);
  const p = asObject(entry.position, `${what}.position`);
  const at = `${what}.position`;
  const leverage = asObject(p.leverage, `${at}.leverage`);
  const mode = asString(leverage.type, `${at}.leverage.type`);
  if (mode !== 'cross' && mode !== 'isolated') throw new PayloadError(`${at}.leverage.type: expected "cross" or "isolated", got ${JSON.stringify(mode.slice(0, 20))}`);
  const szi = asNumber(p.szi, `${at}.szi`);
  const liquidationPx = p.liquidationPx === null ? null : asPositive(p.liquidationPx, `${at}.liquidationPx`);
  return {
    coin: asString(p.coin, `${at}.coin`),
    szi,
    entryPx: asPositive(p.entryPx, `${at}.entryPx`),
    positionValue: asNonNegative(p.positionValue, `${at}.positionValue`),
    liquidationPx,
    marginMode: mode,
    leverage: asPositive(leverage.value, `${at}.leverage.value`),
    marginUsed: asNonNegative(p.marginUsed, `${at}.marginUsed`),
    unrealizedPnl: asNumber(p.unrealizedPnl, `${at}.unrealizedPnl`),
  };
}

/** A user's perpetual positions; a position with size 0 is no position. */
export function parseClearinghouseState(body: unknown): HlClearinghouseState {
  const o = asObject(body, 'body');
  const summary = asObject(o.marginSummary, 'marginSummary');
  const positions = asArray(o.assetPositions, 'assetPositions').map((p, i) => parsePosition(p, `assetPositions[${i}]`));
  return {
    time: o.time === undefined ? undefined : asTimestamp(o.time, 'time'),
    accountValue: asNumber(summary.accountValue, 'marginSummary.accountValue'),
    positions: positions.filter((p) => p.szi !== 0),
  };
}

function parseTrade(value: unknown, what: string): HlTrade {
  const t = asObject(value, what);
  const side = asString(t.side, `${what}.side`);
  if (side !== 'B' && side !== 'A') throw new PayloadError(`${what}.side: expected "B" or "A", got ${JSON.stringify(side.slice(0, 10))}`);
  const users = asArray(t.users, `${what}.users`);
  if (users.length !== 2) throw new PayloadError(`${what}.users: expected [buyer, seller], got ${users.length} entries`);
  return {
    coin: asString(t.coin, `${what}.coin`),
    side,
    px: asPositive(t.px, `${what}.px`),
    sz: asPositive(t.sz, `${what}.sz`),
    time: asTimestamp(t.time, `${what}.time`),
    tid: asNonNegative(t.tid, `${what}.tid`),
    buyer: asAddress(users[0], `${what}.users[0]`),
    seller: asAddress(users[1], `${what}.users[1]`),
  };
}

/** `recentTrades` rows (newest first, as the venue sends them). */
export function parseTrades(body: unknown): HlTrade[] {
  return asArray(body, 'body').map((t, i) => parseTrade(t, `[${i}]`));
}

/**
 * One websocket frame: trades for a `trades` frame, `'other'` for the frames that carry none
 * (subscription acks, pongs). Anything else is a PayloadError.
 */
export function parseWsFrame(body: unknown): HlTrade[] | 'other' {
  const o = asObject(body, 'frame');
  const channel = asString(o.channel, 'frame.channel');
  if (channel === 'trades') return asArray(o.data, 'frame.data').map((t, i) => parseTrade(t, `frame.data[${i}]`));
  if (channel === 'subscriptionResponse' || channel === 'pong') return 'other';
  if (channel === 'error') throw new PayloadError(`the venue said: ${JSON.stringify(o.data).slice(0, 120)}`);
  return 'other';
}

/** `candleSnapshot` rows, oldest first; `t` must rise. */
export function parseCandles(body: unknown): HlCandle[] {
  const rows = asArray(body, 'body');
  const out: HlCandle[] = [];
  rows.forEach((r, i) => {
    const c = asObject(r, `[${i}]`);
    const candle: HlCandle = {
      t: asTimestamp(c.t, `[${i}].t`),
      T: asTimestamp(c.T, `[${i}].T`),
      open: asPositive(c.o, `[${i}].o`),
      high: asPositive(c.h, `[${i}].h`),
      low: asPositive(c.l, `[${i}].l`),
      close: asPositive(c.c, `[${i}].c`),
      volume: asNonNegative(c.v, `[${i}].v`),
      trades: asNonNegative(c.n, `[${i}].n`),
    };
    if (candle.T < candle.t) throw new PayloadError(`[${i}]: closes (T ${candle.T}) before it opens (t ${candle.t})`);
    if (candle.high < candle.low) throw new PayloadError(`[${i}]: high ${candle.high} below low ${candle.low}`);
    const prev = out[out.length - 1];
    if (prev && candle.t <= prev.t) throw new PayloadError(`[${i}].t: ${candle.t} does not follow ${prev.t} (expected oldest first)`);
    out.push(candle);
  });
  return out;
}
