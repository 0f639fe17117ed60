// The heatmap as a picture: time on x, price on y, each cell the estimated USD that would be liquidated
// at that price level at that time, on a dark-to-bright ramp with an absolute USD legend; the price path
// over it, the current price marked. Levels end where price swept them because the model's snapshots do.
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import type { Chart as ChartType, ChartConfiguration, Plugin, Scale } from 'chart.js';
import { baseAsset, formatPrice, formatUsd } from '../analysis/format.js';
import type { MeasuredOverlay } from '../analysis/measured-map.js';
import type { Heatmap } from '../analysis/types.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { drawChart, setupChartJs } from './chartjs.js';
import { RAMP, RAMP_INDEX_BY_FRACTION, rampCss, rampPosition } from './colour-ramp.js';
import { pictureSize, drawFooter, drawLegend, drawPriceLine, drawRuns, drawText, fillBackground, MARGIN_X, roundRect } from './frame.js';
import { factsLine, type PictureOptions } from './map-picture.js';
import { encodePng } from './png.js';
import { formatPriceTick } from './price-ticks.js';
import { font, fontSize, theme } from './theme.js';
import { timeTicks } from './time-labels.js';

const HEADER_HEIGHT = 112;
/** The measured overlay's dots: a hue of neither the ramp, the sides nor the price line. */
export const MEASURED_DOT = '#00e5ff';
/** A measured level is drawn when it holds at least this share of the overlay's largest level. */
const MEASURED_MIN_SHARE = 0.05;
const FOOTER_HEIGHT = 44;
const LEGEND_WIDTH = 380;

/** The matrix as one pixel per cell (row 0 at the bottom), scaled up by the caller. */
function cellImage(h: Heatmap, maxUsd: number): Canvas {
  const cols = Math.max(1, h.ts.length);
  const rows = Math.max(1, h.rows);
  const img = createCanvas(cols, rows);
  const ctx = img.getContext('2d');
  const data = ctx.createImageData(cols, rows);
  const px = new Uint32Array(data.data.buffer, data.data.byteOffset, cols * rows);
  // ImageData is RGBA in memory: on little-endian machines a 32-bit word reads ABGR.
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const v = RAMP[i]!;
    lut[i] = (0xff << 24) | ((v & 255) << 16) | (((v >> 8) & 255) << 8) | (v >> 16);
  }
  // rampIndex inlined: this loop runs for ~200k cells.
  const fine = RAMP_INDEX_BY_FRACTION.length - 1;
  const scale = maxUsd > 0 ? fine / maxUsd : 0;
  for (let c = 0; c < h.ts.length; c++) {
    const base = c * h.rows;
    for (let r = 0; r < h.rows; r++) {
      const v = h.usd[base + r]!;
      const i = v > 0 ? RAMP_INDEX_BY_FRACTION[Math.min(fine, Math.round(v * scale))]! : 0;
      px[(rows - 1 - r) * cols + c] = lut[i]!;
    }
  }
  ctx.putImageData(data, 0, 0);
  return img;
}

/** Nice USD values for the legend, spaced so their labels do not collide. */
function legendTicks(maxUsd: number, widthPx: number): number[] {
  if (!(maxUsd > 0)) return [];
  const ticks: number[] = [];
  // Room for the "$0" label at the left end and the maximum's at the right end.
  let lastPx = 0;
  const minGap = 64;
  const exp = Math.floor(Math.log10(maxUsd));
  for (let e = exp - 3; e <= exp; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= maxUsd) continue;
      const at = rampPosition(v, maxUsd) * widthPx;
      if (at - lastPx >= minGap && widthPx - at >= minGap + 8) {
        ticks.push(v);
        lastPx = at;
      }
    }
  }
  return ticks;
}

