import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { expectGoldenText } from './helpers/golden.js';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('liqmap map', () => {
  it('prints the golden summary of the sample BTC map at a fixed time', async () => {
    const r = await cli('map', 'btc', '--source', 'sample', '--at', '2026-06-08T12:00:00Z');
    expect(r.code).toBe(0);
    const { expected, actual } = expectGoldenText(join(import.meta.dirname, 'golden', 'summary-btc-7d-2026-06-08T12.txt'), `${r.out}\n`);
    expect(actual).toBe(expected);
    const [modelled, calibrated] = r.out.split('\n');
    expect(modelled).toMatch(/^BTC [\d,]+ · modelled: shorts \$[\d.]+[KMB] above .* · estimated from Binance, 7d$/);
    // The shipped calibration holds for BTC: the nearest cluster each side, longs below the price first.
    expect(calibrated).toMatch(/^calibrated forced flow · to [\d,]+ \(−[\d.]+%\): ≈ \$[\d.]+[KMB] of longs would be force-closed \(80% band .*\) · to [\d,]+ \(\+[\d.]+%\): ≈ \$[\d.]+[KMB] of shorts /);
  });

  it('prints JSON with both sides, the ratio and clusters on both sides', async () => {
    const r = await cli('map', 'btc', '--source', 'sample', '--json');
    expect(r.code).toBe(0);
    const map = JSON.parse(r.out);
    expect(map.shortAbove).toBeGreaterThan(0);
    expect(map.longBelow).toBeGreaterThan(0);
    expect(map.ratio).toBeCloseTo(map.shortAbove / map.longBelow, 9);
    expect(map.shortClusters.length).toBeGreaterThan(0);
    expect(map.longClusters.length).toBeGreaterThan(0);
    expect(map.meta.label).toBe('estimated');
  });

  it('accepts every spelling of the symbol', async () => {
    const outs = await Promise.all(['btc', 'BTC', 'btcusdt', 'BTC-USDT-SWAP'].map((s) => cli('map', s, '--source', 'sample', '--window', '1d')));
    expect(new Set(outs.map((o) => o.out)).size).toBe(1);
    expect(outs[0]!.code).toBe(0);
  });

  it('names what the data holds for an unknown symbol', async () => {
    const r = await cli('map', 'doge', '--source', 'sample');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/doge: no such market in source sample\nclosest: BTCUSDT/);
  });

  it('explains a bad window, range, time or option', async () => {
    expect((await cli('map', 'btc', '--source', 'sample', '--window', '2w')).err).toMatch(/window "2w" is not one of 1d, 3d, 7d, 14d, 30d/);
    expect((await cli('map', 'btc', '--source', 'sample', '--range', '-5')).err).toMatch(/range -5% is out of bounds/);
    expect((await cli('map', 'btc', '--source', 'sample', '--range', 'wide')).err).toMatch(/range "wide" is not a number/);
    expect((await cli('map', 'btc', '--source', 'sample', '--at', 'yesterday')).err).toMatch(/not an ISO time/);
    expect((await cli('map', 'btc', '--source', 'sample', '--at', '2020-01-01T00:00Z')).err).toMatch(/no bars closed before the requested time/);
    expect((await cli('map', 'btc', '--frobnicate')).err).toMatch(/unknown option --frobnicate/);
    expect((await cli('map')).err).toMatch(/a symbol is needed/);
  });

  it('reports the line of a broken row in a source file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-'));
    const file = join(dir, 'binance-BTCUSDT-5m.csv');
    writeFileSync(file, 'ts,open,high,low,close,oi_usd\n1000,10,11,9,10,5\n301000,10,11,9,oops,5\n');
    const r = await cli('map', 'btc', '--source', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:3: close is not a number`);
  });

  it('rejects a missing source', async () => {
    expect((await cli('map', 'btc', '--source', '/nonexistent/dir')).err).toMatch(/no such file or directory/);
  });
});
