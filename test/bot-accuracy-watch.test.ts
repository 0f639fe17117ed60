// The map that scores itself and the level watch, end to end: `startBot` from a real Config with the live
// source pointed at the fake exchange (its liquidation streams feed realized liquidations), on Telegram
// (grammY against the fake Bot API) and Discord (the gateway client against the fake Discord) at once.
// The clock is shared by the bot and the fake exchange: it runs with real time (the venues' request
// windows wait in real time) from wherever the test sets it; the test then runs the recorder and the
// watch evaluator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCURACY_BAR_MS } from '../src/analysis/accuracy.js';
import { formatPrice, formatUsd } from '../src/analysis/format.js';
import { describeLevelEvent, watchLevels } from '../src/analysis/level-watch.js';
import { formatUtcMinute } from '../src/analysis/utc-time.js';
import { loadConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/main.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { watchBarsOf } from '../src/schedule/watch-evaluator.js';
import { FakeRenderer } from './fakes/bot-services.js';
import { CHANNEL_ID, FakeDiscord, type Answer } from './fakes/discord-api.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';
import { T0 } from './fake-exchange/harness.js';
import { barsFor } from './fake-exchange/market.js';
import { FakeExchange } from './fake-exchange/server.js';

const GROUP = -100900;
const ADMIN = 5001;
const MEMBER = 5002;
const STRING = 3;
const SUBCOMMAND = 1;
const MODERATOR = String(2248473465835073n | (1n << 5n));
const MINUTE = 60_000;
const HOUR = 3_600_000;

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const embedText = (a: Answer | { body?: Record<string, unknown> }) => {
  const embed = (a.body?.embeds as { title?: string; description?: string }[] | undefined)?.[0];
  return `${embed?.title ?? ''}\n${embed?.description ?? ''}`;
};

/** Real time from wherever the test sets it. */
const clock = {
  offset: T0 - Date.now(),
  now: () => Date.now() + clock.offset,
  set(ms: number) {
    clock.offset = ms - Date.now();
  },
};
let fake: FakeExchange;
let telegram: FakeTelegramApi;
let discord: FakeDiscord;
let bot: RunningBot;
const dir = mkdtempSync(join(tmpdir(), 'liqmap-accuracy-'));

const groupTexts = () => telegram.delivered('sendMessage', GROUP).map((c) => unescape(String(c.params.text)));
async function say(text: string, userId: number): Promise<string> {
  const before = groupTexts().length;
  telegram.sendText(text, { chatId: GROUP, userId, chatType: 'supergroup' });
  await telegram.waitFor(() => groupTexts().length > before);
  return groupTexts()[before]!;
}
const channelPosts = () => discord.callsTo('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`)).map((c) => embedText(c));

beforeAll(async () => {
  fake = await new FakeExchange({ now: clock.now }).start();
  telegram = await new FakeTelegramApi().start();
  discord = await new FakeDiscord().start();
  const ws = fake.wsUrls;
  const config = loadConfig(
    {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
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
  bot = await startBot(config, { log: pino({ level: 'silent' }), clock, renderer: new FakeRenderer(1), models: inlineModelRunner, hyperliquid: null });
  await until(() => fake.openSockets('binance', 'market') === 1 && fake.subscribed('bybit', 'allLiquidation.BTCUSDT') && fake.openSockets('okx') === 1, 'three streams');
  telegram.memberStatus.set(`${GROUP}:${ADMIN}`, 'administrator');
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await telegram?.close();
  await discord?.close();
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Streams connected at T0 (12:00:01): the 12:00 bar was not heard whole; 12:15 was, but its half-hour was not.
const at = (hhmm: string) => Date.parse(`2026-06-20T${hhmm}:00Z`);
interface Pushed {
  venue: 'binance' | 'bybit';
  ts: number;
  side: 'long' | 'short';
  qty: number;
  price: number;
}
const pushed: Pushed[] = [
  { venue: 'binance', ts: at('12:20'), side: 'long', qty: 2, price: 60_000 }, // half-hour 12:00: not scored
  { venue: 'binance', ts: at('12:40'), side: 'long', qty: 1, price: 60_000 },
  { venue: 'bybit', ts: at('13:10'), side: 'short', qty: 2, price: 61_000 },
  { venue: 'binance', ts: at('13:50'), side: 'short', qty: 0.5, price: 62_000 },
];

function push(e: Pushed): void {
  if (e.venue === 'binance') {
    // Binance: the order's side is the closing side (SELL closes a long).
    const S = e.side === 'long' ? 'SELL' : 'BUY';
    fake.push('binance', { e: 'forceOrder', E: e.ts, o: { s: 'BTCUSDT', S, o: 'LIMIT', f: 'IOC', q: String(e.qty), p: String(e.price), ap: String(e.price), X: 'FILLED', l: String(e.qty), z: String(e.qty), T: e.ts } });
  } else {
    // Bybit: the position's side (Buy = a long liquidated).
    fake.push('bybit', { topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: e.ts, data: [{ T: e.ts, s: 'BTCUSDT', S: e.side === 'long' ? 'Buy' : 'Sell', v: String(e.qty), p: String(e.price) }] }, 'allLiquidation.BTCUSDT');
  }
}

describe('a map that scores itself, fed by the live streams', () => {
  it('records each listened bar with the realized liquidations of its venue, a known 0 where nothing came', async () => {
    clock.set(at('14:00') + 46_000);
    for (const e of pushed) push(e);
    const total = pushed.reduce((s, e) => s + e.qty * e.price, 0);
    await until(() => {
      const r = bot.schedule.liquidations!.sum('BTCUSDT', 3 * HOUR);
      return r !== undefined && r.longUsd + r.shortUsd === total;
    }, 'the pushed liquidations');
    await bot.schedule.accuracy!.recorder.tick();
    const days = await bot.schedule.store.accuracyDays.list('BTCUSDT/');
    const slot = (venue: string, ts: number) => days.find((d) => d.venue === venue)?.bars[(ts - at('00:00')) / ACCURACY_BAR_MS];
    // Binance's 12:30 bar holds its long, Bybit's 13:00 bar its short; OKX heard nothing: zeros, not gaps.
    expect(slot('binance', at('12:30'))?.slice(5)).toEqual([60_000, 0]);
    expect(slot('bybit', at('13:00'))?.slice(5)).toEqual([0, 122_000]);
    expect(slot('binance', at('13:45'))?.slice(5)).toEqual([0, 31_000]);
    expect(slot('okx', at('13:30'))?.slice(5)).toEqual([0, 0]);
    // The 12:00 bar began before the streams connected: not recorded.
    expect(slot('binance', at('12:00'))).toBeNull();
    expect(slot('binance', at('12:15'))?.slice(5)).toEqual([120_000, 0]);
  });

  it('/liqmap accuracy btc on Telegram and Discord: the scored half-hours and what was realized in them', async () => {
    // Scored: 12:30, 13:00 and 13:30 (every bar heard); the 12:20 long is in the half-hour the streams missed the start of.
    const realized = `realized: longs ${formatUsd(60_000)}, shorts ${formatUsd(122_000 + 31_000)}`;
    const tg = await say('/liqmap accuracy btc', MEMBER);
    expect(tg).toContain('BTC map accuracy');
    expect(tg).toContain('last day · all venues, 3 half-hours');
    expect(tg).toContain(realized);
    expect(tg).toContain('last 7 days: the same 3 half-hours');

    const { token } = discord.chatInput({ name: 'liqmap', options: [{ name: 'symbol', type: STRING, value: 'btc' }, { name: 'accuracy', type: STRING, value: 'accuracy' }] });
    const dc = embedText(await discord.waitForAnswer(token));
    expect(dc).toContain('last day · all venues, 3 half-hours');
    expect(dc).toContain(realized);
  });

  it('/api/v1/accuracy serves the same report as JSON; other symbols and parameters are refused', async () => {
    const res = await fetch(`${bot.http!.url}/api/v1/accuracy?symbol=btc`);
    expect(res.status).toBe(200);
    const { report } = (await res.json()) as { report: { symbol: string; through: number; spans: { days: number; venues: { venue: string; intervals: number; scores: { realizedLongUsd: number; realizedShortUsd: number } }[] }[] } };
    expect(report.symbol).toBe('BTCUSDT');
    expect(report.through).toBe(at('14:00'));
    const day = report.spans[0]!.venues[0]!;
    expect([day.venue, day.intervals, day.scores.realizedLongUsd, day.scores.realizedShortUsd]).toEqual(['all', 3, 60_000, 153_000]);
    expect((await fetch(`${bot.http!.url}/api/v1/accuracy?symbol=sol`)).status).toBe(404);
    expect((await fetch(`${bot.http!.url}/api/v1/accuracy?symbol=btc&window=7d`)).status).toBe(400);
  });

  it('says which symbols are scored when asked about another', async () => {
    expect(await say('/liqmap sol accuracy', MEMBER)).toContain('recorded for BTC and ETH, not SOL');
  });
});

describe('/watch on both platforms', () => {
  let created: number;
  let level: number;
  let evaluateAt: number;

  it('a member is refused; moderators add a watch on Telegram and on Discord', async () => {
    created = clock.now();
    // A level price comes near after the watch is made, with its verdict decided within 36 hours:
    // found from the fake market's bars with the level watch itself, not written down.
    const all = barsFor('binance', 'BTC', ACCURACY_BAR_MS);
    const later = all.filter((b) => b.ts >= created && b.ts < created + 36 * HOUR);
    evaluateAt = created + 36 * HOUR + 45_000;
    const closed = watchBarsOf({ venue: 'binance', symbol: 'BTCUSDT', intervalMs: ACCURACY_BAR_MS, bars: all }, evaluateAt).bars;
    const candidates = later.map((b) => Math.round(b.close / 10) * 10);
    level = candidates.find((l) => {
      const mine = watchLevels({ bars: closed, intervalMs: ACCURACY_BAR_MS, levels: [l] }).filter((e) => e.approachTs + ACCURACY_BAR_MS > created);
      const before = watchLevels({ bars: closed.filter((b) => b.ts + ACCURACY_BAR_MS <= created), intervalMs: ACCURACY_BAR_MS, levels: [l] });
      return mine.length > 0 && mine[mine.length - 1]!.verdict !== 'pending' && !before.some((e) => e.verdict === 'pending');
    })!;
    expect(level).toBeGreaterThan(0);

    expect(await say(`/watch add btc ${level}`, MEMBER)).toContain('for moderators only');
    expect(await bot.schedule.store.watches.list()).toEqual([]);
    const added = await say(`/watch add btc ${level} ${level + 20000}`, ADMIN);
    expect(added).toContain(`w1: BTC ${formatPrice(level)}, ${formatPrice(level + 20000)} · approach within 1%`);

    const { token } = discord.chatInput({
      name: 'watch',
      options: [{ name: 'add', type: SUBCOMMAND, options: [{ name: 'symbol', type: STRING, value: 'btc' }, { name: 'levels', type: STRING, value: String(level) }] }],
      permissions: MODERATOR,
    });
    expect(embedText(await discord.waitForAnswer(token))).toContain(`w1: BTC ${formatPrice(level)} · approach within 1%`);
    expect(await say('/watch list', MEMBER)).toContain(`w1 · BTC ${formatPrice(level)}`);
  });

  it('refuses a level beyond any move and an approach distance outside the floors', async () => {
    expect(await say('/watch add btc 1000', ADMIN)).toContain('more than 50% from the price');
    expect(await say(`/watch add btc ${level} near:9%`, ADMIN)).toContain('out of bounds');
  });

  it('tells each chat of the approach with the liquidations at stake, then the verdict, once', async () => {
    clock.set(evaluateAt);
    await bot.schedule.watches!.evaluate();
    await telegram.waitFor(() => groupTexts().filter((t) => t.includes('Watch w1')).length >= 2);
    await until(() => channelPosts().length >= 2, 'two Discord posts');

    // The expected verdict: the level watch over the same bars and the realized rows the bot holds.
    const series = await bot.maps.map({ symbol: 'btc', window: '7d' });
    expect(series.map.meta.symbol).toBe('BTCUSDT');
    const closed = watchBarsOf({ venue: 'binance', symbol: 'BTCUSDT', intervalMs: ACCURACY_BAR_MS, bars: barsFor('binance', 'BTC', ACCURACY_BAR_MS) }, evaluateAt).bars;
    const realized = bot.schedule.liquidations!.rows('BTCUSDT', ACCURACY_BAR_MS)!;
    const event = watchLevels({ bars: closed, intervalMs: ACCURACY_BAR_MS, levels: [level], realized }).filter((e) => e.approachTs + ACCURACY_BAR_MS > created).pop()!;

    const told = groupTexts().filter((t) => t.includes('Watch w1'));
    expect(told).toHaveLength(2);
    expect(told[0]).toContain(`came within 1% of ${formatPrice(level)} ${event.direction === 'up' ? '↑' : '↓'} in the bar of ${formatUtcMinute(event.approachTs)}`);
    expect(told[0]).toMatch(/Modelled: \$[\d.]+[KMB]? of (long|short) positions between here and/);
    expect(told[1]).toContain(describeLevelEvent(event));
    const posts = channelPosts();
    expect(posts[0]).toContain(`approaching ${formatPrice(level)}`);
    expect(posts[1]).toContain(describeLevelEvent(event));

    // Evaluated again (another bar, or a restart): nothing is told twice.
    clock.set(evaluateAt + 15 * MINUTE);
    await bot.schedule.watches!.evaluate();
    expect(groupTexts().filter((t) => t.includes('Watch w1'))).toHaveLength(2);
    expect(channelPosts()).toHaveLength(2);
  });

  it('/watch remove takes it away; a wrong id names the ones there are', async () => {
    expect(await say('/watch remove w7', ADMIN)).toContain('Watches here: w1');
    expect(await say('/watch remove w1', ADMIN)).toContain('Level watch w1 removed.');
    expect(await say('/watch list', MEMBER)).toContain('No level watches in this chat');
  });
});
