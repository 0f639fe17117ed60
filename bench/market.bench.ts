// Market data cost against the fake exchange on loopback: requests for a cold 7-day map over three
// venues and for a warm refresh (one new bar), and the time to build that map from a warm cache.
import { buildMap } from '../src/analysis/build-map.js';
import { toModelRequest } from '../src/market/market-data.js';
import { liveAgainst, startFake, TestClock } from '../test/fake-exchange/harness.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bySeries(requests: { path: string }[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
  return [...counts].map(([p, n]) => `${p} ${n}`).join(', ');
}

const clock = new TestClock();
const fake = await startFake(clock);
try {
  for (const window of ['7d', '30d'] as const) {
    const market = liveAgainst(fake, clock);
    const before = fake.requests.length;
    const sleepsBefore = clock.sleeps.length;
    const t0 = performance.now();
    await market.getSeries({ symbol: 'btc', window });
    const ms = performance.now() - t0;
    const waited = clock.sleeps.slice(sleepsBefore).reduce((a, b) => a + b, 0);
    const reqs = fake.requests.slice(before);
    const v = { binance: 0, bybit: 0, okx: 0 } as Record<string, number>;
    for (const r of reqs) v[r.venue]!++;
    console.log(`cold ${window} map, 3 venues: ${reqs.length} requests (binance ${v.binance}, bybit ${v.bybit}, okx ${v.okx}) in ${ms.toFixed(0)} ms on loopback, plus ${(waited / 1000).toFixed(1)} s of request-budget waits (simulated clock; real against the venues)`);
    console.log(`  by endpoint: ${bySeries(reqs)}`);
  }

  const market = liveAgainst(fake, clock);
  await market.getSeries({ symbol: 'btc', window: '7d' });
  const refreshes: string[] = [];
  let lastRefresh: { path: string }[] = [];
  for (let i = 0; i < 5; i++) {
    clock.advance(900_000);
    const before = fake.requests.length;
    await market.getSeries({ symbol: 'btc', window: '7d' });
    const sent = fake.requests.slice(before);
    const catalogue = sent.filter((r) => /exchangeInfo|instruments/.test(r.path)).length;
    refreshes.push(`${sent.length - catalogue}${catalogue ? ` (+${catalogue} hourly market-list refresh)` : ''}`);
    lastRefresh = sent.filter((r) => !/exchangeInfo|instruments/.test(r.path));
  }
  console.log(`warm refresh (one new 15m bar), 3 venues: ${refreshes.join(', ')} requests over 5 refreshes (7 series: binance klines+OI, bybit kline+OI, okx candles+OI+taker)`);
  console.log(`  by endpoint: ${bySeries(lastRefresh)}`);

  const before = fake.requests.length;
  const runs: number[] = [];
  const getOnly: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const data = await market.getSeries({ symbol: 'btc', window: '7d' });
    const t1 = performance.now();
    buildMap(toModelRequest(data, { window: '7d' }));
    runs.push(performance.now() - t0);
    getOnly.push(t1 - t0);
  }
  console.log(`map from a warm cache (7d, 3 venues, 672 bars each): median ${median(runs).toFixed(1)} ms (cache read ${median(getOnly).toFixed(2)} ms, buildMap the rest), ${fake.requests.length - before} requests over 40 maps`);
} finally {
  await fake.stop();
}
