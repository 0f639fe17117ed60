#!/usr/bin/env node
// Writes the render tests' inputs: a LiquidationMap and a small Heatmap built by the engine from the
// bundled sample (assets/sample), frozen as JSON so the golden pictures do not move when the model is
// recalibrated. Run after `npm run build`; regenerating the fixtures means re-reviewing the goldens.
//   node scripts/make-render-fixtures.mjs
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHeatmap, buildMap } from '../dist/src/analysis/build-map.js';
import { requestFromArgs } from '../dist/src/cli/map.js';

const out = join(import.meta.dirname, '..', 'test', 'fixtures');
const at = '2026-06-22T12:00Z';

const map = buildMap(await requestFromArgs('btc', { source: 'sample', window: '7d', at }));
writeFileSync(join(out, 'render-map-btc-7d.json'), JSON.stringify(map) + '\n');

// 1-day window, ±4% display range: 288 columns × ~100 rows keeps the file small.
const heatmap = buildHeatmap(await requestFromArgs('btc', { source: 'sample', window: '1d', range: '4', at }));
const plain = { ...heatmap, usd: Array.from(heatmap.usd, (v) => Math.round(v)) };
writeFileSync(join(out, 'render-heatmap-btc-1d.json'), JSON.stringify(plain) + '\n');
console.log(`map: ${map.buckets.length} buckets; heatmap: ${heatmap.ts.length} columns × ${heatmap.rows} rows`);
