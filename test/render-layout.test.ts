// Label placement on its own: crowded clusters never overlap each other, the bars or reserved boxes.
import { describe, expect, it } from 'vitest';
import { overlaps, placeLabels, segmentHitsBox, leaderOf, type BarSpan, type Box, type LabelRequest } from '../src/render/label-layout.js';
import { stepDecimals, formatPriceTick } from '../src/render/price-ticks.js';
import { timeTicks, formatUtc } from '../src/render/time-labels.js';

const area = { left: 80, right: 1100, top: 110, bottom: 600 };

function crowded(): { bars: BarSpan[]; requests: LabelRequest[] } {
  // 16 adjacent 9-px bars, heights alternating, clusters on six of them.
  const bars: BarSpan[] = Array.from({ length: 16 }, (_, i) => ({ x0: 500 + i * 9, x1: 508 + i * 9, top: 300 + (i % 3) * 20 }));
  const requests = [2, 3, 5, 9, 10, 12].map((i) => ({ anchorX: bars[i]!.x0 + 4, anchorY: bars[i]!.top, w: 110, h: 40 }));
  return { bars, requests };
}

describe('placeLabels', () => {
  it('places six crowded labels with no overlap, above every bar they span', () => {
    const { bars, requests } = crowded();
    const reserved: Box[] = [{ x: 540, y: 112, w: 80, h: 24 }];
    const placed = placeLabels(requests, bars, reserved, area);
    expect(placed.every((p) => p !== null)).toBe(true);
    const boxes = placed as Box[];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]!, boxes[j]!)).toBe(false);
      for (const r of reserved) expect(overlaps(boxes[i]!, r)).toBe(false);
      for (const b of bars) {
        const spans = b.x1 > boxes[i]!.x && b.x0 < boxes[i]!.x + boxes[i]!.w;
        if (spans) expect(boxes[i]!.y + boxes[i]!.h).toBeLessThanOrEqual(b.top);
      }
      expect(boxes[i]!.x).toBeGreaterThanOrEqual(area.left);
      expect(boxes[i]!.x + boxes[i]!.w).toBeLessThanOrEqual(area.right);
      expect(boxes[i]!.y).toBeGreaterThanOrEqual(area.top);
    }
    // No leader line crosses another label.
    for (const p of placed) {
      for (const q of placed) if (p !== q) expect(segmentHitsBox(leaderOf(p!), q!)).toBe(false);
    }
  });

  it('leaves a label out rather than draw it over something when there is no room', () => {
    const tight = { left: 0, right: 120, top: 0, bottom: 60 };
    const request = { anchorX: 60, anchorY: 55, w: 100, h: 40 };
    expect(placeLabels([request], [], [], tight)[0]).not.toBeNull();
    expect(placeLabels([request], [], [{ x: 0, y: 0, w: 120, h: 30 }], tight)[0]).toBeNull();
  });
});

describe('axis labels', () => {
  it('shows as many decimals as the tick step needs, for BTC and a $0.07 coin alike', () => {
    expect(stepDecimals(5000)).toBe(0);
    expect(stepDecimals(2.5)).toBe(1);
    expect(stepDecimals(0.0005)).toBe(4);
    expect(formatPriceTick(70000, 5000)).toBe('70,000');
    expect(formatPriceTick(0.0705, 0.0005)).toBe('0.0705');
  });

  it('prints times in UTC with round ticks', () => {
    expect(formatUtc(Date.UTC(2026, 5, 22, 11, 45))).toBe('2026-06-22 11:45 UTC');
    const week = timeTicks(Date.UTC(2026, 5, 15, 12), Date.UTC(2026, 5, 22, 12), 8);
    expect(week.map((t) => t.label)).toEqual(['Jun 16', 'Jun 17', 'Jun 18', 'Jun 19', 'Jun 20', 'Jun 21', 'Jun 22']);
    const day = timeTicks(Date.UTC(2026, 5, 21, 12), Date.UTC(2026, 5, 22, 12), 8);
    expect(day.map((t) => t.label).slice(0, 3)).toEqual(['12:00', '15:00', '18:00']);
    expect(day.some((t) => t.label === 'Jun 22')).toBe(true);
  });
});
