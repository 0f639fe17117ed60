// Market data cost against the fake exchange on loopback, which enforces the venues' documented limits
// (OKX taker volume 5 and open interest 10 requests per 2 s per instrument, Binance weight per minute,
// Bybit 600 per 5 s): requests for cold 7d and 30d maps over three venues and for a warm refresh (one new
// bar), how long a cold OKX fetch takes with its pages paced (in real time), and the time to build a map
// from a warm cache.
import { buildMap } from '../src/analysis/build-map.js';
import type { Clock } from '../src/market/clock.js';
import { toModelRequest } from '../src/market/market-data.js';
import { LiveMarketData } from '../src/market/live-market-data.js';
import { liveAgainst, startFake, T0, TestClock } from '../test/fake-exchange/harness.js';
import { FakeExchange } from '../test/fake-exchange/server.js';
import { median } from './stats.js';

function bySeries(requests: { path: string }[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
  return [...counts].map(([p, n]) => `${p} ${n}`).join(', ');
}

const clock = new TestClock();
const fake = await startFake(clock);
try {
  for (const window of ['7d', '30d'] as const) {
    // Past the previous run's 2-second windows: a cold map as from a fresh process.
    clock.advance(60_000);
    const market = liveAgainst(fake, clock);
    const before = fake.requests.length;
    const start = clock.now();
    await market.getSeries({ symbol: 'btc', window });
    const reqs = fake.requests.slice(before);
    const v = { binance: 0, bybit: 0, okx: 0 } as Record<string, number>;
    for (const r of reqs) v[r.venue]!++;
    const refused = reqs.filter((r) => r.status === 429 || (r.venue === 'bybit' && r.status === 403)).length;
    console.log(`cold ${window} map, 3 venues: ${reqs.length} requests (binance ${v.binance}, bybit ${v.bybit}, okx ${v.okx}), ${refused} refused by a venue limit; ${((clock.now() - start) / 1000).toFixed(1)} s of simulated waits`);
    console.log(`  by endpoint: ${bySeries(reqs)}`);
  }

  clock.advance(60_000);
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

// A cold OKX fetch in real time: the fake's clock runs from T0 at the wall clock's pace, the client
// really waits for its pacing, and the fake refuses anything beyond OKX's limits.
for (const window of ['7d', '30d'] as const) {
  const startedAt = Date.now();
  const real: Clock = { now: () => T0 + (Date.now() - startedAt), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const okxFake = await new FakeExchange({ now: real.now }).start();
  try {
    const market = new LiveMarketData({ clock: real, urls: okxFake.urls });
    const t0 = performance.now();
    const data = await market.getSeries({ symbol: 'btc', window, venues: ['okx'] });
    const ms = performance.now() - t0;
    const taker = okxFake.requests.filter((r) => r.path.endsWith('/taker-volume-contract')).length;
    const oi = okxFake.requests.filter((r) => r.path.endsWith('/open-interest-history')).length;
    console.log(`cold OKX ${window} fetch, paced, real time: ${(ms / 1000).toFixed(2)} s for ${okxFake.requests.length} requests (${taker} taker-volume and ${oi} open-interest pages), ${okxFake.rateLimited('okx').length} refused, ${data.venues[0]?.series.bars.length ?? 0} bars`);
  } finally {
    await okxFake.stop();
  }
}
