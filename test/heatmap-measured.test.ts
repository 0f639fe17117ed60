// /heatmap btc hyperliquid through the one pipeline and the command's handler: the recorded measured
// history travels to the renderer for the heatmap's span, and the reply names its span; without
// history the plain heatmap comes back with when the overlay starts. Other venues never ask for it.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { heatmapCommand } from '../commands/heatmap.js';
import type { MeasuredOverlay } from '../src/analysis/measured-map.js';
import type { Heatmap } from '../src/analysis/types.js';
import type { CommandRequest, Services } from '../src/core/command.js';
import { MeasuredHistory } from '../src/hyperliquid/measured-history.js';
import { MapPipeline, type MarketSeries, type MeasuredSnapshot } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { venueSpecFor } from '../src/market/venue-specs.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createStore } from '../src/store/store.js';
import { FakeMarket, FakeRenderer } from './fakes/bot-services.js';
import { SimClock } from './fake-hyperliquid/clock.js';
import { startHttpServer } from '../src/http/server.js';
import { webRoutes } from '../src/web/web-routes.js';

const NOW = Date.UTC(2026, 5, 22, 12, 7);

/** The sample's bars served as Hyperliquid's. */
class HyperliquidMarket extends FakeMarket {
  override async getSeries(query: { symbol: string; venues?: readonly string[] }): Promise<MarketSeries> {
    const s = await super.getSeries({ ...query, venues: ['binance'] });
    return query.venues?.[0] === 'hyperliquid' ? { ...s, venues: s.venues.map((v) => ({ ...v, spec: venueSpecFor('hyperliquid', s.symbol) })) } : s;
  }
}

class OverlayRenderer extends FakeRenderer {
  overlays: (MeasuredOverlay | undefined)[] = [];
  override async renderHeatmap(heatmap: Heatmap, overlay?: MeasuredOverlay): Promise<Buffer> {
    this.overlays.push(overlay);
    return super.renderHeatmap(heatmap);
  }
}

const snapshot: MeasuredSnapshot = {
  markPx: 64_000,
  accounts: 2,
  oldestMs: NOW,
  newestMs: NOW,
  coverage: 'longs 1%, shorts 1%',
  positions: [
    { side: 'long', usd: 3e6, liquidationPx: 62_030 },
    { side: 'short', usd: 2e6, liquidationPx: 66_070 },
  ],
};

function bot() {
  const clock = new SimClock(NOW);
  const store = createStore(new MemoryBackend(), { warn: () => undefined });
  const history = new MeasuredHistory({ source: { snapshot: () => snapshot }, markets: [{ symbol: 'BTCUSDT', coin: 'BTC' }], days: () => store.hyperliquidMeasured, clock, log: { warn: () => undefined } });
  const renderer = new OverlayRenderer();
  const maps = new MapPipeline({
    market: new HyperliquidMarket(),
    renderer,
    models: inlineModelRunner,
    clock,
    log: pino({ level: 'silent' }),
    measured: { snapshot: () => snapshot, history: (s, from, to) => history.history(s, from, to) },
  });
  const ask = async (venue: string) => {
    const request = { options: { symbol: 'btc', venue, window: '1d' }, services: { maps } as unknown as Services, caller: {}, requestId: 't', path: ['heatmap'] } as unknown as CommandRequest;
    return heatmapCommand.handler!(request);
  };
  return { history, renderer, ask, maps, clock };
}

describe('/heatmap btc hyperliquid with the measured overlay', () => {
  it('without history: the plain heatmap, and the reply says the overlay starts when the tracker has recorded', async () => {
    const { renderer, ask, history } = bot();
    history.start();
    await history.stop();
    const reply = await ask('hyperliquid');
    expect(renderer.overlays).toEqual([undefined]);
    expect(reply.text).toContain('measured overlay: none yet in this window, it starts when the tracker has recorded; recording every 15 min since 2026-06-22 12:07 UTC');
  });

  it('with history: the samples of the heatmap span go to the renderer and the reply names their span', async () => {
    const { renderer, ask, history } = bot();
    await history.record(NOW - 2 * 3_600_000);
    await history.record(NOW - 3_600_000);
    await history.record(NOW - 3 * 86_400_000); // before the 1d heatmap's span
    const reply = await ask('hyperliquid');
    const overlay = renderer.overlays[0];
    expect(overlay?.samples.map((s) => s.ts)).toEqual([NOW - 2 * 3_600_000, NOW - 3_600_000]);
    // The 1d grid at 64,000: 0.1% is 64, rounded to a nice 50.
    expect(overlay?.samples[0]?.levels).toEqual([
      [62_000, 3e6, 0],
      [66_050, 0, 2e6],
    ]);
    expect(reply.text).toContain('Dots: measured levels of the Hyperliquid positions the bot tracks (2 samples, 2026-06-22 10:07 UTC → 2026-06-22 11:07 UTC).');
  });

  it('the web view revalidates the overlay picture by its own id: 304 until a new sample, then the new picture', async () => {
    const { history, maps, clock } = bot();
    await history.record(NOW - 3_600_000);
    const http = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {}, routes: await webRoutes({ maps, clock, log: pino({ level: 'silent' }), rateLimitPerMinute: 10_000 }) });
    try {
      const url = `${http.url}/h/btc.png?venue=hyperliquid&window=1d`;
      const first = await fetch(url);
      const etag = first.headers.get('etag')!;
      expect(first.status).toBe(200);
      expect(etag).toContain(':measured:');
      expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
      await history.record(NOW - 1_800_000);
      const after = await fetch(url, { headers: { 'if-none-match': etag } });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(etag);
    } finally {
      await http.close();
    }
  });

  it('another venue: no overlay asked, nothing said of it', async () => {
    const { renderer, ask, history } = bot();
    await history.record(NOW - 3_600_000);
    const reply = await ask('binance');
    expect(renderer.overlays).toEqual([undefined]);
    expect(reply.text).not.toContain('measured');
  });
});
