import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LEVERAGE_TIERS } from '../src/analysis/params.js';
import { RAMP, RAMP_GAMMA } from '../src/render/colour-ramp.js';
import { tierColour } from '../src/render/theme.js';

// Brightness rising with leverage (theme.ts): the perceived luminance of a #rrggbb colour.
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

describe('leverage tier colours', () => {
  it('gives the default tiers one distinct colour each, brightest for the highest leverage', () => {
    const n = DEFAULT_LEVERAGE_TIERS.length;
    const colours = DEFAULT_LEVERAGE_TIERS.map((_, i) => tierColour(i, n));
    expect(new Set(colours).size).toBe(n);
    expect(luminance(colours[0]!)).toBeLessThan(luminance(colours[1]!));
    expect(luminance(colours[n - 1]!)).toBe(Math.max(...colours.map(luminance)));
  });

  it('keeps six-tier maps (a venue capped at 100x) on the six colours they had', () => {
    expect(Array.from({ length: 6 }, (_, i) => tierColour(i, 6))).toEqual(['#2f4fa3', '#3f86d8', '#63c3e8', '#b592f5', '#f7a35c', '#ffd966']);
    expect(tierColour(0, 7)).not.toBe(tierColour(0, 6));
    expect(Array.from({ length: 6 }, (_, i) => tierColour(i + 1, 7))).toEqual(Array.from({ length: 6 }, (_, i) => tierColour(i, 6)));
  });

  it('colours the web view tiers as the picture does', async () => {
    const web = (await import(pathToFileURL(join(import.meta.dirname, '..', 'assets', 'web', 'theme.js')).href)) as { tierColour(index: number, count: number): string };
    for (const count of [1, 3, 6, 7]) {
      for (let i = 0; i < count; i++) expect(web.tierColour(i, count)).toBe(tierColour(i, count));
    }
  });

  it('colours the web heatmap with the ramp and gamma of the picture (the browser keeps its own copy)', async () => {
    const web = (await import(pathToFileURL(join(import.meta.dirname, '..', 'assets', 'web', 'theme.js')).href)) as { RAMP_ABGR: Uint32Array; RAMP_GAMMA: number };
    expect(web.RAMP_GAMMA).toBe(RAMP_GAMMA);
    const rgbOfWeb = Array.from(web.RAMP_ABGR, (v) => ((v & 255) << 16) | (((v >>> 8) & 255) << 8) | ((v >>> 16) & 255));
    expect(rgbOfWeb).toEqual(Array.from(RAMP));
  });
});
