// Cascade watch in the digest: the map service finds the last day's crossings on the primary venue,
// and the digest text names them.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { digestSectionText } from '../src/schedule/digest-message.js';
import { FakeMarket, FakeRenderer } from './fakes/bot-services.js';

function mapsAt(iso: string) {
  return new MapPipeline({ market: new FakeMarket(), renderer: new FakeRenderer(0), models: inlineModelRunner, clock: { now: () => Date.parse(iso) }, log: pino({ level: 'silent' }) });
}

describe('cascade watch in digests', () => {
  it('finds the day’s crossings, each inside the last 24 hours, with a verdict', async () => {
    // 2026-06-18 → 19: BTC fell from about 66,000 to 62,500 through the long clusters below.
    const at = '2026-06-19T12:00:00Z';
    const crossings = await mapsAt(at).crossings({ symbol: 'btc', window: '7d' });
    expect(crossings.length).toBeGreaterThan(0);
    for (const c of crossings) {
      expect(c.ts).toBeGreaterThanOrEqual(Date.parse(at) - 86_400_000);
      expect(c.ts).toBeLessThan(Date.parse(at));
      expect(['activated', 'absorbed', 'pending']).toContain(c.verdict);
    }
    expect(crossings.some((c) => c.side === 'long')).toBe(true);
  });

  it('writes the three most recent crossings into the digest section, newest first', async () => {
    const maps = mapsAt('2026-06-19T12:00:00Z');
    const { map } = await maps.map({ symbol: 'btc', window: '7d' });
    const crossings = await maps.crossings({ symbol: 'btc', window: '7d' });
    const text = digestSectionText({ map, crossings });
    const line = text.split('\n').find((l) => l.startsWith('clusters crossed in 24h: '));
    expect(line).toBeDefined();
    const newest = crossings[crossings.length - 1]!;
    expect(line).toContain(`${newest.side} `);
    expect(line).toContain(`→ ${newest.verdict}`);
    if (crossings.length > 3) expect(line).toContain(`(+${crossings.length - 3} more)`);
    expect(digestSectionText({ map })).not.toContain('clusters crossed');
  });
});
