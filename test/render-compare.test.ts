// The comparison picture: our map and CoinGlass's on one price axis (golden PNG), from the render
// fixture map and a synthetic CoinGlass answer in the documented shape (test/fixtures/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareMaps } from '../src/analysis/compare.js';
import { readCoinglassMap } from '../src/market/coinglass.js';
import { renderComparePng } from '../src/render/compare-picture.js';
import { compareWithGolden, fixtureMap, readPng } from './render-fixtures.js';

function coinglassFixture() {
  return readCoinglassMap((JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'compare-coinglass-btc-7d.json'), 'utf8')) as { response: unknown }).response);
}

describe('comparison picture', () => {
  it('draws both maps on one price axis (golden)', () => {
    const map = fixtureMap();
    const png = renderComparePng(compareMaps(map, coinglassFixture()), map);
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([1200, 675]);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-compare-btc-7d.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('draws a CoinGlass answer with nothing in our range', () => {
    const map = fixtureMap();
    const png = renderComparePng(compareMaps(map, [{ price: 10, usd: 5e6 }]), map);
    expect(readPng(png).width).toBe(1200);
  });
});
