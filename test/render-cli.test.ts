// The picture commands end to end in-process: `liqmap heatmap`, `liqmap map --out`, `liqmap demo --out`
// on the bundled sample, into a temporary directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../src/cli/demo.js';
import { heatmapCommand } from '../src/cli/heatmap.js';
import { mapCommand } from '../src/cli/map.js';
import { UserError } from '../src/errors.js';
import { readPng } from './render-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'liqmap-render-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

function expectPng(path: string): void {
  const png = readPng(readFileSync(path));
  expect([png.width, png.height]).toEqual([1200, 675]);
}

describe('picture commands', () => {
  it('liqmap heatmap btc --window 1d --out file.png writes the heatmap', async () => {
    const c = io();
    const file = join(dir, 'heat.png');
    expect(await heatmapCommand.run(['btc', '--source', 'sample', '--window', '1d', '--out', file], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain(file);
    expectPng(file);
  });

  it('liqmap map btc --out file.png prints the summary and writes the map', async () => {
    const c = io();
    const file = join(dir, 'nested', 'map.png');
    expect(await mapCommand.run(['btc', '--source', 'sample', '--out', file], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^BTC /);
    expect(c.err.join('\n')).toContain(file);
    expectPng(file);
  });

  it('liqmap demo --out dir writes map.png and heatmap.png and prints their paths', async () => {
    const c = io();
    const out = join(dir, 'demo');
    expect(await demoCommand.run(['--out', out], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toContain(join(out, 'map.png'));
    expect(text).toContain(join(out, 'heatmap.png'));
    expectPng(join(out, 'map.png'));
    expectPng(join(out, 'heatmap.png'));
  });

  it('refuses an --out that is not a .png file, as a user error', async () => {
    await expect(heatmapCommand.run(['btc', '--source', 'sample', '--out', join(dir, 'heat.jpg')], io().io)).rejects.toBeInstanceOf(UserError);
  });
});
