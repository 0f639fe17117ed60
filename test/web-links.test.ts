// PUBLIC_URL → links: /liqmap, /heatmap and digests carry a button to the web view and each picture's
// public URL when it is set, and nothing when it is not. Also the configuration of the web view and the
// prefix routes it needs from the HTTP server.
import { afterEach, describe, expect, it } from 'vitest';
import { heatmapCommand } from '../commands/heatmap.js';
import { liqmapCommand } from '../commands/liqmap.js';
import { loadConfig, type ConfigError } from '../src/config.js';
import type { CommandRequest } from '../src/core/command.js';
import type { Caller } from '../src/core/caller.js';
import type { Services } from '../src/core/command.js';
import { startHttpServer, type HttpServer } from '../src/http/server.js';
import { DigestScheduler } from '../src/schedule/digest-scheduler.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import type { Subscription } from '../src/store/records.js';
import { createStore } from '../src/store/store.js';
import { createPageLinks } from '../src/web/links.js';
import { testServices } from './fakes/bot-services.js';
import { silentLogger } from './helpers/schedule-fakes.js';

const NOW = Date.UTC(2026, 5, 22, 12, 7);
const caller: Caller = { platform: 'telegram', userId: '1', chatId: '1', chatKind: 'private', role: async () => 'member' };
const request = (services: Services, options: CommandRequest['options']): CommandRequest => ({ options, caller, services, requestId: 'r1', path: [] });

function services(withLinks: boolean): Services {
  const { services } = testServices({ clock: { now: () => NOW } });
  return withLinks ? { ...services, links: createPageLinks('https://liqmap.example.com') } : services;
}

describe('replies with PUBLIC_URL set', () => {
  it('/liqmap carries the page of the same query and the public URL of the same picture', async () => {
    const s = services(true);
    const reply = await liqmapCommand.handler!(request(s, { symbol: 'btc', venue: 'binance', window: '1d', range: 5 }));
    expect(reply.link).toEqual({ label: 'Open interactive map', url: 'https://liqmap.example.com/m/BTCUSDT?venue=binance&window=1d&range=5' });
    const id = `map:BTCUSDT:binance:1d:${Date.UTC(2026, 5, 22, 12, 5)}:5`;
    expect(reply.images![0]!.cacheKey).toBe(id);
    expect(reply.images![0]!.url).toBe('https://liqmap.example.com/m/BTCUSDT.png?venue=binance&window=1d&range=5&at=2026-06-22T12:05:00.000Z');
  });

  it('/heatmap links to the heatmap view and its picture', async () => {
    const reply = await heatmapCommand.handler!(request(services(true), { symbol: 'btc', window: '7d' }));
    expect(reply.link).toEqual({ label: 'Open interactive heatmap', url: 'https://liqmap.example.com/h/BTCUSDT?venue=all&window=7d&range=15' });
    expect(reply.images![0]!.url).toBe('https://liqmap.example.com/h/BTCUSDT.png?venue=all&window=7d&range=15&at=2026-06-22T12:00:00.000Z');
  });

  it('without PUBLIC_URL a reply has no link and no picture URL', async () => {
    const map = await liqmapCommand.handler!(request(services(false), { symbol: 'btc' }));
    const heat = await heatmapCommand.handler!(request(services(false), { symbol: 'btc' }));
    for (const reply of [map, heat]) {
      expect(reply).not.toHaveProperty('link');
      expect(reply.images![0]).not.toHaveProperty('url');
    }
  });

  it('a digest links to the first symbol map and gives every picture its public URL', async () => {
    const { log } = silentLogger();
    const { maps } = testServices({ clock: { now: () => NOW } });
    const store = createStore(new MemoryBackend(() => NOW), log);
    const sub: Subscription = {
      v: 1,
      destination: 'tg:1',
      platform: 'telegram',
      time: '08:00',
      timezone: 'UTC',
      days: 'daily',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      window: '7d',
      createdBy: '1',
      updatedAtMs: 0,
      enabled: true,
    };
    const common = { store, maps, senders: {}, clock: { now: () => NOW }, log, instanceId: 't' };
    const linked = await new DigestScheduler({ ...common, links: createPageLinks('https://liqmap.example.com') }).buildDigest(sub);
    expect(linked.reply.link).toEqual({ label: 'Open interactive map', url: 'https://liqmap.example.com/m/BTCUSDT?venue=all&window=7d&range=15' });
    expect(linked.reply.images!.map((i) => i.url)).toEqual([
      'https://liqmap.example.com/m/BTCUSDT.png?venue=all&window=7d&range=15&at=2026-06-22T12:00:00.000Z',
      'https://liqmap.example.com/m/ETHUSDT.png?venue=all&window=7d&range=15&at=2026-06-22T12:00:00.000Z',
    ]);
    const plain = await new DigestScheduler(common).buildDigest(sub);
    expect(plain.reply).not.toHaveProperty('link');
    expect(plain.reply.images!.every((i) => i.url === undefined)).toBe(true);
  });
});

