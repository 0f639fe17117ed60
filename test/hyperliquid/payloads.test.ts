// Contract tests of the Hyperliquid parsers on the venue's documented examples and on the real captures
// attached to them (test/fixtures/hyperliquid/, origins in test/fixtures/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCandles, parseClearinghouseState, parseMetaAndAssetCtxs, parseTrades, parseWsFrame } from '../../src/market/hyperliquid/payloads.js';
import { infoWeight } from '../../src/market/hyperliquid/weights.js';

const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'hyperliquid', name), 'utf8')) as Record<string, { response: unknown } & Record<string, unknown>> & { response: unknown };

describe('metaAndAssetCtxs', () => {
  const doc = load('hyperliquid-meta-and-asset-ctxs.json');

  it('joins universe[i] with assetCtxs[i] in the documented example', () => {
    const assets = parseMetaAndAssetCtxs(doc.response);
    expect(assets.map((a) => a.coin)).toEqual(['BTC', 'ETH', 'HPOS']);
    expect(assets[0]).toMatchObject({ markPx: 14.3161, oraclePx: 14.32, midPx: 14.314, openInterest: 688.11, funding: 0.0000125, maxLeverage: 50, szDecimals: 5, onlyIsolated: false });
    expect(assets[2]).toMatchObject({ onlyIsolated: true, openInterest: 2912.05, maxLeverage: 3 });
  });

  it('reads the HIP-3 example, whose midPx, premium and impactPxs can be null', () => {
    const assets = parseMetaAndAssetCtxs(doc.response_hip3_dex_example);
    expect(assets.map((a) => a.coin)).toEqual(['xyz:XYZ100', 'xyz:TSLA', 'xyz:NVDA']);
    expect(assets[2]).toMatchObject({ midPx: null, markPx: 177.06, openInterest: 9.43 });
  });

  it('names a context that does not match the universe, and a bad field', () => {
    const [meta, ctxs] = doc.response as [unknown, unknown[]];
    expect(() => parseMetaAndAssetCtxs([meta, ctxs.slice(0, 2)])).toThrow(/assetCtxs: 2 contexts for 3 assets/);
    const broken = structuredClone(ctxs) as Record<string, unknown>[];
    broken[1]!.openInterest = 'lots';
    expect(() => parseMetaAndAssetCtxs([meta, broken])).toThrow(/assetCtxs\[1\]\.openInterest: expected a number, got "lots"/);
  });
});

describe('clearinghouseState', () => {
  const doc = load('hyperliquid-clearinghouse-state.json');

  it('reads the documented isolated position', () => {
    const state = parseClearinghouseState(doc.response);
    expect(state.time).toBe(1708622398623);
    expect(state.accountValue).toBe(13109.482328);
    expect(state.positions).toEqual([
      { coin: 'ETH', szi: 0.0335, entryPx: 2986.3, positionValue: 100.02765, liquidationPx: 2866.26936529, marginMode: 'isolated', leverage: 20, marginUsed: 4.967826, unrealizedPnl: -0.0134 },
    ]);
  });

  it('reads the real 2023 capture: cross positions, a null liquidation price, no time', () => {
    const state = parseClearinghouseState(doc.supplement_real_capture_sdk!.response);
    expect(state.time).toBeUndefined();
    expect(state.positions.map((p) => [p.coin, p.szi, p.liquidationPx, p.marginMode])).toEqual([
      ['BTC', -0.00785, 173198.69592357, 'cross'],
      ['ETH', 0.1334, null, 'cross'],
      ['DYDX', -121.2, 11.841653, 'cross'],
    ]);
  });

  it('reads the real 2025 isolated capture', () => {
    const state = parseClearinghouseState(doc.supplement_real_capture_isolated!.response);
    expect(state.time).toBe(1754467216357);
    expect(state.positions[0]).toMatchObject({ coin: 'HYPE', szi: 2, marginMode: 'isolated', leverage: 10, liquidationPx: 35.8559189474, positionValue: 75.652 });
  });

  it('names the field of a malformed answer', () => {
    const broken = structuredClone(doc.response) as { assetPositions: { position: Record<string, unknown> }[] };
    broken.assetPositions[0]!.position.szi = 'abc';
    expect(() => parseClearinghouseState(broken)).toThrow(/assetPositions\[0\]\.position\.szi: expected a number, got "abc"/);
    const mode = structuredClone(doc.response) as { assetPositions: { position: { leverage: { type: string } } }[] };
    mode.assetPositions[0]!.position.leverage.type = 'portfolio';
    expect(() => parseClearinghouseState(mode)).toThrow(/leverage\.type: expected "cross" or "isolated"/);
    const noLiq = structuredClone(doc.response) as { assetPositions: { position: Record<string, unknown> }[] };
    delete noLiq.assetPositions[0]!.position.liquidationPx;
    expect(() => parseClearinghouseState(noLiq)).toThrow(/liquidationPx: expected a number, got nothing/);
  });
});