function drawColourLegend(ctx: CanvasRenderingContext2D, h: Heatmap, maxUsd: number, right: number): void {
  const w = LEGEND_WIDTH - 40;
  const x = right - w;
  const y = 46;
  drawText(ctx, `Estimated USD per ${formatPriceTick(h.bucketSize, h.bucketSize)} price bucket`, right, 30, {
    size: fontSize.legend,
    colour: theme.muted,
    align: 'right',
  });
  const gradient = ctx.createLinearGradient(x, 0, x + w, 0);
  for (let i = 0; i <= 16; i++) gradient.addColorStop(i / 16, rampCss(Math.round((i / 16) * 255)));
  ctx.save();
  roundRect(ctx, x, y, w, 14, 3);
  ctx.fillStyle = gradient;
  ctx.fill();
  ctx.strokeStyle = theme.border;
  ctx.lineWidth = 1;
  ctx.stroke();
  ctx.restore();
  const label = (v: number, at: number, align: 'left' | 'center' | 'right') => {
    ctx.save();
    ctx.fillStyle = theme.muted;
    ctx.fillRect(Math.round(at), y + 14, 1, 4);
    ctx.restore();
    drawText(ctx, formatUsd(v), at, y + 34, { size: fontSize.tick, colour: theme.text, align });
  };
  label(0, x, 'left');
  for (const v of legendTicks(maxUsd, w)) label(v, x + rampPosition(v, maxUsd) * w, 'center');
  if (maxUsd > 0) label(maxUsd, x + w, 'right');
}

interface HeatLayout {
  h: Heatmap;
  maxUsd: number;
  image: Canvas;
  price: number;
  marks: MeasuredMark[];
  overlay: MeasuredOverlay | undefined;
}

/** One measured level on the heatmap's grid: column, row and the tracked USD (both sides) there. */
export interface MeasuredMark {
  column: number;
  row: number;
  usd: number;
}

/**
 * The overlay on the heatmap's grid: each sample goes to the column its time falls in (the latest sample
 * of a column wins), each recorded level to the row holding its centre; levels under 5% of the largest
 * are left out so the dots show where tracked positions gather, not every account.
 */
export function measuredMarks(h: Heatmap, overlay: MeasuredOverlay | undefined): MeasuredMark[] {
  if (!overlay || h.ts.length === 0) return [];
  const t0 = h.ts[0]!;
  const byColumn = new Map<number, MeasuredOverlay['samples'][number]>();
  for (const s of overlay.samples) {
    const column = Math.floor((s.ts - t0) / h.intervalMs);
    if (column < 0 || column >= h.ts.length) continue;
    const held = byColumn.get(column);
    if (!held || s.ts >= held.ts) byColumn.set(column, s);
  }
  const cells = new Map<string, MeasuredMark>();
  for (const [column, s] of byColumn) {
    for (const [low, longUsd, shortUsd] of s.levels) {
      const row = Math.floor((low + s.bucketSize / 2 - h.priceLow) / h.bucketSize);
      if (row < 0 || row >= h.rows) continue;
      const key = `${column}:${row}`;
      const mark = cells.get(key) ?? { column, row, usd: 0 };
      mark.usd += longUsd + shortUsd;
      cells.set(key, mark);
    }
  }
  const marks = [...cells.values()];
  const max = marks.reduce((m, x) => Math.max(m, x.usd), 0);
  return marks.filter((m) => m.usd > 0 && m.usd >= max * MEASURED_MIN_SHARE).sort((a, b) => a.column - b.column || a.row - b.row);
}

function drawMarks(ctx: CanvasRenderingContext2D, chart: ChartType, layout: HeatLayout): void {
  const { h, marks } = layout;
  if (marks.length === 0) return;
  const x = chart.scales.x as Scale;
  const y = chart.scales.y as Scale;
  const columnPx = Math.abs(x.getPixelForValue(h.intervalMs) - x.getPixelForValue(0));
  const radius = Math.max(2.5, Math.min(4, columnPx / 2));
  ctx.save();
  ctx.fillStyle = MEASURED_DOT;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.lineWidth = 1;
  for (const m of marks) {
    const cx = x.getPixelForValue(h.ts[m.column]! + h.intervalMs / 2);
    const cy = y.getPixelForValue(h.priceLow + (m.row + 0.5) * h.bucketSize);
    ctx.beginPath();
    ctx.arc(cx, cy, radius, 0, Math.PI * 2);
    ctx.stroke();
    ctx.fill();
  }
  ctx.restore();
}

