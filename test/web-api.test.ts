// The web view's server side over real HTTP: the JSON API returns exactly the pipeline's cached map (the
// numbers its PNG is drawn from), refuses bad parameters with the pipeline's own message, answers an
// unknown symbol with the closest ones, revalidates by map id, limits each client, and sends a strict CSP.
// The market is the bundled real sample through the real RecordedMarketData (no network).
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MODEL_VERSION } from '../src/analysis/model-version.js';
import type { Heatmap, LiquidationMap } from '../src/analysis/types.js';
import { startHttpServer, type HttpServer } from '../src/http/server.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { parseMapQuery } from '../src/maps/map-query.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { RecordedMarketData } from '../src/market/recorded-market-data.js';
import { ASSETS_DIR } from '../src/paths.js';
import { createPageLinks } from '../src/web/links.js';
import { CONTENT_SECURITY_POLICY } from '../src/web/representation.js';
import { webRoutes } from '../src/web/web-routes.js';
import { FakeRenderer } from './fakes/bot-services.js';

// Within the 12:00 15-minute bar of 2026-06-22; the sample's last bar closes at 11:45.
const NOW = Date.UTC(2026, 5, 22, 12, 7);
const clock = { now: () => NOW };

interface Rig {
  http: HttpServer;
  maps: MapPipeline;
  renderer: FakeRenderer;
}

