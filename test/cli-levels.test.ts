// `liqmap levels` over the bundled sample: the verdicts it prints agree with watchLevels on the same bars,
// and bad input gets a clear message.
import { describe, expect, it } from 'vitest';
import { describeLevelEvent, watchLevels } from '../src/analysis/level-watch.js';
import { resample } from '../src/analysis/resample.js';
import { runCli } from '../src/cli.js';
import { sampleSeries } from './helpers/sample.js';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err: err.join('\n') };
}

describe('liqmap levels', () => {
  it('prints one line per approach of the sample, then the tally', async () => {
    const r = await cli('levels', 'btc', '65000,67k,70000', '--source', 'sample', '--since', '2026-06-10T00:00Z');
    expect(r.code).toBe(0);
    const bars = resample(sampleSeries(), 900_000);
    const expected = watchLevels({ bars: bars.bars, intervalMs: bars.intervalMs, levels: [65_000, 67_000, 70_000] }).filter((e) => e.approachTs >= Date.parse('2026-06-10T00:00Z'));
    expect(expected.length).toBeGreaterThan(5);
    expect(r.out[0]).toBe('liqmap levels · BTCUSDT · binance 15m bars 2026-05-25 16:00 UTC → 2026-06-22 11:45 UTC');
    expect(r.out.slice(1, -1)).toEqual(expected.map((e) => describeLevelEvent(e)));
    expect(r.out.at(-1)).toMatch(new RegExp(`^${expected.length} approaches: \\d+ accelerated, \\d+ absorbed, \\d+ rejected`));
  });

  it('explains bad levels and options', async () => {
    expect((await cli('levels', 'btc')).err).toMatch(/a symbol and levels are needed/);
    expect((await cli('levels', 'btc', '90000,abc', '--source', 'sample')).err).toMatch(/"abc" is not a price level/);
    expect((await cli('levels', 'btc', '90000', '--source', 'sample', '--near', '0')).err).toMatch(/--near "0" must be a number from 0.05 to 20/);
    expect((await cli('levels', 'btc', '90000', '--source', 'sample', '--at', '2020-01-01T00:00Z')).err).toMatch(/no bars closed before the requested time/);
    expect((await cli('levels', 'btc', Array.from({ length: 11 }, (_, i) => 60_000 + i * 1000).join(','), '--source', 'sample')).err).toMatch(/At most 10 levels/);
  });
});