describe('trades', () => {
  it('reads the real recentTrades capture: newest first, users = [buyer, seller]', () => {
    const trades = parseTrades(load('hyperliquid-recent-trades.json').response);
    expect(trades).toHaveLength(10);
    expect(trades[0]).toEqual({
      coin: 'BTC',
      side: 'B',
      px: 104821,
      sz: 0.00045,
      time: 1748727245711,
      tid: 35048442873207,
      buyer: '0xa6ecb435a6c0115ce877e6c90f170fbbf7474e27',
      seller: '0x0b1ace05eb9ef1c3a1951b763700ecad24f27741',
    });
    expect(new Set(trades.map((t) => t.seller)).size).toBe(1);
    expect(new Set(trades.map((t) => t.buyer)).size).toBe(9);
    expect(trades[0]!.time).toBeGreaterThanOrEqual(trades[9]!.time);
  });

  it('reads the real websocket trades frame and tells acks and pongs apart', () => {
    const doc = load('hyperliquid-trades-ws.json') as unknown as { response: unknown; request: { ack: unknown } };
    const trades = parseWsFrame(doc.response);
    expect(trades).toEqual([
      { coin: 'HYPE', side: 'B', px: 35.276, sz: 5.78, time: 1764835613064, tid: 716095722814130, buyer: '0x8cdba352268065be9d5444e1f82b8fe83717bbd5', seller: '0x13558be785661958932ceac35ba20de187275a42' },
    ]);
    expect(parseWsFrame(doc.request.ack)).toBe('other');
    expect(parseWsFrame({ channel: 'pong' })).toBe('other');
  });

  it('names a trade with a bad address or a missing counterparty', () => {
    const rows = structuredClone(load('hyperliquid-recent-trades.json').response) as { users: string[] }[];
    rows[3]!.users = ['0xa6ecb435a6c0115ce877e6c90f170fbbf7474e27'];
    expect(() => parseTrades(rows)).toThrow(/\[3\]\.users: expected \[buyer, seller\], got 1 entries/);
    rows[3]!.users = ['0xnothex', '0x0b1ace05eb9ef1c3a1951b763700ecad24f27741'];
    expect(() => parseTrades(rows)).toThrow(/\[3\]\.users\[0\]: expected a 0x address/);
  });
});

describe('candleSnapshot', () => {
  const doc = load('hyperliquid-candle-snapshot.json');

  it('reads the documented candle and the real 24-row capture, oldest first', () => {
    expect(parseCandles(doc.response)).toEqual([{ t: 1681923600000, T: 1681924499999, open: 29295, high: 29309, low: 29250, close: 29258, volume: 0.98639, trades: 189 }]);
    const candles = parseCandles(doc.supplement_real_capture_sdk!.response);
    expect(candles).toHaveLength(24);
    expect(candles[0]!.t).toBe(1684699200000);
    expect(candles[23]!.t).toBe(1684782000000);
    for (const c of candles) expect(c.T - c.t).toBe(3_600_000 - 1);
  });

  it('refuses rows out of order', () => {
    const rows = doc.supplement_real_capture_sdk!.response as unknown[];
    expect(() => parseCandles([rows[1], rows[0]])).toThrow(/\[1\]\.t: 1684699200000 does not follow 1684702800000/);
  });
});

describe('weights', () => {
  it('follows the rate-limit page: 2 for clearinghouseState, 20 for the rest, extras per rows returned', () => {
    expect(infoWeight('clearinghouseState')).toBe(2);
    expect(infoWeight('l2Book')).toBe(2);
    expect(infoWeight('metaAndAssetCtxs')).toBe(20);
    expect(infoWeight('userRole')).toBe(60);
    expect(infoWeight('recentTrades', 10)).toBe(21);
    expect(infoWeight('recentTrades', 40)).toBe(22);
    expect(infoWeight('candleSnapshot', 500)).toBe(29);
    expect(infoWeight('candleSnapshot', 0)).toBe(20);
  });
});
