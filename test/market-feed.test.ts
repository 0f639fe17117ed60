// The bot's liquidation feed as src/main.ts wires it, end to end: a real Config with the live source
// pointed at the fake exchange, the real streams, the real store. Defect 5 of issue 11: built without
// OKX contract sizes (every OKX event skipped) and with BTC and ETH only for Bybit, whatever chats asked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/main.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { FakeRenderer } from './fakes/bot-services.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';
import { startFake, TestClock } from './fake-exchange/harness.js';
import type { FakeExchange } from './fake-exchange/server.js';

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the bot's liquidation feed (src/main.ts)", () => {
  let fake: FakeExchange;
  let telegram: FakeTelegramApi;
  let bot: RunningBot;
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-feed-'));

  beforeAll(async () => {
    // Only setInterval is simulated: the feed's once-a-minute look at the store runs when the test says.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    fake = await startFake(new TestClock());
    telegram = await new FakeTelegramApi().start();
    const ws = fake.wsUrls;
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        LIQMAP_SOURCE: 'live',
        BINANCE_FAPI_URL: fake.url,
        BYBIT_API_URL: fake.url,
        OKX_API_URL: fake.url,
        HYPERLIQUID_API_URL: fake.url,
        HYPERLIQUID_WS_URL: fake.hyperliquidWsUrl,
        BINANCE_WS_URL: ws.binance,
        BYBIT_WS_URL: ws.bybit,
        OKX_WS_URL: ws.okx,
        HTTP_PORT: '0',
        STORE_PATH: join(dir, 'store.sqlite'),
        LOG_LEVEL: 'silent',
      },
      { dotenvPath: null },
    );
    bot = await startBot(config, { log: pino({ level: 'silent' }), renderer: new FakeRenderer(10), models: inlineModelRunner });
    await until(() => fake.openSockets('binance', 'market') === 1 && fake.subscribed('bybit', 'allLiquidation.BTCUSDT') && fake.openSockets('okx') === 1, 'three streams');
  });

  afterAll(async () => {
    await bot?.stop();
    vi.useRealTimers();
    await telegram?.close();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts OKX liquidations with the venue's contract sizes", async () => {
    const realized = bot.schedule.liquidations!;
    // 100 BTC-USDT-SWAP contracts of 0.01 BTC at 60,000: $60,000 of longs. Pushed until the feed has its sizes.
    await until(() => {
      fake.push('okx', { arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instId: 'BTC-USDT-SWAP', instFamily: 'BTC-USDT', instType: 'SWAP', uly: 'BTC-USDT', details: [{ bkLoss: '0', bkPx: '60000', ccy: '', posSide: 'long', side: 'sell', sz: '100', ts: String(Date.now()) }] }] });
      return (realized.sum('BTCUSDT', 3_600_000)?.longUsd ?? 0) > 0;
    }, 'an OKX liquidation counted');
    expect((realized.sum('BTCUSDT', 3_600_000)!.longUsd / 60_000) % 1).toBe(0);
  });

  it('subscribes Bybit to the symbols chats add to digests and alert rules, within a minute', async () => {
    expect(fake.subscribed('bybit', 'allLiquidation.SOLUSDT')).toBe(false);
    const store = bot.schedule.store;
    await store.subscriptions.put('tg:-1001', { v: 1, destination: 'tg:-1001', platform: 'telegram', time: '08:00', timezone: 'UTC', days: 'daily', symbols: ['SOLUSDT'], window: '7d', createdBy: '42', updatedAtMs: Date.now(), enabled: true });
    await store.alertRules.put('tg:-1002/a1', { v: 1, id: 'a1', destination: 'tg:-1002', platform: 'telegram', symbol: 'DOGEUSDT', condition: { kind: 'liquidations', minUsd: 50e6, periodMs: 3_600_000 }, createdBy: '42', createdAtMs: Date.now(), armed: true });
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => fake.subscribed('bybit', 'allLiquidation.SOLUSDT') && fake.subscribed('bybit', 'allLiquidation.DOGEUSDT'), 'SOL and DOGE subscribed');
    expect(fake.subscribed('bybit', 'allLiquidation.BTCUSDT')).toBe(true);
    // Binance's all-market stream now keeps SOL too.
    const before = bot.schedule.liquidations!.sum('SOLUSDT', 3_600_000)?.shortUsd ?? 0;
    fake.push('binance', { e: 'forceOrder', E: Date.now(), o: { s: 'SOLUSDT', S: 'BUY', o: 'LIMIT', f: 'IOC', q: '10', p: '150', ap: '150', X: 'FILLED', l: '10', z: '10', T: Date.now() } });
    await until(() => (bot.schedule.liquidations!.sum('SOLUSDT', 3_600_000)?.shortUsd ?? 0) === before + 1500, 'the SOL event');
  });

  it('reports each stream in /metrics: connected, messages, reconnects', async () => {
    fake.dropSockets('bybit');
    await until(() => fake.subscribed('bybit', 'allLiquidation.BTCUSDT'), 'Bybit back');
    const text = await (await fetch(`${bot.http!.url}/metrics`)).text();
    for (const venue of ['binance', 'bybit', 'okx']) expect(text).toContain(`liqmap_stream_connected{venue="${venue}"} 1`);
    expect(text).toMatch(/liqmap_stream_reconnects_total\{venue="bybit"\} 1\b/);
    expect(Number(/liqmap_stream_messages_total\{venue="okx"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });
});
