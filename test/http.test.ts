import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { startHttpServer } from '../src/http/server.js';
import type { HttpServer } from '../src/http/server.js';
import { probeHealth } from '../src/http/healthcheck.js';

const started: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(options: Omit<Parameters<typeof startHttpServer>[0], 'port' | 'host'>): Promise<HttpServer> {
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', ...options });
  started.push(server);
  return server;
}

describe('/healthz over real HTTP', () => {
  it('is ready when every platform is connected and the store answers', async () => {
    const server = await start({ readiness: { discord: () => true, telegram: async () => true, store: async () => true } });
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      status: 'ready',
      notReady: [],
      checks: { discord: { ok: true }, telegram: { ok: true }, store: { ok: true } },
    });
  });

  it('turns not ready when the store goes down, naming it, and ready again when it is back', async () => {
    let storeUp = true;
    const server = await start({
      readiness: {
        telegram: () => true,
        store: async () => {
          if (!storeUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
          return true;
        },
      },
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    storeUp = false;
    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'not ready',
      notReady: ['store'],
      checks: { telegram: { ok: true }, store: { ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:6379' } },
    });

    storeUp = true;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('is not ready while a platform is still connecting, or when a probe hangs', async () => {
    const server = await start({
      probeTimeoutMs: 50,
      readiness: { discord: () => false, store: () => new Promise<boolean>(() => {}) },
    });
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { notReady: string[]; checks: Record<string, { reason?: string }> };
    expect(body.notReady).toEqual(['discord', 'store']);
    expect(body.checks.discord!.reason).toBe('not connected');
    expect(body.checks.store!.reason).toBe('no answer within 50 ms');
  });

  it('keeps secrets out of the reasons it shows', async () => {
    const password = 'hunter2-redis-pass';
    const server = await start({
      secrets: [password],
      readiness: { store: () => Promise.reject(new Error(`cannot reach redis://default:${password}@redis:6379`)) },
    });
    const text = await (await fetch(`${server.url}/healthz`)).text();
    expect(text).toContain('cannot reach redis://default:[REDACTED]@redis:6379');
    expect(text).not.toContain(password);
  });

  it('answers HEAD, 404 for unknown paths and 405 for a wrong method', async () => {
    const server = await start({ readiness: {} });
    expect((await fetch(`${server.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const wrong = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);
  });
});

describe('/metrics over real HTTP', () => {
  it('serves what the bot counted in Prometheus text format', async () => {
    const metrics = new Metrics();
    metrics.commandServed('liqmap', 'telegram', 'ok', 0.42);
    metrics.commandServed('liqmap', 'discord', 'user_error', 0.01);
    metrics.renderSeconds('map', 0.03);
    metrics.cacheHit('render');
    metrics.cacheMiss('render');
    metrics.cacheMiss('render');
    metrics.venueRequest('binance', 'klines', 'ok', 0.2);
    metrics.venueRequest('bybit', 'open-interest', 'rate_limited');
    metrics.digestSent(true);
    metrics.alertSent(false);
    const server = await start({ readiness: {}, metrics });

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('liqmap_commands_total{command="liqmap",platform="telegram",outcome="ok"} 1');
    expect(text).toContain('liqmap_commands_total{command="liqmap",platform="discord",outcome="user_error"} 1');
    expect(text).toContain('liqmap_command_duration_seconds_bucket{le="0.5",command="liqmap",platform="telegram"} 1');
    expect(text).toContain('liqmap_command_duration_seconds_bucket{le="0.25",command="liqmap",platform="telegram"} 0');
    expect(text).toContain('liqmap_render_duration_seconds_count{kind="map"} 1');
    expect(text).toContain('liqmap_cache_lookups_total{cache="render",result="hit"} 1');
    expect(text).toContain('liqmap_cache_lookups_total{cache="render",result="miss"} 2');
    expect(text).toContain('liqmap_venue_requests_total{venue="bybit",endpoint="open-interest",outcome="rate_limited"} 1');
    expect(text).toContain('liqmap_venue_errors_total{venue="bybit",endpoint="open-interest"} 1');
    expect(text).not.toContain('liqmap_venue_errors_total{venue="binance"');
    expect(text).toContain('liqmap_digests_total{result="sent"} 1');
    expect(text).toContain('liqmap_digests_total{result="failed"} 0');
    expect(text).toContain('liqmap_alerts_total{result="failed"} 1');
    expect(text).toContain('liqmap_process_resident_memory_bytes');
  });

  it('keeps each Metrics on its own registry', async () => {
    const a = new Metrics({ processMetrics: false });
    const b = new Metrics({ processMetrics: false });
    a.digestSent(true);
    expect((await a.exposition()).body).toContain('liqmap_digests_total{result="sent"} 1');
    expect((await b.exposition()).body).toContain('liqmap_digests_total{result="sent"} 0');
  });

  it('is absent without a Metrics, and extra routes such as a webhook are served', async () => {
    const server = await start({
      readiness: {},
      routes: [{ method: 'POST', path: '/telegram', handler: (_req, res) => void res.writeHead(200).end('ok') }],
    });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const hook = await fetch(`${server.url}/telegram`, { method: 'POST', body: '{}' });
    expect(hook.status).toBe(200);
    expect(await hook.text()).toBe('ok');
  });

  it('mounts a route added after start (the HTTP endpoint can come up before the platforms)', async () => {
    const server = await start({ readiness: { telegram: () => false } });
    expect((await fetch(`${server.url}/telegram`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    server.addRoute({ method: 'POST', path: '/telegram', handler: (_req, res) => void res.writeHead(200).end('late') });
    const hook = await fetch(`${server.url}/telegram`, { method: 'POST' });
    expect(await hook.text()).toBe('late');
  });

  it('answers 500 and logs when a route fails', async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) });
    const server = await start({
      readiness: {},
      logger,
      routes: [{ method: 'POST', path: '/telegram', handler: () => Promise.reject(new Error('handler broke')) }],
    });
    expect((await fetch(`${server.url}/telegram`, { method: 'POST' })).status).toBe(500);
    expect(lines.join('')).toContain('handler broke');
  });

  it('says which port is taken', async () => {
    const first = await start({ readiness: {} });
    await expect(startHttpServer({ port: first.port, host: '127.0.0.1', readiness: {} })).rejects.toThrow(
      `HTTP_PORT ${first.port} is already in use`,
    );
  });
});

describe('the container HEALTHCHECK probe', () => {
  it('is healthy only while /healthz says ready', async () => {
    let up = true;
    const server = await start({ readiness: { store: () => up } });
    expect(await probeHealth(`${server.url}/healthz`)).toBe(true);
    up = false;
    expect(await probeHealth(`${server.url}/healthz`)).toBe(false);
    await server.close();
    started.splice(started.indexOf(server), 1);
    expect(await probeHealth(`${server.url}/healthz`)).toBe(false);
  });
});

describe('readiness in the log', () => {
  it('logs when readiness changes, not on every probe', async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) });
    let up = true;
    const server = await start({ logger, readiness: { store: () => up } });
    const probe = () => fetch(`${server.url}/healthz`).then((r) => r.status);
    lines.length = 0;
    expect([await probe(), await probe()]).toEqual([200, 200]);
    up = false;
    expect([await probe(), await probe(), await probe()]).toEqual([503, 503, 503]);
    up = true;
    expect(await probe()).toBe(200);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual(['not ready', 'ready again']);
  });
});
