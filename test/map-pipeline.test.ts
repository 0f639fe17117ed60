// The one map pipeline against the real sample, a counting renderer and a controlled clock: one fetch,
// one model run and one picture per map id; one validation and one symbol resolution per request.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BusyError } from '../src/errors.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { FakeMarket, FakeRenderer } from './fakes/bot-services.js';

function service(renderDelayMs = 20) {
  let now = Date.UTC(2026, 5, 22, 12, 7);
  const market = new FakeMarket();
  const renderer = new FakeRenderer(renderDelayMs);
  const lookups: string[] = [];
  const renders: string[] = [];
  const metrics = { cacheLookup: (cache: string, hit: boolean) => lookups.push(`${cache}:${hit ? 'hit' : 'miss'}`), renderSeconds: (kind: string) => renders.push(kind) };
  const maps = new MapPipeline({ market, renderer, models: inlineModelRunner, clock: { now: () => now }, log: pino({ level: 'silent' }), metrics });
  return { maps, market, renderer, lookups, renders, advance: (ms: number) => (now += ms) };
}

describe('map pipeline', () => {
  it('20 simultaneous requests of one map: one fetch, one model run, one render, the same bytes', async () => {
    const { maps, market, renderer } = service();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => maps.mapPicture({ symbol: i % 2 ? 'btc' : 'BTCUSDT', window: '7d' })));
    expect(market.fetches).toBe(1);
    expect(market.resolves).toBe(20);
    expect(renderer.maps).toBe(1);
    expect(maps.stats).toEqual({ fetches: 1, modelRuns: 1, renders: 1 });
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.every((r) => r.png === results[0]!.png)).toBe(true);
  });

  it('resolves the symbol once per request and passes the resolved query on', async () => {
    const { maps, market } = service(0);
    const query = await maps.resolve({ symbol: 'btc', window: '1d', range: '10%', venues: 'binance' });
    expect(query).toEqual({ symbol: 'BTCUSDT', window: '1d', rangePct: 10, venues: ['binance'], resolved: true });
    await maps.mapPicture(query);
    await maps.heatmapPicture(query);
    expect(market.resolves).toBe(1);
  });

  it('names a map by symbol, venues, window, range and last closed bar', async () => {
    const { maps, advance } = service();
    const idOf = async (input: Parameters<typeof maps.resolve>[0]) => maps.idOf('map', await maps.resolve(input));
    const id = await idOf({ symbol: 'btc', window: '7d' });
    expect(id).toBe(`map:BTCUSDT:all:7d:${Date.UTC(2026, 5, 22, 12, 0)}:15`);
    expect(await idOf({ symbol: 'BTC-USDT', window: '7d', range: 15 })).toBe(id);
    expect(await idOf({ symbol: 'btc', window: '7d', venues: 'all' })).toBe(id);
    expect(await idOf({ symbol: 'btc', window: '7d', range: 10 })).not.toBe(id);
    expect(await idOf({ symbol: 'btc', window: '7d', venues: 'okx,binance' })).toContain(':binance+okx:');
    expect(await idOf({ symbol: 'btc', window: '7d', at: '2026-06-01T12:20Z' })).toBe(`map:BTCUSDT:all:7d:${Date.UTC(2026, 5, 1, 12, 15)}:15`);
    advance(7 * 60_000); // 12:14, still in the 12:00 15-minute bar
    expect(await idOf({ symbol: 'btc', window: '7d' })).toBe(id);
    advance(60_000); // 12:15: a new bar closed
    expect(await idOf({ symbol: 'btc', window: '7d' })).not.toBe(id);
  });

  it('a later request of the same map is served from the cache; a new bar renders again', async () => {
    const { maps, renderer, advance, lookups, renders } = service(0);
    await maps.mapPicture({ symbol: 'btc', window: '1d' });
    await maps.mapPicture({ symbol: 'btc', window: '1d' });
    expect(renderer.maps).toBe(1);
    expect(lookups).toEqual(['map:miss', 'bars:miss', 'render:miss', 'map:hit', 'render:hit']);
    expect(renders).toEqual(['map']);
    advance(5 * 60_000);
    await maps.mapPicture({ symbol: 'btc', window: '1d' });
    expect(renderer.maps).toBe(2);
  });

  it('shares the fetch between a map and a heatmap of the same data, not the picture', async () => {
    const { maps, market, renderer } = service(0);
    await Promise.all([maps.mapPicture({ symbol: 'eth', window: '7d' }), maps.heatmapPicture({ symbol: 'eth', window: '7d' }), maps.mapPicture({ symbol: 'eth', window: '7d', range: 5 })]);
    expect(market.fetches).toBe(1);
    expect(renderer.maps).toBe(2);
    expect(renderer.heatmaps).toBe(1);
  });

  it('one validation for every surface: bad values are refused before any fetch, with what to give', async () => {
    const { maps, market } = service(0);
    await expect(maps.map({ symbol: '<b>🚀</b>' })).rejects.toThrow(/is not a symbol/);
    await expect(maps.map({ symbol: 'btc', range: 0.5 })).rejects.toThrow('range 0.5% is out of bounds: give a percentage from 1 to 50');
    await expect(maps.map({ symbol: 'btc', range: '60%' })).rejects.toThrow(/from 1 to 50/);
    await expect(maps.map({ symbol: 'btc', range: 'wide' })).rejects.toThrow(/is not a number/);
    await expect(maps.map({ symbol: 'btc', window: '2d' })).rejects.toThrow('window "2d" is not one of 1d, 3d, 7d, 14d, 30d');
    await expect(maps.map({ symbol: 'btc', venues: 'kraken' })).rejects.toThrow('venue "kraken" is not one of all, binance, bybit, okx');
    await expect(maps.map({ symbol: 'btc', at: 'yesterday' })).rejects.toThrow(/is not an ISO time/);
    await expect(maps.map({ symbol: 'nope' })).rejects.toThrow(/NOPEUSDT/);
    expect(market.fetches).toBe(0);
  });

  it('explains data that cannot answer, and does not keep failures: a busy renderer is retried next time', async () => {
    const { maps, renderer } = service(0);
    await expect(maps.map({ symbol: 'btc', at: '2020-01-01T00:00Z' })).rejects.toThrow(/no usable data for BTCUSDT/);
    let fail = true;
    const draw = renderer.renderMap.bind(renderer);
    renderer.renderMap = async (map) => {
      if (fail) {
        fail = false;
        throw Object.assign(new Error('the workers are busy'), { code: 'WORK_BUSY' });
      }
      return draw(map);
    };
    await expect(maps.mapPicture({ symbol: 'btc', window: '7d' })).rejects.toThrow(BusyError);
    expect((await maps.mapPicture({ symbol: 'btc', window: '7d' })).png.length).toBeGreaterThan(0);
  });
});
