import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { CoinglassClient, readCoinglassMap } from '../src/market/coinglass.js';
import { coinglassLevels, COINGLASS_PRO_KEY } from './fake-exchange/coinglass.js';
import { startFake, T0, TestClock } from './fake-exchange/harness.js';
import type { FakeExchange } from './fake-exchange/server.js';

let clock: TestClock;
let fake: FakeExchange;
beforeEach(async () => {
  clock = new TestClock();
  fake = await startFake(clock);
});
afterEach(async () => {
  await fake.stop();
});

describe('CoinGlass aggregated map', () => {
  it('reads the documented example: price and USD per level, no leverage', () => {
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'exchange', 'docs', 'coinglass-aggregated-map.json'), 'utf8')) as { response: unknown };
    expect(readCoinglassMap(fixture.response)).toEqual([{ price: 48935, usd: 1579370.77 }]);
  });

  it('fetches every level with the key sent in CG-API-KEY, ascending by price', async () => {
    const map = await new CoinglassClient({ apiKey: COINGLASS_PRO_KEY, baseUrl: fake.url, clock }).aggregatedMap('btc', '7d');
    const want = [...coinglassLevels('BTC', T0)].sort((a, b) => a[0] - b[0]);
    expect(map.levels.map((l) => [l.price, l.usd])).toEqual(want);
    expect(fake.coinglassRequests[0]).toEqual({ key: COINGLASS_PRO_KEY, query: { symbol: 'BTC', range: '7d' } });
  });

  it('explains a plan that refuses the endpoint', async () => {
    const err = await new CoinglassClient({ apiKey: 'hobby-key', baseUrl: fake.url, clock }).aggregatedMap('btc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).text).toMatch(/CoinGlass refused its liquidation map \(code 401: Upgrade plan\)\.\nCoinGlass serves map endpoints on its Professional plan only/);
  });

  it('says how to turn it on without a key, and sends nothing', async () => {
    await expect(new CoinglassClient({ baseUrl: fake.url, clock }).aggregatedMap('btc')).rejects.toThrow(/set COINGLASS_API_KEY/);
    expect(fake.coinglassRequests).toEqual([]);
  });
});