async function rig(opts: { rateLimitPerMinute?: number; trustProxy?: boolean } = {}): Promise<Rig> {
  const renderer = new FakeRenderer();
  const log = pino({ level: 'silent' });
  const maps = new MapPipeline({ market: new RecordedMarketData('sample'), renderer, models: inlineModelRunner, clock, log });
  const routes = await webRoutes({ maps, clock, log, rateLimitPerMinute: opts.rateLimitPerMinute ?? 10_000, trustProxy: opts.trustProxy });
  const http = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {}, routes });
  return { http, maps, renderer };
}

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(async () => {
  await r.http.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${r.http.url}${path}`, { headers });

describe('GET /api/v1/map', () => {
  it("returns the pipeline's cached map itself, with its id, data time and model version", async () => {
    const res = await get('/api/v1/map?symbol=btc&venue=all&window=7d&range=10');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as { id: string; kind: string; modelVersion: string; dataTime: string; query: unknown; summary: string; map: LiquidationMap };
    const cached = await r.maps.map({ symbol: 'BTCUSDT', window: '7d', range: 10 });
    expect(body.id).toBe(cached.id);
    expect(body.id).toBe(`map:BTCUSDT:all:7d:${Date.UTC(2026, 5, 22, 12, 0)}:10`);
    expect(body.kind).toBe('map');
    expect(body.modelVersion).toBe(MODEL_VERSION);
    expect(body.dataTime).toBe('2026-06-22T11:45:00.000Z');
    expect(body.dataTime).toBe(new Date(cached.map.meta.dataTime).toISOString());
    expect(body.query).toEqual({ symbol: 'BTCUSDT', venue: 'all', window: '7d', range: 10 });
    // Every number, bucket by bucket and tier by tier, as the pipeline holds it (JSON round-trips doubles exactly).
    expect(body.map).toEqual(JSON.parse(JSON.stringify(cached.map)));
    expect(body.map.buckets.length).toBeGreaterThan(50);
    expect(body.map.buckets[10]!.longByTier).toEqual(cached.map.buckets[10]!.longByTier);
    // The API asked once; the test's own call was a cache hit, not a second model run.
    expect(r.maps.stats.modelRuns).toBe(1);
  });

  it("returns the pipeline's heatmap matrix value for value, in its column-major order", async () => {
    const res = await get('/api/v1/heatmap?symbol=BTCUSDT&window=1d');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; heatmap: Omit<Heatmap, 'usd'> & { usd: number[] } };
    const cached = await r.maps.heatmap({ symbol: 'btc', window: '1d' });
    expect(body.id).toBe(cached.id);
    expect(body.heatmap.rows).toBe(cached.heatmap.rows);
    expect(body.heatmap.ts).toEqual(cached.heatmap.ts);
    expect(body.heatmap.usd).toHaveLength(cached.heatmap.ts.length * cached.heatmap.rows);
    expect(body.heatmap.usd).toEqual(Array.from(cached.heatmap.usd));
    expect(body.heatmap.sweeps).toEqual(JSON.parse(JSON.stringify(cached.heatmap.sweeps)));
    expect(body.heatmap.maxUsd).toBe(cached.heatmap.maxUsd);
  });

  it('is cacheable by the map id: the ETag names it and If-None-Match gets a 304 without a model run', async () => {
    const first = await get('/api/v1/map?symbol=btc&window=3d');
    const etag = first.headers.get('etag')!;
    const id = ((await first.json()) as { id: string }).id;
    expect(etag).toBe(`W/"${id};${MODEL_VERSION}"`);
    // The current map changes when the next 15-minute bar closes, 8 minutes after NOW.
    expect(first.headers.get('cache-control')).toBe('public, max-age=480');
    const runs = r.maps.stats.modelRuns;
    const again = await get('/api/v1/map?symbol=btc&window=3d', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    expect(r.maps.stats.modelRuns).toBe(runs);
    const otherRange = await get('/api/v1/map?symbol=btc&window=3d&range=5', { 'if-none-match': etag });
    expect(otherRange.status).toBe(200);
  });

  it('a map pinned to a past time (at) is immutable', async () => {
    const res = await get('/api/v1/map?symbol=btc&window=1d&at=2026-06-10T12:00Z');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = (await res.json()) as { id: string; query: { at: string } };
    expect(body.id).toBe(`map:BTCUSDT:all:1d:${Date.UTC(2026, 5, 10, 12, 0)}:15`);
    expect(body.query.at).toBe('2026-06-10T12:00:00.000Z');
  });

  it('compresses with brotli or gzip as the client accepts, the same bytes once decoded', async () => {
    const plain = Buffer.from(await (await get('/api/v1/map?symbol=btc', { 'accept-encoding': 'identity' })).arrayBuffer());
    const raw = (enc: string) =>
      new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        // fetch would decode for us: read the wire bytes with node:http.
        import('node:http').then(({ get: httpGet }) =>
          httpGet(`${r.http.url}/api/v1/map?symbol=btc`, { headers: { 'accept-encoding': enc } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
          }).on('error', reject),
        );
      });
    const br = await raw('gzip, deflate, br');
    expect(br.encoding).toBe('br');
    expect(brotliDecompressSync(br.body)).toEqual(plain);
    expect(br.body.length).toBeLessThan(plain.length / 3);
    const gz = await raw('gzip');
    expect(gz.encoding).toBe('gzip');
    expect(gunzipSync(gz.body)).toEqual(plain);
  });
});

describe('bad requests', () => {
  const refused = async (path: string) => {
    const res = await get(path);
    return { status: res.status, body: (await res.json()) as { error: string; hint?: string; closest?: string[] }, res };
  };

  it("refuses a bad value with the pipeline's own message, as JSON, before any fetch", async () => {
    const fresh = await rig();
    try {
      const message = (input: Parameters<typeof parseMapQuery>[0]) => {
        try {
          parseMapQuery(input);
        } catch (err) {
          return (err as Error).message;
        }
        throw new Error('parseMapQuery accepted it');
      };
      const cases: Array<[string, string]> = [
        ['/api/v1/map?symbol=btc&range=99', message({ symbol: 'btc', range: '99' })],
        ['/api/v1/map?symbol=btc&range=abc', message({ symbol: 'btc', range: 'abc' })],
        ['/api/v1/heatmap?symbol=btc&window=2d', message({ symbol: 'btc', window: '2d' })],
        ['/api/v1/map?symbol=btc&venue=ftx', message({ symbol: 'btc', venues: 'ftx' })],
        ['/api/v1/map?symbol=btc&at=yesterday', message({ symbol: 'btc', at: 'yesterday' })],
        ['/api/v1/map?symbol=%3Cb%3E%F0%9F%9A%80', message({ symbol: '<b>🚀' })],
      ];
      for (const [path, error] of cases) {
        const { status, body, res } = await fetch(`${fresh.http.url}${path}`).then(async (res) => ({ status: res.status, body: (await res.json()) as { error: string }, res }));
        expect(status, path).toBe(400);
        expect(body.error, path).toBe(error);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
      expect(fresh.maps.stats).toEqual({ fetches: 0, modelRuns: 0, renders: 0 });
    } finally {
      await fresh.http.close();
    }
  });

  it('refuses an unknown or repeated parameter and a missing symbol', async () => {
    expect(await refused('/api/v1/map?symbol=btc&windw=1d')).toMatchObject({ status: 400, body: { error: 'unknown parameter "windw": use venue, window, range, at' } });
    expect(await refused('/api/v1/map?symbol=btc&window=1d&window=7d')).toMatchObject({ status: 400, body: { error: 'parameter "window" is given twice: give it once' } });
    expect(await refused('/api/v1/map?window=1d')).toMatchObject({ status: 400, body: { error: 'symbol is missing: add ?symbol=btc' } });
    expect(await refused('/api/v1/map?symbol=btc&symbol=eth')).toMatchObject({ status: 400, body: { error: 'parameter "symbol" is given twice: give it once' } });
  });

  it('answers an unknown symbol with 404 and the closest matches', async () => {
    const { status, body } = await refused('/api/v1/map?symbol=btcusd');
    expect(status).toBe(404);
    expect(body.error).toBe('btcusd: no such market in source sample');
    expect(body.closest).toEqual(['BTCUSDT']);
  });
});

describe('rate limit per client', () => {
  it('answers 429 with Retry-After past the budget, per client address', async () => {
    const limited = await rig({ rateLimitPerMinute: 3, trustProxy: true });
    try {
      const from = (ip: string) => fetch(`${limited.http.url}/api/v1/map?symbol=btc`, { headers: { 'x-forwarded-for': `10.0.0.9, ${ip}` } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await from('203.0.113.7')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refusedRes = await from('203.0.113.7');
      expect(refusedRes.status).toBe(429);
      // 3 a minute: one token every 20 s (the clock stands still here).
      expect(refusedRes.headers.get('retry-after')).toBe('20');
      expect(await refusedRes.json()).toEqual({ error: 'too many requests: try again in 20 s' });
      expect(refusedRes.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect((await from('198.51.100.4')).status).toBe(200);
      // Pictures cost a render: limited too. The page itself is not.
      expect((await fetch(`${limited.http.url}/m/BTCUSDT.png`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(429);
      expect((await fetch(`${limited.http.url}/m/btc`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
    } finally {
      await limited.http.close();
    }
  });

  it('ignores X-Forwarded-For unless told a proxy is in front (else anyone could pick a fresh address)', async () => {
    const limited = await rig({ rateLimitPerMinute: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.http.url}/api/v1/map?symbol=btc`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.http.close();
    }
  });
});

