import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { CoinglassClient } from '../src/market/coinglass.js';
import { startFake, TestClock } from './fake-exchange/harness.js';
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
  it('reads the levels with the key sent in CG-API-KEY', async () => {
    const map = await new CoinglassClient({ apiKey: 'pro-key', baseUrl: fake.url, clock }).aggregatedMap('btc', '7d');
    expect(map.levels).toEqual([
      { price: 58000.5, usd: 990000 },
      { price: 60000, usd: 1500000.5, leverage: 50 },
      { price: 71000, usd: 3400000, leverage: 100 },
    ]);
    expect(fake.coinglassRequests[0]).toEqual({ key: 'pro-key', query: { symbol: 'BTC', range: '7d' } });
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