function drawPriceTag(ctx: CanvasRenderingContext2D, chart: ChartType, price: number): void {
  const area = chart.chartArea;
  const y = Math.round((chart.scales.y as Scale).getPixelForValue(price)) + 0.5;
  if (y < area.top || y > area.bottom) return;
  drawPriceLine(ctx, area.left, y, area.right, y, 0.75);
  const text = formatPrice(price);
  ctx.font = font(fontSize.label, 700);
  const w = ctx.measureText(text).width + 14;
  ctx.save();
  roundRect(ctx, area.right + 2, y - 11, w, 22, 4);
  ctx.fillStyle = theme.price;
  ctx.fill();
  ctx.restore();
  drawText(ctx, text, area.right + 2 + w / 2, y + 5, { size: fontSize.label, colour: theme.background, weight: 700, align: 'center' });
}

function picturePlugin(layout: HeatLayout): Plugin {
  return {
    id: 'liqmapHeatmapPicture',
    beforeDraw(chart) {
      fillBackground(chart.ctx as unknown as CanvasRenderingContext2D, chart.width, chart.height);
    },
    beforeDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      const { h } = layout;
      const area = chart.chartArea;
      const x = chart.scales.x as Scale;
      const y = chart.scales.y as Scale;
      const x0 = x.getPixelForValue(h.ts[0] ?? 0);
      const x1 = x.getPixelForValue((h.ts[h.ts.length - 1] ?? 0) + h.intervalMs);
      const yTop = y.getPixelForValue(h.priceLow + h.rows * h.bucketSize);
      const yBottom = y.getPixelForValue(h.priceLow);
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      ctx.clip();
      // Nearest-neighbour scaling keeps each price level a crisp band instead of a blur.
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(layout.image, 0, 0, layout.image.width, layout.image.height, x0, yTop, x1 - x0, yBottom - yTop);
      ctx.restore();
    },
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      drawMarks(ctx, chart, layout);
      drawPriceTag(ctx, chart, layout.price);
      if (!(layout.maxUsd > 0)) {
        const area = chart.chartArea;
        drawText(ctx, 'No estimated liquidation levels in this window', (area.left + area.right) / 2, (area.top + area.bottom) / 2, {
          size: 24,
          colour: theme.text,
          weight: 600,
          align: 'center',
        });
      }
    },
    afterDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      const { h } = layout;
      const width = chart.width;
      const left = width - 2 * MARGIN_X - LEGEND_WIDTH - 20;
      drawRuns(
        ctx,
        [
          { text: `${baseAsset(h.symbol)}  `, colour: theme.text, weight: 700 },
          { text: 'Liquidation heatmap', colour: theme.text, weight: 700 },
          { text: `  ·  ${h.window}`, colour: theme.accent, weight: 700 },
        ],
        MARGIN_X,
        42,
        fontSize.headline + 2,
        left,
      );
      drawText(ctx, `Estimated levels by time and price · ${h.symbol} perpetual · levels end where price swept them`, MARGIN_X, 70, {
        size: fontSize.subtitle,
        colour: theme.muted,
        maxWidth: left,
      });
      drawLegend(
        ctx,
        null,
        [
          { label: 'price (close)', colour: theme.price, kind: 'line' },
          { label: `current price ${formatPrice(layout.price)}`, colour: theme.price, kind: 'dash' },
          ...(layout.marks.length > 0 ? [{ label: 'measured (tracked positions)', colour: MEASURED_DOT, kind: 'swatch' as const }] : []),
        ],
        MARGIN_X,
        96,
      );
      drawColourLegend(ctx, h, layout.maxUsd, width - MARGIN_X);
      drawFooter(ctx, footerLine(layout), width, chart.height);
    },
  };
}

