#!/usr/bin/env node
// Builds test/fixtures/accuracy-recording/, a small recording in the shape `liqmap record` writes, for
// `liqmap accuracy`'s tests. Bars: the bundled sample's real Binance BTCUSDT 5-minute bars of
// 2026-06-18 00:00 → 06-22 00:00 UTC, once as binance and once as a SYNTHETIC bybit (the same prices,
// half the open interest). Liquidation events and listening marks are SYNTHETIC, made by the rules below,
// so a test knows exactly which half-hours were heard and what was liquidated in them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2] ?? 'test/fixtures/accuracy-recording';
const FROM = Date.parse('2026-06-18T00:00Z');
const TO = Date.parse('2026-06-22T00:00Z');
const MIN = 60_000;
const at = (hhmm) => Date.parse(`2026-06-21T${hhmm}Z`);

const [header, ...lines] = readFileSync('assets/sample/binance-BTCUSDT-5m.csv', 'utf8').trim().split('\n');
const cols = header.split(',');
const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]))).filter((r) => Number(r.ts) >= FROM && Number(r.ts) < TO);

mkdirSync(out, { recursive: true });
writeFileSync(`${out}/binance-BTCUSDT-5m.csv`, [header, ...rows.map((r) => cols.map((c) => r[c]).join(','))].join('\n') + '\n');
const half = (v) => (v === '' ? '' : String(Math.round(Number(v) * 50) / 100));
writeFileSync(`${out}/bybit-BTCUSDT-5m.csv`, [header, ...rows.map((r) => cols.map((c) => (c === 'oi_usd' ? half(r[c]) : r[c])).join(','))].join('\n') + '\n');

// Marks: binance heard 12:00 → 18:00, dropped, reconnected 18:20 → 24:00 (a clean stop);
// bybit heard 12:00 → 23:10, then nothing more (a crash: no down mark).
const marks = [];
const listen = (venue, from, to, down) => {
  marks.push({ venue, state: 'up', ts: from });
  for (let t = from + MIN; t < to; t += MIN) marks.push({ venue, state: 'alive', ts: t });
  marks.push(down ? { venue, state: 'down', ts: to } : { venue, state: 'alive', ts: to });
};
listen('binance', at('12:00'), at('18:00'), true);
listen('binance', at('18:20'), Date.parse('2026-06-22T00:00Z'), true);
listen('bybit', at('12:00'), at('23:10'), false);
marks.sort((a, b) => a.ts - b.ts || a.venue.localeCompare(b.venue));
writeFileSync(`${out}/listening-BTCUSDT.ndjson`, marks.map((m) => JSON.stringify(m)).join('\n') + '\n');

// Events: one per venue per 5-minute bar of 2026-06-21 11:00 → 24:00, two minutes into the bar, on the
// side the bar moved against, of 5% of the venue's open interest × the bar's move. Some fall outside
// the listening spans on purpose (before 12:00, binance's gap, bybit after its crash).
const events = [];
for (const r of rows) {
  const ts = Number(r.ts);
  if (ts < at('11:00')) continue;
  const open = Number(r.open);
  const close = Number(r.close);
  const move = Math.abs(close - open) / open;
  for (const [venue, share] of [['binance', 1], ['bybit', 0.5]]) {
    const usd = Math.round(Number(r.oi_usd) * share * move * 0.05 * 100) / 100;
    if (!(usd > 0)) continue;
    const price = close;
    events.push({ venue, symbol: 'BTCUSDT', side: close < open ? 'long' : 'short', price, qty: Math.round((usd / price) * 1e6) / 1e6, usd, ts: ts + 2 * MIN });
  }
}
writeFileSync(`${out}/liquidations-BTCUSDT.ndjson`, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
console.log(`wrote ${rows.length} bars per venue, ${marks.length} marks, ${events.length} events to ${out}`);
