// A recorded source parses each file once while it is unchanged, and again once it changed (a recording growing).
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedBarsReader } from '../../src/market/recorded-source.js';

describe('cachedBarsReader', () => {
  it('returns the parsed bars of an unchanged file without reading it again, and re-reads a grown one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'liqmap-')), 'binance-BTCUSDT-5m.csv');
    writeFileSync(file, 'ts,open,high,low,close\n0,10,11,9,10\n');
    const read = cachedBarsReader();
    const first = await read(file);
    expect(await read(file)).toBe(first);
    appendFileSync(file, '300000,10,12,9,11\n');
    const grown = await read(file);
    expect(grown).not.toBe(first);
    expect(grown.map((b) => b.close)).toEqual([10, 11]);
  });

  it('forgets a file that failed to parse, so a fixed file is read', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'liqmap-')), 'binance-BTCUSDT-5m.csv');
    writeFileSync(file, 'ts,open,high,low,close\n0,10,11,9,oops\n');
    const read = cachedBarsReader();
    await expect(read(file)).rejects.toThrow(/close is not a number/);
    writeFileSync(file, 'ts,open,high,low,close\n0,10,11,9,10.5\n');
    expect((await read(file)).map((b) => b.close)).toEqual([10.5]);
  });
});
