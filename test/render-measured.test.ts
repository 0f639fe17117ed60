// The estimate and the measured map in one picture: golden of a real whale snapshot beside the estimate
// of the same hour (frozen input, test/fixtures/render-measured-btc.json), and the empty measured side.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MeasuredPictureInput } from '../src/render/measured-picture.js';
import { renderMeasuredPng } from '../src/render/measured-picture.js';
import { createWorkPool } from '../src/workers/work-pool.js';
import { compareWithGolden, readPng } from './render-fixtures.js';

function fixture(): MeasuredPictureInput {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'render-measured-btc.json'), 'utf8')) as MeasuredPictureInput;
}

describe('measured picture', () => {
  it('matches its golden: estimate above, measured below, coverage and data age in the footer', () => {
    const png = renderMeasuredPng(fixture());
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([1200, 675]);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-measured-btc.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
  });

  it('says so when nothing measured is in range (golden), and is deterministic', () => {
    const input = fixture();
    const empty: MeasuredPictureInput = {
      ...input,
      measured: { ...input.measured, buckets: [], shortAbove: 0, longBelow: 0, ratio: null, ratioKind: 'empty', shortClusters: [], longClusters: [], shortReach: null, longReach: null },
    };
    const png = renderMeasuredPng(empty);
    const { diffPixels, maxDiffPixels } = compareWithGolden('render-measured-empty.png', png);
    expect(diffPixels).toBeLessThanOrEqual(maxDiffPixels);
    expect(renderMeasuredPng(empty).equals(png)).toBe(true);
  });
});

describe('measured picture in the work pool', () => {
  it('draws the same picture in a worker thread as in this one', async () => {
    const pool = createWorkPool({ size: 1 });
    try {
      const input = fixture();
      const fromPool = await pool.renderMeasured(input.estimate, input.measured, input.measuredFacts);
      expect(fromPool.equals(renderMeasuredPng({ estimate: input.estimate, measured: input.measured, measuredFacts: input.measuredFacts }))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
