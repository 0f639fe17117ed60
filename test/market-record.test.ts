import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { runRecord } from '../src/cli/record.js';
import { parseBarsCsv } from '../src/market/bars-csv.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { Recorder } from '../src/market/recorder.js';
import { liveAgainst, startFake, T0, TestClock } from './fake-exchange/harness.js';
import type { FakeExchange } from './fake-exchange/server.js';

const M5 = 300_000;
let clock: TestClock;
let fake: FakeExchange;
let dir: string;

beforeEach(async () => {
  clock = new TestClock();
  fake = await startFake(clock);
  dir = mkdtempSync(join(tmpdir(), 'liqmap-record-'));
});
afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function recorder(options: Partial<ConstructorParameters<typeof Recorder>[0]> = {}) {
  return new Recorder({ market: liveAgainst(fake, clock, { retries: 0 }), symbol: 'btc', intervalMs: M5, outDir: dir, clock, backfillMs: 86_400_000, ...options });
}

function barsOf(file: string) {
  return parseBarsCsv(readFileSync(join(dir, file), 'utf8'), file).bars;
}

function expectContiguous(ts: number[]) {
  for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(M5);
}

describe('recording', () => {
  it('records every venue, and replaying the recording gives exactly the live bars', async () => {
    const r = recorder();
    const first = await r.step();
    expect(first.appended).toEqual({ binance: 288, bybit: 288, okx: 288, hyperliquid: 288 });
    clock.advance(3 * M5);
    expect((await r.step()).appended).toEqual({ binance: 3, bybit: 3, okx: 3, hyperliquid: 3 });
    expect(readdirSync(dir).sort()).toEqual(['binance-BTCUSDT-5m.csv', 'bybit-BTCUSDT-5m.csv', 'hyperliquid-BTCUSDT-5m.csv', 'okx-BTCUSDT-5m.csv']);

    const live = await liveAgainst(fake, clock).getSeries({ symbol: 'btc', window: '1d' });
    const replay = await new RecordedMarketData(dir).getSeries({ symbol: 'btc', window: '1d' });
    for (const venue of ['binance', 'bybit', 'okx']) {
      const fromLive = live.venues.find((v) => v.series.venue === venue)!.series.bars;
      const fromFile = replay.venues.find((v) => v.series.venue === venue)!.series.bars;
      expect(fromFile.slice(-fromLive.length)).toEqual(fromLive);
    }
  });

  it('resumes after a restart without a gap or a duplicate, even after a half-written line', async () => {
    await recorder().step();
    clock.advance(4 * M5);
    // A crash in the middle of a write leaves half a row behind.
    appendFileSync(join(dir, 'bybit-BTCUSDT-5m.csv'), '1781956800000,6512');
    const restarted = recorder();
    expect((await restarted.step()).appended).toEqual({ binance: 4, bybit: 4, okx: 4, hyperliquid: 4 });
    for (const venue of ['binance', 'bybit', 'okx']) {
      const ts = barsOf(`${venue}-BTCUSDT-5m.csv`).map((b) => b.ts);
      expect(ts.length).toBe(292);
      expectContiguous(ts);
      expect(ts.at(-1)).toBe(Math.floor(clock.now() / M5) * M5 - M5);
    }
  });

  it('fills a venue’s outage on the next round', async () => {
    const r = recorder();
    await r.step();
    clock.advance(2 * M5);
    fake.fault({ path: '/v5/market/kline', kind: 'status', status: 500 });
    const during = await r.step();
    expect(during.failed).toEqual([{ venue: 'bybit', reason: 'kline: HTTP 500' }]);
    expect(during.appended).toEqual({ binance: 2, okx: 2, hyperliquid: 2 });
    clock.advance(M5);
    expect((await r.step()).appended).toEqual({ binance: 1, bybit: 3, okx: 1, hyperliquid: 1 });
    expectContiguous(barsOf('bybit-BTCUSDT-5m.csv').map((b) => b.ts));
  });

  it('holds back the newest bars until their open interest is published', async () => {
    const end = Math.floor(T0 / M5) * M5;
    fake.oiGaps.add(end); // the snapshot at the close of the last bar is not out yet
    const r = recorder({ venues: ['binance'] });
    expect((await r.step()).appended).toEqual({ binance: 287 });
    fake.oiGaps.clear();
    clock.advance(M5);
    expect((await r.step()).appended).toEqual({ binance: 2 });
    expect(barsOf('binance-BTCUSDT-5m.csv').every((b) => b.oi !== undefined)).toBe(true);
  });

  it('writes liquidation events of the symbol as NDJSON', async () => {
    const r = recorder();
    await r.step();
    const event = { venue: 'bybit', symbol: 'BTCUSDT', side: 'long' as const, price: 60000, qty: 0.5, usd: 30000, ts: T0 };
    await r.recordEvent(event);
    await r.recordEvent({ ...event, symbol: 'ETHUSDT' });
    await r.recordEvent({ ...event, side: 'short', ts: T0 + 1 });
    const lines = readFileSync(join(dir, 'liquidations-BTCUSDT.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([event, { ...event, side: 'short', ts: T0 + 1 }]);
  });

  it('liqmap record runs until stopped and its directory is a source for liqmap map', async () => {
    const controller = new AbortController();
    const out: string[] = [];
    const env = { BINANCE_FAPI_URL: fake.url, BYBIT_API_URL: fake.url, OKX_API_URL: fake.url, HYPERLIQUID_API_URL: fake.url };
    const steps = { n: 0 };
    const io = {
      out: (t: string) => {
        out.push(t);
        if (t.startsWith('BTCUSDT:') && ++steps.n === 2) controller.abort();
      },
      err: () => {},
    };
    const code = await runRecord(['btc', '--out', dir, '--interval', '5m', '--backfill', '1d', '--no-stream'], io, { clock, signal: controller.signal, env, settleMs: 1000 });
    expect(code).toBe(0);
    expect(out[0]).toBe('BTCUSDT: binance +288, bybit +288, okx +288, hyperliquid +288');
    expect(out).toContain('BTCUSDT: binance +1, bybit +1, okx +1, hyperliquid +1');
    const r = await runCli(['map', 'btc', '--source', dir, '--window', '1d'], { out: (t) => out.push(t), err: () => {} });
    expect(r).toBe(0);
    // The summary's first line (the second is the calibrated forced flow).
    expect(out.at(-1)!.split('\n')[0]).toMatch(/^BTC [\d,]+ · .* estimated from Binance\+Bybit\+Hyperliquid\+OKX, 1d$/);
  });

  it('explains a bad interval', async () => {
    writeFileSync(join(dir, 'x'), '');
    const err: string[] = [];
    const code = await runCli(['record', 'btc', '--out', dir, '--interval', '7m'], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/interval "7m" is not one of 5m, 15m, 30m, 1h/);
  });
});
