// `liqmap serve` serves the web view too: startBot from a real Config (fake Telegram, the bundled
// sample) answers the page and the API on its HTTP_PORT, and with PUBLIC_URL its services carry the
// links that /liqmap, /heatmap and digests put in their replies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liqmapCommand } from '../commands/liqmap.js';
import { loadConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/main.js';
import { CONTENT_SECURITY_POLICY } from '../src/web/representation.js';
import { FakeRenderer } from './fakes/bot-services.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';

describe('liqmap serve with the web view', () => {
  let telegram: FakeTelegramApi;
  let bot: RunningBot;
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-serve-web-'));

  beforeAll(async () => {
    telegram = await new FakeTelegramApi().start();
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        LIQMAP_SOURCE: 'sample',
        HTTP_PORT: '0',
        STORE_PATH: join(dir, 'store.sqlite'),
        PUBLIC_URL: 'https://liqmap.example.com',
        LOG_LEVEL: 'silent',
      },
      { dotenvPath: null },
    );
    bot = await startBot(config, { log: pino({ level: 'silent' }), renderer: new FakeRenderer() });
  });

  afterAll(async () => {
    await bot?.stop();
    await telegram?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the map page and the API on HTTP_PORT beside /healthz', async () => {
    const page = await fetch(`${bot.http!.url}/h/btc?window=1d`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const api = await fetch(`${bot.http!.url}/api/v1/map?symbol=btc&window=1d`);
    expect(api.status).toBe(200);
    const body = (await api.json()) as { id: string };
    expect(body.id).toBe(bot.maps.idOf('map', await bot.maps.resolve({ symbol: 'btc', window: '1d' })));
  });

  it('puts PUBLIC_URL links in the services, so a /liqmap reply carries the page and the picture URL', async () => {
    expect(bot.services.links).toBeDefined();
    const caller = { platform: 'telegram' as const, userId: '1', chatId: '1', chatKind: 'private' as const, role: async () => 'member' as const };
    const reply = await liqmapCommand.handler!({ options: { symbol: 'btc', window: '1d' }, caller, services: bot.services, requestId: 'r', path: [] });
    expect(reply.link?.url).toBe('https://liqmap.example.com/m/BTCUSDT?venue=all&window=1d&range=15');
    expect(reply.images![0]!.url).toMatch(/^https:\/\/liqmap\.example\.com\/m\/BTCUSDT\.png\?venue=all&window=1d&range=15&at=/);
    // The picture URL, asked of this server, gives the picture of the same map id.
    const picture = await fetch(reply.images![0]!.url!.replace('https://liqmap.example.com', bot.http!.url));
    expect(picture.status).toBe(200);
    expect(picture.headers.get('etag')).toContain(reply.images![0]!.cacheKey!);
  });
});
