// Bot latency: from INTERACTION_CREATE sent by a fake Discord gateway to the `@original` edit arriving at
// the fake REST API, through the real discord.js client, the command runtime, the map service, the
// bundled sample and the real render pool. Warm = the same map again (served from the cache); cold = a
// map not yet drawn (model run + render; the sample's bars already in memory); then 50 at once. Then the
// same on Telegram (update → sendPhoto), where a warm picture is re-sent by file_id.
import { pino } from 'pino';
import { BOT_COMMANDS } from '../commands/index.js';
import { systemClock } from '../src/clock.js';
import { CommandRuntime } from '../src/core/runtime.js';
import type { Services } from '../src/core/services.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { DiscordBot } from '../src/platforms/discord/discord-bot.js';
import { createWorkPool } from '../src/workers/work-pool.js';
import { APP_ID, FakeDiscord } from '../test/fakes/discord-api.js';
import { FakeTelegramApi } from '../test/fakes/telegram-api.js';
import { TelegramBot } from '../src/platforms/telegram/telegram-bot.js';

const log = pino({ level: 'silent' });
const discord = await new FakeDiscord().start();
const market = new RecordedMarketData('sample');
const pool = createWorkPool({ size: 2, maxQueue: 64 });
const maps = new MapPipeline({ market, renderer: pool, models: pool, clock: systemClock, log });
const services: Services = { maps, clock: systemClock, log, commands: BOT_COMMANDS };
// Limits off: the benchmark is one chat asking hundreds of times.
const runtime = new CommandRuntime(services, { pictures: { burst: 1_000_000, intervalMs: 1 }, commands: { burst: 1_000_000, intervalMs: 1 } });
const bot = new DiscordBot({ token: discord.token, apiUrl: discord.apiUrl, runtime, log });
await bot.start();

let user = 500_000_000_000_000_000n;
/** One /liqmap; resolves with ms from dispatch to the edit's arrival. */
async function ask(options: Record<string, string | number>): Promise<number> {
  const t0 = performance.now();
  const { token } = discord.chatInput({
    name: 'liqmap',
    userId: String(user++),
    options: Object.entries(options).map(([name, value]) => ({ name, type: typeof value === 'number' ? 10 : 3, value })),
  });
  const edit = await discord.waitForCall('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`), 60_000);
  if (edit.files.length !== 1) throw new Error('edit without a picture');
  return edit.at - t0;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const row = (label: string, xs: number[]) =>
  console.log(`${label.padEnd(34)} n=${String(xs.length).padEnd(4)} median ${pct(xs, 50).toFixed(1).padStart(7)} ms   p95 ${pct(xs, 95).toFixed(1).padStart(7)} ms   max ${Math.max(...xs).toFixed(1).padStart(7)} ms`);

console.log('INTERACTION_CREATE → @original edit, /liqmap on the bundled sample (real discord.js, real render pool, 2 workers)');
const first = await ask({ symbol: 'btc' });
console.log(`first request (loads the sample file): ${first.toFixed(1)} ms`);

const warm: number[] = [];
for (let i = 0; i < 200; i++) warm.push(await ask({ symbol: 'btc' }));
row('warm (same map, cached picture)', warm);

// Each range is a different map id: a model run and a render per request.
const cold: number[] = [];
for (let r = 1; r <= 30; r++) cold.push(await ask({ symbol: 'btc', window: '7d', range: r + 0.5 }));
row('cold (new map: model + render)', cold);

const before = { ...maps.stats };
const burst = await Promise.all(Array.from({ length: 50 }, () => ask({ symbol: 'btc', window: '3d' })));
row('50 at once, one new map', burst);
console.log(`  answered ${burst.length}/50; renders ${maps.stats.renders - before.renders}, model runs ${maps.stats.modelRuns - before.modelRuns}`);

const warmBurst = await Promise.all(Array.from({ length: 50 }, () => ask({ symbol: 'btc', window: '3d' })));
row('50 at once, warm map', warmBurst);

const target = pct(warm, 95) < 150;
console.log(`target: warm p95 under 150 ms → ${target ? 'met' : 'NOT met'} (${pct(warm, 95).toFixed(1)} ms)`);

await bot.stop();
await discord.close();

// Telegram: the update handed to a held getUpdates → sendPhoto arriving (grammY long polling).
console.log('');
console.log('Telegram: update delivered by getUpdates → sendPhoto, /liqmap on the same sample (real grammY)');
const telegram = await new FakeTelegramApi().start();
const tg = new TelegramBot({ token: telegram.token, apiRoot: telegram.url, runtime, log });
await tg.start();
let chat = 1;
async function askTelegram(text: string): Promise<number> {
  const chatId = chat++;
  const t0 = performance.now();
  telegram.sendText(text, { userId: chatId });
  await telegram.waitFor(() => telegram.delivered('sendPhoto', chatId).length > 0, 60_000);
  return performance.now() - t0;
}
await askTelegram('/liqmap btc');
const tgWarm: number[] = [];
for (let i = 0; i < 100; i++) tgWarm.push(await askTelegram('/liqmap btc'));
row('warm (same map, file_id reused)', tgWarm);
const tgBurst = await Promise.all(Array.from({ length: 50 }, () => askTelegram('/liqmap btc 14d')));
row('50 at once, one new map', tgBurst);
console.log(`  photos uploaded ${telegram.callsOf('sendPhoto').filter((c) => Object.keys(c.files).length > 0).length} of ${telegram.callsOf('sendPhoto').length} sent`);
await tg.stop();
await telegram.close();
await pool.close();
