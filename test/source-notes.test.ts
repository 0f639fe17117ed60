// What the data source says (stale data and its age, a venue left out) reaches the person.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { runCli } from '../src/cli.js';
import { FakeMarket, FakeRenderer } from './fakes/bot-services.js';

class StaleMarket extends FakeMarket {
  override async getSeries(query: { symbol: string; venues?: readonly string[] }) {
    const data = await super.getSeries(query);
    return { ...data, notes: ['bybit: refresh failed, showing data 12 min old'] };
  }
}

describe('source notes', () => {
  it('carries the market notes into the map meta', async () => {
    const maps = new MapPipeline({ market: new StaleMarket(), renderer: new FakeRenderer(0), models: inlineModelRunner, clock: { now: () => Date.UTC(2026, 5, 22, 12, 7) }, log: pino({ level: 'silent' }) });
    const { map } = await maps.mapPicture({ symbol: 'btc', window: '1d' });
    expect(map.meta.sourceNotes).toEqual(['bybit: refresh failed, showing data 12 min old']);
  });

  it('the CLI names a venue the source could not give', async () => {
    const err: string[] = [];
    const code = await runCli(['map', 'btc', '--source', 'sample', '--venues', 'binance,okx'], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(/note: okx left out: .+/);
  });
});
