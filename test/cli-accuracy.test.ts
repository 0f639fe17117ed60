// `liqmap accuracy --source <recording>` over test/fixtures/accuracy-recording/ (real sample bars,
// synthetic events and listening marks, scripts/make-accuracy-fixture.mjs): only the half-hours each
// venue's stream heard whole are scored, and the realized sums are those of the events in them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCORE_INTERVAL_MS } from '../src/analysis/accuracy.js';
import { formatUsd } from '../src/analysis/format.js';
import { runCli } from '../src/cli.js';
import { PROJECT_ROOT } from '../src/paths.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'accuracy-recording');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Half-hour opens from `from` to `to` (HH:MM on 2026-06-21). */
function halfHours(from: string, to: string): number[] {
  const out: number[] = [];
  for (let t = Date.parse(`2026-06-21T${from}Z`); t < Date.parse(`2026-06-21T${to}Z`); t += SCORE_INTERVAL_MS) out.push(t);
  return out;
}

describe('liqmap accuracy', () => {
  it('scores the half-hours every stream heard whole, and sums their events', async () => {
    const r = await cli('accuracy', 'btc', '--source', DIR);
    expect(r.code).toBe(0);
    // Binance heard 12:00–18:00 and 18:20–24:00 (the 18:00 half-hour is out); Bybit 12:00 until its crash at 23:10.
    const binance = [...halfHours('12:00', '18:00'), ...halfHours('18:30', '24:00')];
    const bybit = halfHours('12:00', '23:00');
    const both = binance.filter((t) => bybit.includes(t));
    expect(r.out).toContain(`last day · all venues, ${both.length} half-hours`);
    expect(r.out).toContain(`Binance (${binance.length})`);
    expect(r.out).toContain(`Bybit (${bybit.length})`);
    const events = readFileSync(join(DIR, 'liquidations-BTCUSDT.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { side: string; usd: number; ts: number });
    const inBoth = events.filter((e) => both.includes(Math.floor(e.ts / SCORE_INTERVAL_MS) * SCORE_INTERVAL_MS));
    const sum = (side: string) => inBoth.filter((e) => e.side === side).reduce((s, e) => s + e.usd, 0);
    expect(r.out).toContain(`realized: longs ${formatUsd(sum('long'))}, shorts ${formatUsd(sum('short'))}`);
  });

  it('explains what it needs', async () => {
    expect((await cli('accuracy', 'btc')).err).toMatch(/--source <recording dir> is needed/);
    expect((await cli('accuracy', 'btc', '--source', 'sample')).err).toMatch(/holds bars only, no liquidation events/);
  });
});
