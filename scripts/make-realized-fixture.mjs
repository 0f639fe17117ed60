#!/usr/bin/env node
// Rebuilds test/fixtures/dev/realized-BTCUSDT-30m.csv (the backtest's evaluation set) from the recorded
// development data the team keeps beside the project (../shared/data/market). Kept for provenance.
// The realized columns come from CoinGlass: an evaluation and test set, never a product asset.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const src = process.argv[2] ?? '../shared/data/market/btc-realized-liquidations-30m-2026-05-21_2026-06-08.csv';
const out = process.argv[3] ?? 'test/fixtures/dev/realized-BTCUSDT-30m.csv';
const lines = readFileSync(src, 'utf8').trim().split(/\r?\n/);
const header = lines[0].split(',');
const col = (name) => {
  const i = header.indexOf(name);
  if (i < 0) throw new Error(`${src}: no column ${name}`);
  return i;
};
const names = ['timestamp', 'price_open', 'price_high', 'price_low', 'price_close', 'oi_close', 'liquidation_long_usd', 'liquidation_short_usd'];
const idx = names.map(col);
const rows = ['ts,open,high,low,close,oi_usd,realized_long_usd,realized_short_usd'];
for (const line of lines.slice(1)) {
  const f = line.split(',');
  // USD to the cent: the source's sub-cent digits carry nothing.
  const cents = (i) => String(Math.round(Number(f[i]) * 100) / 100);
  rows.push([f[idx[0]], f[idx[1]], f[idx[2]], f[idx[3]], f[idx[4]], cents(idx[5]), cents(idx[6]), cents(idx[7])].join(','));
}
mkdirSync(out.replace(/\/[^/]+$/, ''), { recursive: true });
writeFileSync(out, rows.join('\n') + '\n');
console.log(`wrote ${rows.length - 1} bars to ${out}`);
