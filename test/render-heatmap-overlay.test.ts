// The heatmap's measured overlay: marks on the grid (hand-computed), and a pixel check that its dots
// appear at the measured levels' columns and rows, in proportion to the grid, and nowhere without history.
import { describe, expect, it } from 'vitest';
import type { MeasuredOverlay } from '../src/analysis/measured-map.js';
import type { Heatmap } from '../src/analysis/types.js';
import { MEASURED_DOT, measuredMarks, renderHeatmapPng } from '../src/render/heatmap-picture.js';
import { createWorkPool } from '../src/workers/work-pool.js';
import { fixtureHeatmap, readPng } from './render-fixtures.js';

const h = fixtureHeatmap(); // 288 five-minute columns, 105 rows of 50 from 61,950
const at = (column: number) => h.ts[column]! + 60_000;
const low = (row: number) => h.priceLow + row * h.bucketSize;

/** Samples in columns 50, 120 and 200; a level too small to draw in column 50; one sample outside the span. */
function overlay(heatmap: Heatmap = h): MeasuredOverlay {
  return {
    samples: [
      { ts: at(50), markPx: 64_000, bucketSize: heatmap.bucketSize, levels: [[low(20), 2e6, 0], [low(60), 20_000, 0], [low(80), 0, 2e6]] },
      { ts: at(120), markPx: 64_000, bucketSize: heatmap.bucketSize, levels: [[low(50), 1e6, 1e6]] },
      { ts: h.ts[200]!, markPx: 64_000, bucketSize: heatmap.bucketSize, levels: [[low(70), 2e6, 0]] },
      // The same column later: the latest sample of a column wins.
      { ts: at(200), markPx: 64_000, bucketSize: heatmap.bucketSize, levels: [[low(50), 2e6, 0]] },
      { ts: h.ts[0]! - 3_600_000, markPx: 64_000, bucketSize: heatmap.bucketSize, levels: [[low(10), 9e6, 0]] },
    ],
  };
}

/** Groups of dot-coloured pixels inside the plot (below the header, above the footer). */
function dots(png: Buffer): { x: number; y: number; w: number; h: number }[] {
  const img = readPng(png);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(MEASURED_DOT.slice(i, i + 2), 16));
  const groups: { xs: number[]; ys: number[] }[] = [];
  for (let y = 112; y < img.height - 48; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 4;
      if (img.data[o] !== r || img.data[o + 1] !== g || img.data[o + 2] !== b) continue;
      const near = groups.find((gr) => Math.abs(gr.xs[0]! - x) <= 8 && Math.abs(gr.ys[0]! - y) <= 8);
      if (near) {
        near.xs.push(x);
        near.ys.push(y);
      } else groups.push({ xs: [x], ys: [y] });
    }
  }
  const mid = (v: number[]) => (Math.min(...v) + Math.max(...v)) / 2;
  return groups.map((gr) => ({ x: mid(gr.xs), y: mid(gr.ys), w: Math.max(...gr.xs) - Math.min(...gr.xs) + 1, h: Math.max(...gr.ys) - Math.min(...gr.ys) + 1 })).sort((a, b) => a.x - b.x || a.y - b.y);
}

describe('heatmap measured overlay', () => {
  it('puts each sample in its column and each level in its row, the latest per column, big levels only', () => {
    expect(measuredMarks(h, overlay())).toEqual([
      { column: 50, row: 20, usd: 2e6 },
      { column: 50, row: 80, usd: 2e6 },
      { column: 120, row: 50, usd: 2e6 },
      { column: 200, row: 50, usd: 2e6 },
    ]);
    expect(measuredMarks(h, undefined)).toEqual([]);
    expect(measuredMarks(h, { samples: [] })).toEqual([]);
  });

  it('re-buckets a finer recorded grid onto the heatmap rows by the level centre', () => {
    const fine = { samples: [{ ts: at(10), markPx: 64_000, bucketSize: 10, levels: [[low(30) + 10, 1e6, 0], [low(30) + 40, 0, 5e5], [low(31), 1e6, 0]] as [number, number, number][] }] };
    expect(measuredMarks(h, fine)).toEqual([
      { column: 10, row: 30, usd: 1.5e6 },
      { column: 10, row: 31, usd: 1e6 },
    ]);
  });

  it('draws a dot at each mark, in proportion to the grid, and none without history', () => {
    expect(dots(renderHeatmapPng(h))).toEqual([]);
    expect(dots(renderHeatmapPng(h, {}, { samples: [] }))).toEqual([]);
    const found = dots(renderHeatmapPng(h, {}, overlay()));
    expect(found).toHaveLength(4);
    for (const d of found) expect(Math.max(d.w, d.h)).toBeLessThanOrEqual(8);
    const [a20, a80, b50, c50] = [found[0]!.y > found[1]!.y ? found[0]! : found[1]!, found[0]!.y > found[1]!.y ? found[1]! : found[0]!, found[2]!, found[3]!];
    // Columns 50 → 120 → 200: x is linear in the column.
    expect(a20.x).toBeCloseTo(a80.x, 0);
    expect(Math.abs(b50.x - (a20.x + ((120 - 50) / (200 - 50)) * (c50.x - a20.x)))).toBeLessThanOrEqual(1.5);
    // Rows 20 → 50 → 80: higher price, higher on the picture, linear in the row.
    expect(a80.y).toBeLessThan(a20.y);
    expect(Math.abs(b50.y - (a20.y + a80.y) / 2)).toBeLessThanOrEqual(1.5);
    expect(c50.y).toBeCloseTo(b50.y, 0);
  });

  it('draws the same overlay picture in a worker thread as in this one', async () => {
    const pool = createWorkPool({ size: 1 });
    try {
      const fromPool = await pool.renderHeatmap(h, overlay());
      expect(fromPool.equals(renderHeatmapPng(h, {}, overlay()))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