/** The model's facts, and the span the measured overlay covers when there is one. */
function footerLine(layout: HeatLayout): string {
  const samples = layout.overlay?.samples ?? [];
  if (layout.marks.length === 0 || samples.length === 0) return factsLine(layout.h.meta);
  const span = `measured ${formatUtcMinute(samples[0]!.ts).replace(' UTC', '')} → ${formatUtcMinute(samples[samples.length - 1]!.ts)} (Hyperliquid tracked positions, ${samples.length} samples)`;
  return `${span} · ${factsLine(layout.h.meta)}`;
}

/** Draws the heatmap on a new canvas, hands it to `use` (encode it there), then destroys the chart. */
export function withHeatmapPicture<T>(h: Heatmap, opts: PictureOptions, use: (canvas: Canvas) => T, overlay?: MeasuredOverlay): T {
  setupChartJs(); // fonts registered before the layout measures text
  const { width, height } = pictureSize(opts);
  const n = h.ts.length;
  const price = n > 0 ? h.close[n - 1]! : h.priceLow + (h.rows * h.bucketSize) / 2;
  const maxUsd = h.maxUsd;
  const layout: HeatLayout = { h, maxUsd, image: cellImage(h, maxUsd), price, marks: measuredMarks(h, overlay), overlay };
  const xMin = h.ts[0] ?? 0;
  const xMax = (h.ts[n - 1] ?? 0) + h.intervalMs;
  const yMin = h.priceLow;
  const yMax = h.priceLow + Math.max(1, h.rows) * h.bucketSize;
  const path = h.ts.map((ts, i) => ({ x: ts + h.intervalMs, y: h.close[i]! }));
  if (n > 0) path.unshift({ x: h.ts[0]!, y: h.open[0]! });

  const canvas = createCanvas(width, height);
  const config: ChartConfiguration = {
    type: 'line',
    data: {
      datasets: [
        { data: path, borderColor: theme.price, borderWidth: 1.6, pointRadius: 0, tension: 0, order: 1 },
        // A dark halo under the path keeps it readable over the brightest cells.
        { data: path, borderColor: 'rgba(0, 0, 0, 0.65)', borderWidth: 4.5, pointRadius: 0, tension: 0, order: 2 },
      ],
    },
    options: {
      layout: { padding: { top: HEADER_HEIGHT, bottom: FOOTER_HEIGHT + 4, left: MARGIN_X - 8, right: MARGIN_X - 8 } },
      scales: {
        x: {
          type: 'linear',
          min: xMin,
          max: xMax,
          grid: { display: false },
          border: { color: theme.axis },
          afterBuildTicks: (scale) => {
            scale.ticks = timeTicks(xMin, xMax, 8).map((t) => ({ value: t.ts }));
          },
          ticks: {
            color: theme.muted,
            font: { size: fontSize.tick + 1 },
            padding: 8,
            maxRotation: 0,
            autoSkip: false,
            callback: (value) => timeTicks(Number(value), Number(value), 1)[0]?.label ?? '',
          },
        },
        y: {
          type: 'linear',
          min: yMin,
          max: yMax,
          position: 'right',
          grid: { display: false },
          border: { color: theme.axis },
          ticks: {
            color: theme.muted,
            font: { size: fontSize.tick + 1 },
            padding: 8,
            maxTicksLimit: 9,
            includeBounds: false,
            callback: (value, index, ticks) => {
              const step = ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : h.bucketSize;
              // The current price has its own tag; a tick right under it would be hidden anyway.
              if (Math.abs(Number(value) - price) < step * 0.3) return '';
              return formatPriceTick(Number(value), step);
            },
          },
        },
      },
    },
    plugins: [picturePlugin(layout)],
  };
  return drawChart(canvas, config as ChartConfiguration, use);
}

/** The heatmap as PNG bytes, drawn in the calling thread (the pool's workers call this). */
export function renderHeatmapPng(h: Heatmap, opts: PictureOptions = {}, overlay?: MeasuredOverlay): Buffer {
  return withHeatmapPicture(h, opts, encodePng, overlay);
}
