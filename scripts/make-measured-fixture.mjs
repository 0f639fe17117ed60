#!/usr/bin/env node
// Writes the measured picture's test input: the estimate as of a real whale snapshot (Binance 1h bars of
// test/fixtures/dev/) and the measured map of that snapshot's positions, frozen as JSON so the golden
// picture does not move when the model is recalibrated. Run after `npm run build`; regenerating the
// fixture means re-reviewing the golden.
//   node scripts/make-measured-fixture.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMap } from '../dist/src/analysis/build-map.js';
import { parseBarsCsv } from '../dist/src/market/bars-csv.js';
import { parsePositionsCsv } from '../dist/src/hyperliquid/positions-csv.js';
import { scoreSnapshots } from '../dist/src/hyperliquid/score-snapshots.js';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures');
const snapshots = parsePositionsCsv(readFileSync(join(fixtures, 'dev', 'hl-btc-whale-positions-2026-02-03_2026-02-11.csv'), 'utf8'), 'positions', 'BTC');
const bars = parseBarsCsv(readFileSync(join(fixtures, 'dev', 'binance-BTCUSDT-1h.csv'), 'utf8')).bars;
const venues = [{ series: { venue: 'binance', symbol: 'BTCUSDT', intervalMs: 3_600_000, bars }, spec: { maintenanceMarginRate: 0.004, maxLeverage: 125 } }];
const snapshot = snapshots.find((s) => new Date(s.ts).toISOString().startsWith('2026-02-04T06:11'));
const [scored] = scoreSnapshots({ snapshots: [snapshot], symbol: 'BTCUSDT', venues, window: '7d', range: 0.15 }).scored;
const estimate = buildMap({ symbol: 'BTCUSDT', window: '7d', venues, at: snapshot.ts, params: { range: 0.15 } });
const input = {
  estimate,
  measured: scored.measured,
  estimateFacts: 'Binance · 7d window · 1h bars · data to 2026-02-04 06:00 UTC',
  measuredFacts: `${scored.positions} positions of Hyperliquid leaderboard accounts · snapshot 2026-02-04 06:11 UTC · coverage of BTC OI: longs 15–29%, shorts 27–53% (OI sidedness unknown)`,
};
writeFileSync(join(fixtures, 'render-measured-btc.json'), JSON.stringify(input) + '\n');
console.log(`estimate ${estimate.buckets.length} buckets, measured ${scored.measured.buckets.length} buckets`);