describe('the page, the pictures and the static files', () => {
  it('serves the page shell with a strict Content-Security-Policy and no inline script or style', async () => {
    const res = await get('/m/btc?venue=all&window=7d&range=15&scale=250M');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    for (const [, attrs, inline] of scripts) {
      expect(attrs).toMatch(/src="[^"]+"/);
      expect(inline).toBe('');
    }
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // The API carries the same headers.
    expect((await get('/api/v1/map?symbol=btc')).headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers a bad or unknown symbol in the address with 400 / 404 (the page then shows why)', async () => {
    const bad = await get('/m/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // The shell is a static file: nothing of the address is written into it.
    expect(await bad.text()).not.toContain('onerror');
    expect((await get('/h/sool')).status).toBe(404);
    expect((await get('/m/btc?range=0')).status).toBe(400);
    expect((await get('/m/btc?scale=1B&bogus=1')).status).toBe(400);
  });

  it('serves the PNG of a map id, the pipeline picture, revalidated by the id', async () => {
    const res = await get('/m/BTCUSDT.png?venue=all&window=7d&range=15');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const picture = await r.maps.mapPicture({ symbol: 'btc', window: '7d' });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(picture.png);
    expect(res.headers.get('etag')).toBe(`W/"${picture.id};${MODEL_VERSION}"`);
    const renders = r.renderer.maps;
    expect((await get('/m/BTCUSDT.png?venue=all&window=7d&range=15', { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
    expect((await get('/m/BTCUSDT.png?venue=all&window=7d&range=15&at=2026-06-01T00:00Z', { 'if-none-match': `W/"map:BTCUSDT:all:7d:${Date.UTC(2026, 5, 1)}:15;${MODEL_VERSION}"` })).status).toBe(304);
    // Revalidations cost no render, not even of a map never drawn.
    expect(r.renderer.maps).toBe(renders);
    const heat = await get('/h/btc.png?window=1d');
    expect(heat.status).toBe(200);
    expect(Buffer.from(await heat.arrayBuffer())).toEqual((await r.maps.heatmapPicture({ symbol: 'btc', window: '1d' })).png);
  });

  it('PUBLIC_URL links name the page of the query and the PNG of exactly that map id', async () => {
    const links = createPageLinks('https://liqmap.example.com/');
    const query = await r.maps.resolve({ symbol: 'btc', venues: 'okx,binance', window: '1d', range: '5' });
    const id = r.maps.idOf('map', query);
    expect(links.page('map', query)).toBe('https://liqmap.example.com/m/BTCUSDT?venue=binance,okx&window=1d&range=5');
    expect(links.page('heatmap', query)).toBe('https://liqmap.example.com/h/BTCUSDT?venue=binance,okx&window=1d&range=5');
    const picture = links.picture('map', query, id);
    expect(picture).toBe('https://liqmap.example.com/m/BTCUSDT.png?venue=binance,okx&window=1d&range=5&at=2026-06-22T12:05:00.000Z');
    // Fetched from this server, the link gives the picture of the same id, cacheable for good.
    const res = await get(picture.replace('https://liqmap.example.com', ''));
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`W/"${id};${MODEL_VERSION}"`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves the page scripts and uPlot from its own origin, compressed, and nothing outside the list', async () => {
    const lib = await get('/assets/lib/uPlot.esm.js', { 'accept-encoding': 'br' });
    expect(lib.status).toBe(200);
    expect(lib.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await lib.text()).toBe(readFileSync(join(ASSETS_DIR, '..', 'node_modules', 'uplot', 'dist', 'uPlot.esm.js'), 'utf8'));
    const app = await get('/assets/web/app.js');
    expect(await app.text()).toBe(readFileSync(join(ASSETS_DIR, 'web', 'app.js'), 'utf8'));
    const etag = app.headers.get('etag')!;
    expect((await get('/assets/web/app.js', { 'if-none-match': etag })).status).toBe(304);
    for (const path of ['/assets/web/../../package.json', '/assets/web/%2e%2e/%2e%2e/package.json', '/assets/sample/SOURCE.md', '/assets/web/page.html']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('HEAD answers like GET without a body', async () => {
    const res = await fetch(`${r.http.url}/m/btc`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toBe('');
  });
});

describe('at capacity', () => {
  it('a full work queue is 503 with the busy message, not a client error', async () => {
    const busy = await rig();
    busy.renderer.renderMap = async () => {
      throw Object.assign(new Error('the workers are busy'), { code: 'WORK_BUSY' });
    };
    try {
      const res = await fetch(`${busy.http.url}/m/btc.png?window=1d`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/drawing many maps/);
    } finally {
      await busy.http.close();
    }
  });
});
