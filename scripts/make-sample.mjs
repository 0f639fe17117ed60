#!/usr/bin/env node
// Rebuilds assets/sample/binance-BTCUSDT-5m.csv from the recorded development data the team keeps
// beside the project (../shared/data/market). Kept for provenance: users never need to run it.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const src = process.argv[2] ?? '../shared/data/market/binance-btcusdt-perp-5m-2026-05-25_2026-06-22.csv';
const out = process.argv[3] ?? 'assets/sample/binance-BTCUSDT-5m.csv';
const lines = readFileSync(src, 'utf8').trim().split(/\r?\n/);
const header = lines[0].split(',');
const col = (name) => {
  const i = header.indexOf(name);
  if (i < 0) throw new Error(`${src}: no column ${name}`);
  return i;
};
const [ts, o, h, l, c, oi, cvd] = ['timestamp', 'price_open', 'price_high', 'price_low', 'price_close', 'oi_close', 'cvd_close'].map(col);
const rows = ['ts,open,high,low,close,net_taker_volume,oi_usd'];
let prevCvd;
for (const line of lines.slice(1)) {
  const f = line.split(',');
  const cvdNow = Number(f[cvd]);
  // Net taker flow of a bar is the change of the running CVD; BTC quantities have 3 decimals.
  const net = prevCvd === undefined ? '' : String(Math.round((cvdNow - prevCvd) * 1000) / 1000);
  prevCvd = cvdNow;
  const oiUsd = String(Math.round(Number(f[oi]) * 100) / 100);
  rows.push([f[ts], f[o], f[h], f[l], f[c], net, oiUsd].join(','));
}
mkdirSync(out.replace(/\/[^/]+$/, ''), { recursive: true });
writeFileSync(out, rows.join('\n') + '\n');
console.log(`wrote ${rows.length - 1} bars to ${out}`);
