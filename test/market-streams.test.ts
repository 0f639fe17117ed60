import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBinanceForceOrder, parseBybitLiquidation, parseOkxLiquidation, type LiquidationEvent } from '../src/market/liquidation-events.js';
import { LiquidationFeed } from '../src/market/liquidation-feed.js';
import { LiquidationStream } from '../src/market/liquidation-stream.js';
import { startFake, TestClock } from './fake-exchange/harness.js';
import type { FakeExchange } from './fake-exchange/server.js';

/** Real Binance liquidation orders (test/fixtures/README.md) as `!forceOrder@arr` pushes. */
function forceOrders() {
  const lines = readFileSync(join(import.meta.dirname, 'fixtures', 'exchange', 'binance-forceorder-2025-12-27-head.csv'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [s, S, o, f, q, p, ap, X, l, z, T] = line.split(',');
    return { e: 'forceOrder', E: Number(T) + 5, o: { s: `${s}USDT`, S, o, f, q, p, ap, X, l, z, T: Number(T) } };
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('liquidation payloads', () => {
  it("reads Binance's order side: SELL liquidates a long", () => {
    const [first, ...rest] = forceOrders();
    const e = parseBinanceForceOrder(first)[0]!;
    expect(e).toMatchObject({ venue: 'binance', symbol: 'MEUSDT', side: 'short', qty: 4500, ts: 1766845883281 });
    expect(e.usd).toBeCloseTo(4500 * 0.2108477, 6);
    const sell = rest.find((m) => m.o.S === 'SELL')!;
    expect(parseBinanceForceOrder(sell)[0]!.side).toBe('long');
  });

  it("reads Bybit's position side: Buy is a long liquidated", () => {
    const events = parseBybitLiquidation({ topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: 1, data: [{ T: 1739502302929, s: 'BTCUSDT', S: 'Buy', v: '0.003', p: '43511.70' }, { T: 1739502302930, s: 'BTCUSDT', S: 'Sell', v: '1', p: '43600' }] });
    expect(events.map((e) => e.side)).toEqual(['long', 'short']);
    expect(events[0]!.usd).toBeCloseTo(130.5351, 6);
  });

  it('converts OKX contracts to base units and reads posSide, else the order side', () => {
    const msg = { arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instId: 'BTC-USDT-SWAP', instFamily: 'BTC-USDT', details: [
      { bkLoss: '0', bkPx: '60000', ccy: '', posSide: 'short', side: 'buy', sz: '20', ts: '1692266434010' },
      { bkLoss: '0', bkPx: '59000', ccy: '', posSide: 'net', side: 'sell', sz: '10', ts: '1692266434011' },
    ] }] };
    const events = parseOkxLiquidation(msg, (id) => (id === 'BTC-USDT-SWAP' ? 0.01 : undefined));
    expect(events.map((e) => [e.symbol, e.side, e.qty])).toEqual([['BTCUSDT', 'short', 0.2], ['BTCUSDT', 'long', 0.1]]);
    expect(events[1]!.usd).toBeCloseTo(5900, 6);
  });

  it('rejects malformed events instead of producing NaN', () => {
    expect(() => parseBybitLiquidation({ topic: 'allLiquidation.BTCUSDT', data: [{ T: 1, s: 'BTCUSDT', S: 'Buy', v: 'x', p: '1' }] })).toThrow(/data\[0\]\.v/);
  });
});

describe('liquidation streams against the fake exchange', () => {
  let fake: FakeExchange;
  let stream: LiquidationStream | undefined;
  beforeEach(async () => {
    fake = await startFake(new TestClock());
  });
  afterEach(async () => {
    stream?.stop();
    await fake.stop();
  });

  it('streams Binance liquidations and resumes after the connection drops mid-stream', async () => {
    const got: LiquidationEvent[] = [];
    stream = new LiquidationStream({ venue: 'binance', url: fake.wsUrls.binance, onEvent: (e) => got.push(e), backoffBaseMs: 20, random: () => 0.5 });
    stream.start();
    await until(() => fake.openSockets('binance') === 1, 'binance socket');
    const orders = forceOrders();
    for (const o of orders.slice(0, 20)) fake.push('binance', o);
    await until(() => got.length === 20, '20 events');
    fake.dropSockets('binance');
    await until(() => stream!.connections === 2 && fake.openSockets('binance') === 1, 'reconnect');
    for (const o of orders.slice(20)) fake.push('binance', o);
    await until(() => got.length === orders.length, 'all events');
    expect(got.map((e) => e.ts)).toEqual(orders.map((o) => o.o.T));
    expect(got.filter((e) => e.side === 'long').length).toBe(orders.filter((o) => o.o.S === 'SELL').length);
  });

  it('subscribes on Bybit, pings, filters by symbol and resubscribes after a drop', async () => {
    const got: LiquidationEvent[] = [];
    stream = new LiquidationStream({ venue: 'bybit', url: fake.wsUrls.bybit, symbols: ['BTCUSDT'], onEvent: (e) => got.push(e), pingMs: 30, backoffBaseMs: 20 });
    stream.start();
    await until(() => fake.subscribed('bybit', 'allLiquidation.BTCUSDT'), 'subscription');
    await until(() => fake.wsReceived.some((m) => m.venue === 'bybit' && m.text === '{"op":"ping"}'), 'ping');
    fake.push('bybit', { topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: 1, data: [{ T: 1000, s: 'BTCUSDT', S: 'Buy', v: '0.5', p: '60000' }] }, 'allLiquidation.BTCUSDT');
    await until(() => got.length === 1, 'first event');
    fake.dropSockets('bybit');
    await until(() => stream!.connections === 2 && fake.subscribed('bybit', 'allLiquidation.BTCUSDT'), 'resubscription');
    fake.push('bybit', { topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: 2, data: [{ T: 2000, s: 'BTCUSDT', S: 'Sell', v: '1', p: '61000' }] }, 'allLiquidation.BTCUSDT');
    await until(() => got.length === 2, 'event after reconnect');
    expect(got.map((e) => [e.side, e.usd])).toEqual([['long', 30000], ['short', 61000]]);
  });

  it('follows a new symbol list on the open Bybit connection: subscribes the new, unsubscribes the old', async () => {
    const got: LiquidationEvent[] = [];
    stream = new LiquidationStream({ venue: 'bybit', url: fake.wsUrls.bybit, symbols: ['BTCUSDT'], onEvent: (e) => got.push(e) });
    stream.start();
    await until(() => fake.subscribed('bybit', 'allLiquidation.BTCUSDT'), 'BTC');
    stream.setSymbols(['ETHUSDT']);
    await until(() => fake.subscribed('bybit', 'allLiquidation.ETHUSDT') && !fake.subscribed('bybit', 'allLiquidation.BTCUSDT'), 'ETH only');
    expect(stream.connections).toBe(1);
    fake.push('bybit', { topic: 'allLiquidation.ETHUSDT', type: 'snapshot', ts: 3, data: [{ T: 3000, s: 'ETHUSDT', S: 'Buy', v: '2', p: '3000' }] }, 'allLiquidation.ETHUSDT');
    await until(() => got.length === 1, 'the ETH event');
    expect(got[0]).toMatchObject({ symbol: 'ETHUSDT', side: 'long', usd: 6000 });
  });

  it('feeds all three venues into one listener, in USD by position side', async () => {
    const feed = new LiquidationFeed({ wsUrls: fake.wsUrls, symbols: ['BTCUSDT'], contractSize: () => 0.01 });
    const seen: LiquidationEvent[] = [];
    feed.onEvent((e) => seen.push(e));
    feed.start();
    try {
      await until(() => fake.openSockets('binance') === 1 && fake.subscribed('bybit', 'allLiquidation.BTCUSDT') && fake.openSockets('okx') === 1, 'three streams');
      const ts = Date.UTC(2026, 0, 2, 11, 30);
      fake.push('binance', { e: 'forceOrder', E: ts, o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '1', p: '60000', ap: '60000', X: 'FILLED', l: '1', z: '1', T: ts } });
      fake.push('binance', { e: 'forceOrder', E: ts, o: { s: 'ETHUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '1', p: '3000', ap: '3000', X: 'FILLED', l: '1', z: '1', T: ts } });
      fake.push('bybit', { topic: 'allLiquidation.BTCUSDT', data: [{ T: ts, s: 'BTCUSDT', S: 'Sell', v: '2', p: '61000' }] }, 'allLiquidation.BTCUSDT');
      fake.push('okx', { arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instId: 'BTC-USDT-SWAP', details: [{ bkPx: '59000', posSide: 'net', side: 'sell', sz: '100', ts: String(ts) }] }] });
      await until(() => seen.length === 3, 'three events');
      expect(seen.map((e) => [e.venue, e.symbol, e.side, e.usd]).sort()).toEqual([
        ['binance', 'BTCUSDT', 'long', 60000],
        ['bybit', 'BTCUSDT', 'short', 122000],
        ['okx', 'BTCUSDT', 'long', 59000],
      ]);
    } finally {
      feed.stop();
    }
  });

  it('subscribes to OKX liquidation-orders, answers its text ping, and survives a garbage frame', async () => {
    const got: LiquidationEvent[] = [];
    stream = new LiquidationStream({ venue: 'okx', url: fake.wsUrls.okx, contractSize: () => 0.01, onEvent: (e) => got.push(e), pingMs: 30 });
    stream.start();
    await until(() => fake.subscribed('okx', JSON.stringify({ channel: 'liquidation-orders', instType: 'SWAP' })), 'subscription');
    await until(() => fake.wsReceived.some((m) => m.venue === 'okx' && m.text === 'ping'), 'ping');
    fake.push('okx', '{"arg": {"chan');
    fake.push('okx', { arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instId: 'BTC-USDT-SWAP', details: [{ bkPx: '60000', posSide: 'long', side: 'sell', sz: '100', ts: '5' }] }] });
    await until(() => got.length === 1, 'event');
    expect(got[0]).toMatchObject({ venue: 'okx', symbol: 'BTCUSDT', side: 'long', qty: 1, usd: 60000 });
    expect(stream.malformed).toBe(1);
  });
});
