// The pictures drawn in-thread: golden PNGs for fixed inputs, and the empty, ∞, tiny-price, crowded and
// few-bars cases. Goldens change only through `npm run update-goldens`, after looking at the diff.
import { describe, expect, it } from 'vitest';
import { renderHeatmapPng } from '../src/render/heatmap-picture.js';
import { renderMapPng } from '../src/render/map-picture.js';
import { compareWithGolden, crowdedMap, emptyMap, fewBarsHeatmap, fixtureHeatmap, fixtureMap, forcedFlowMap, noLongsMap, readPng, tinyPriceMap } from './render-fixtures.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function expectPicture(png: Buffer, width = 1200, height = 675): void {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const img = readPng(png);
  expect([img.width, img.height]).toEqual([width, height]);
  // Not one flat colour: something was drawn.
  const first = img.data.readUInt32BE(0);
  let differing = 0;
  for (let i = 0; i < img.data.length; i += 4 * 97) if (img.data.readUInt32BE(i) !== first) differing++;
  expect(differing).toBeGreaterThan(100);
}

describe('map picture', () => {
  it('matches its golden for the BTC 7d fixture', () => {
    const png = renderMapPng(fixtureMap());
    expectPicture(png);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-map-btc-7d.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('adds the calibrated forced flow below the legend, one figure per side (golden)', () => {
    const png = renderMapPng(forcedFlowMap());
    expectPicture(png);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-map-forced-flow.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
    // The row takes room from the chart: the picture differs from the same map without it.
    expect(png.equals(renderMapPng(fixtureMap()))).toBe(false);
  });

  it('says so when nothing is in range', () => {
    const png = renderMapPng(emptyMap());
    expectPicture(png);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-map-empty.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('labels crowded clusters without overlaps (golden)', () => {
    const png = renderMapPng(crowdedMap());
    expectPicture(png);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-map-crowded.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('renders a one-sided (∞) map and a coin priced at $0.065', () => {
    expectPicture(renderMapPng(noLongsMap()));
    const tiny = renderMapPng(tinyPriceMap());
    expectPicture(tiny);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-map-tiny-price.png', tiny);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('draws at another size, and refuses sizes the layout cannot hold', () => {
    expectPicture(renderMapPng(fixtureMap(), { width: 800, height: 450 }), 800, 450);
    expect(() => renderMapPng(fixtureMap(), { width: 100, height: 450 })).toThrow(RangeError);
    expect(() => renderHeatmapPng(fixtureHeatmap(), { width: 1200, height: 100_000 })).toThrow(RangeError);
  });

  it('is deterministic', () => {
    expect(renderMapPng(fixtureMap()).equals(renderMapPng(fixtureMap()))).toBe(true);
  });
});

describe('heatmap picture', () => {
  it('matches its golden for the BTC 1d fixture', () => {
    const png = renderHeatmapPng(fixtureHeatmap());
    expectPicture(png);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-heatmap-btc-1d.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('renders a window of very few bars, and one with no levels at all', () => {
    expectPicture(renderHeatmapPng(fewBarsHeatmap(3)));
    expectPicture(renderHeatmapPng(fewBarsHeatmap(1)));
    const blank = fixtureHeatmap();
    blank.usd.fill(0);
    expectPicture(renderHeatmapPng({ ...blank, maxUsd: 0 }));
  });
});