describe('configuration of the web view', () => {
  it('reads PUBLIC_URL without its trailing slash, the rate limit and the proxy switch', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://liqmap.example.com/', WEB_RATE_LIMIT: '30', WEB_TRUST_PROXY: 'true' }, { dotenvPath: null });
    expect(config.web).toEqual({ publicUrl: 'https://liqmap.example.com', rateLimitPerMinute: 30, trustProxy: true });
    expect(loadConfig({}, { dotenvPath: null }).web).toEqual({ publicUrl: undefined, rateLimitPerMinute: 120, trustProxy: false });
  });

  it('lists every problem of the web variables with what to give', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PUBLIC_URL: 'https://liqmap.example.com/?x=1', WEB_RATE_LIMIT: '0', WEB_TRUST_PROXY: 'yes' }, { dotenvPath: null });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([
      'PUBLIC_URL="https://liqmap.example.com/?x=1" must be a base address without ? or #, such as https://liqmap.example.com',
      'WEB_RATE_LIMIT="0" must be a whole number from 1 to 100000 (web API requests per minute per client)',
      'WEB_TRUST_PROXY="yes" must be one of true, false',
    ]);
    expect(() => loadConfig({ PUBLIC_URL: 'liqmap.example.com' }, { dotenvPath: null })).toThrow(/PUBLIC_URL="liqmap.example.com" is not a URL/);
  });
});

describe('prefix routes on the HTTP server', () => {
  let server: HttpServer | undefined;
  afterEach(async () => server?.close());

  it('an exact route wins over a prefix, the longest prefix over a shorter one, and /healthz stays', async () => {
    const answer = (name: string) => (_req: unknown, res: { end(s: string): void }) => res.end(name);
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      readiness: {},
      routes: [
        { method: 'GET', path: '/a/', prefix: true, handler: answer('prefix /a/') },
        { method: 'GET', path: '/a/b/', prefix: true, handler: answer('prefix /a/b/') },
        { method: 'GET', path: '/a/exact', handler: answer('exact') },
        { method: 'POST', path: '/hook', handler: answer('hook') },
      ],
    });
    const text = async (path: string, method = 'GET') => {
      const res = await fetch(`${server!.url}${path}`, { method });
      return `${res.status} ${await res.text()}`;
    };
    expect(await text('/a/exact')).toBe('200 exact');
    expect(await text('/a/exact?x=1')).toBe('200 exact');
    expect(await text('/a/other')).toBe('200 prefix /a/');
    expect(await text('/a/b/c')).toBe('200 prefix /a/b/');
    expect(await text('/a')).toBe('404 {"error":"not found"}\n');
    expect(await text('/a/x', 'POST')).toBe('405 {"error":"use GET"}\n');
    expect(await text('/hook', 'POST')).toBe('200 hook');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
