// Hyperliquid inside `liqmap serve`, as src/main.ts wires it: the live source on the fake exchange (which
// mounts the fake Hyperliquid), HYPERLIQUID_TRACKER=on, the real store, real grammY against the fake
// Telegram. The tracker finds accounts in the trades stream and polls them; `/liqmap btc hyperliquid`
// answers with the estimate beside the measured map; `/heatmap btc hyperliquid` says when its measured
// overlay starts; open interest is recorded forward into the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { inlineModelRunner } from '../../src/maps/model-runner.js';
import { inlineRenderer } from '../../src/render/inline-renderer.js';
import { SqliteBackend } from '../../src/store/sqlite-backend.js';
import { createStore } from '../../src/store/store.js';
import { FakeTelegramApi } from '../fakes/telegram-api.js';
import { startFake, T0, TestClock } from '../fake-exchange/harness.js';
import type { FakeExchange } from '../fake-exchange/server.js';
import { addressOf } from '../fake-hyperliquid/server.js';

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Hyperliquid in serve (src/main.ts)', () => {
  let fake: FakeExchange;
  let telegram: FakeTelegramApi;
  let bot: RunningBot | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-hl-serve-'));
  const storePath = join(dir, 'store.sqlite');

  beforeAll(async () => {
    fake = await startFake(new TestClock());
    telegram = await new FakeTelegramApi().start();
    // Cross and isolated positions around the fake market's BTC (about 64,000 at T0), one without a liquidation price.
    fake.hyperliquid.users.set(addressOf(1), { positions: [{ coin: 'BTC', szi: 5, entryPx: 64_000, liquidationPx: 60_000, mode: 'cross', leverage: 10 }] });
    fake.hyperliquid.users.set(addressOf(2), { positions: [{ coin: 'BTC', szi: -3, entryPx: 64_500, liquidationPx: 67_900, mode: 'isolated', leverage: 20 }] });
    fake.hyperliquid.users.set(addressOf(3), { positions: [{ coin: 'BTC', szi: 8, entryPx: 62_000, liquidationPx: null, mode: 'cross', leverage: 3 }] });
    const started = Date.now();
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        LIQMAP_SOURCE: 'live',
        BINANCE_FAPI_URL: fake.url,
        BYBIT_API_URL: fake.url,
        OKX_API_URL: fake.url,
        HYPERLIQUID_API_URL: fake.url,
        BINANCE_WS_URL: fake.wsUrls.binance,
        BYBIT_WS_URL: fake.wsUrls.bybit,
        OKX_WS_URL: fake.wsUrls.okx,
        HYPERLIQUID_WS_URL: fake.hyperliquidWsUrl,
        HYPERLIQUID_TRACKER: 'on',
        HYPERLIQUID_COINS: 'BTC',
        HTTP_PORT: '0',
        STORE_PATH: storePath,
        LOG_LEVEL: 'silent',
      },
      { dotenvPath: null },
    );
    // The fake market's time, moving with the wall clock.
    bot = await startBot(config, { log: pino({ level: 'silent' }), renderer: inlineRenderer, models: inlineModelRunner, clock: { now: () => T0 + (Date.now() - started) } });
  });

  afterAll(async () => {
    await bot?.stop();
    await telegram?.close();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds accounts in the trades stream, polls them, and answers /liqmap btc hyperliquid with both maps', { timeout: 90_000 }, async () => {
    await until(() => fake.hyperliquid.subscribers('BTC') === 1, 'the trades stream');
    fake.hyperliquid.pushTrades([
      { coin: 'BTC', side: 'B', px: 64_000, sz: 1, time: T0, buyer: addressOf(1), seller: addressOf(2) },
      { coin: 'BTC', side: 'A', px: 64_000, sz: 2, time: T0, buyer: addressOf(3), seller: addressOf(2) },
    ]);
    await until(() => fake.hyperliquid.count('clearinghouseState') >= 3, 'three accounts polled');

    telegram.sendText('/liqmap btc hyperliquid');
    await telegram.waitFor(() => telegram.delivered('sendPhoto').length >= 1, 60_000);
    const caption = String(telegram.delivered('sendPhoto')[0]!.params.caption);
    expect(caption).toMatch(/estimated vs measured · Hyperliquid/);
    // 5 BTC long to 60,000 and 3 BTC short to 67,900 at the mark; the 8 BTC without a liquidation price in the book only.
    expect(caption).toMatch(/Measured \(Hyperliquid positions' own liquidation prices\): shorts \$19\dK above vs longs \$3\d\dK below/);
    expect(caption).toMatch(/coverage longs [\d.]+%–[\d.]+%, shorts [\d.]+%–[\d.]+% of Hyperliquid's BTC open interest/);
    expect(caption).toMatch(/hyperliquid: BTC perpetual settled in USDC/);
  });

  it('answers /heatmap btc hyperliquid with the plain heatmap until the tracker has recorded, and says since when', { timeout: 90_000 }, async () => {
    const before = telegram.delivered('sendPhoto').length;
    telegram.sendText('/heatmap btc hyperliquid 1d');
    await telegram.waitFor(() => telegram.delivered('sendPhoto').length > before, 60_000);
    const caption = String(telegram.delivered('sendPhoto')[before]!.params.caption);
    expect(caption).toMatch(/BTC liquidation heatmap · 1d/);
    expect(caption).toMatch(/measured overlay: none yet in this window, it starts when the tracker has recorded; recording every 15 min since \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('keeps the accounts and the recorded open interest in the store across a stop', async () => {
    await bot!.stop();
    bot = undefined;
    const store = createStore(new SqliteBackend(storePath), { warn: () => {} });
    try {
      expect((await store.hyperliquidAddresses.list()).map((a) => a.address).sort()).toEqual([1, 2, 3].map(addressOf));
      const days = await store.hyperliquidDays.list('BTC/');
      expect(days.flatMap((d) => d.oi).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
