// The estimate and the measured map in one picture: mirrored bars on one price axis, the estimate
// above the centre line and the measured positions (their own liquidation prices) below it, each half
// on its own USD scale (the estimate covers a whole market, the measured map the accounts tracked),
// with coverage and the data's age in the footer.
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import type { Chart as ChartType, ChartConfiguration, Plugin, Scale } from 'chart.js';
import { baseAsset, formatPct, formatPrice, formatRatio, formatUsd, priceDecimals } from '../analysis/format.js';
import type { MeasuredMap } from '../analysis/measured-map.js';
import type { Cluster, LiquidationMap } from '../analysis/types.js';
import { drawChart, setupChartJs } from './chartjs.js';
import { drawFooter, drawLegend, drawPriceLine, drawRuns, drawText, drawSideBackdrop, MARGIN_X, pictureSize, roundRect, type TextRun } from './frame.js';
import { factsLine, niceAxis, type PictureOptions } from './map-picture.js';
import { encodePng } from './png.js';
import { formatPriceTick } from './price-ticks.js';
import { font, fontSize, theme } from './theme.js';

export interface MeasuredPictureInput {
  estimate: LiquidationMap;
  measured: MeasuredMap;
  /** Where the estimate comes from; default its venues, window and data time (map-picture's factsLine). */
  estimateFacts?: string;
  /** What was measured and how fresh it is, with coverage (e.g. "312 positions of 1,204 accounts, polled ≤ 4 min ago · coverage …"). */
  measuredFacts: string;
}

interface Bucket {
  priceLow: number;
  priceHigh: number;
  longUsd: number;
  shortUsd: number;
}

interface Layout {
  input: MeasuredPictureInput;
  estimated: Bucket[];
  measured: Bucket[];
  estimatedAxis: { max: number; step: number };
  measuredAxis: { max: number; step: number };
  rangeLow: number;
  rangeHigh: number;
  price: number;
}

const HEADER_HEIGHT = 118;
const FOOTER_HEIGHT = 62;
const BAR_SHARE = 0.82;
const HEADROOM = 1.25;

const centre = (b: Bucket) => (b.priceLow + b.priceHigh) / 2;

function headline(input: MeasuredPictureInput): TextRun[] {
  return [
    { text: `${baseAsset(input.estimate.meta.symbol)}  `, colour: theme.text, weight: 700 },
    { text: 'Estimated', colour: theme.text, weight: 700 },
    { text: ' vs ', colour: theme.muted, weight: 600 },
    { text: 'measured', colour: theme.accent, weight: 700 },
    { text: ' liquidation map', colour: theme.text, weight: 700 },
  ];
}

function sideRuns(label: string, shortAbove: number, longBelow: number, ratio: string, labelColour: string): TextRun[] {
  return [
    { text: `${label}: `, colour: labelColour, weight: 600 },
    { text: `shorts ${formatUsd(shortAbove)} above`, colour: theme.short, weight: 600 },
    { text: ' · ', colour: theme.muted },
    { text: `longs ${formatUsd(longBelow)} below`, colour: theme.long, weight: 600 },
    { text: ` · ${ratio}`, colour: theme.muted },
  ];
}

function drawHeader(ctx: CanvasRenderingContext2D, width: number, layout: Layout): void {
  const { input } = layout;
  drawRuns(ctx, headline(input), MARGIN_X, 40, fontSize.headline + 2, width - 2 * MARGIN_X);
  const d = priceDecimals(layout.price);
  const pct = Math.round(((layout.rangeHigh - layout.price) / layout.price) * 1000) / 10;
  const subtitle = `price ${formatPrice(layout.price, d)} · range ±${pct}% · bucket ${formatPriceTick(input.measured.bucketSize, input.measured.bucketSize)} · each half on its own scale`;
  drawText(ctx, subtitle, MARGIN_X, 66, { size: fontSize.subtitle, colour: theme.muted, maxWidth: width - 2 * MARGIN_X });
  const e = input.estimate;
  const m = input.measured;
  const half = (width - 2 * MARGIN_X) / 2;
  drawRuns(ctx, sideRuns('▲ Estimated', e.shortAbove, e.longBelow, formatRatio(e), theme.text), MARGIN_X, 94, fontSize.legend, half - 12, 12);
  drawRuns(ctx, sideRuns('▼ Measured', m.shortAbove, m.longBelow, m.ratioKind === 'empty' ? 'nothing in range' : formatRatio(m), theme.accent), MARGIN_X + half, 94, fontSize.legend, half, 12);
}

/** Bars of one half: upward (estimate) or downward (measured), longs and shorts stacked in one bucket. */
function drawHalf(ctx: CanvasRenderingContext2D, chart: ChartType, buckets: Bucket[], axisMax: number, direction: 1 | -1, alpha: number): void {
  const x = chart.scales.x as Scale;
  const y = chart.scales.y as Scale;
  const zero = y.getPixelForValue(0);
  for (const b of buckets) {
    const left = x.getPixelForValue(b.priceLow);
    const right = x.getPixelForValue(b.priceHigh);
    const width = Math.max(1, (right - left) * BAR_SHARE);
    const x0 = Math.round(left + (right - left - width) / 2);
    const w = Math.max(1, Math.round(width));
    let usd = 0;
    let from = zero;
    for (const [v, colour] of [
      [b.longUsd, theme.long],
      [b.shortUsd, theme.short],
    ] as const) {
      if (!(v > 0)) continue;
      usd += v;
      const to = y.getPixelForValue((direction * usd) / axisMax);
      ctx.globalAlpha = alpha;
      ctx.fillStyle = colour;
      ctx.fillRect(x0, Math.min(from, to), w, Math.abs(to - from));
      from = to;
    }
  }
  ctx.globalAlpha = 1;
}

/** USD ticks of both halves on the left axis, the centre line and the halves' names. */
function drawAxes(ctx: CanvasRenderingContext2D, chart: ChartType, layout: Layout): void {
  const y = chart.scales.y as Scale;
  const area = chart.chartArea;
  for (const [axis, direction, buckets] of [
    [layout.estimatedAxis, 1, layout.estimated],
    [layout.measuredAxis, -1, layout.measured],
  ] as const) {
    if (buckets.length === 0) continue;
    for (let v = axis.step; v <= axis.max + 1e-9; v += axis.step) {
      const py = Math.round(y.getPixelForValue((direction * v) / axis.max)) + 0.5;
      ctx.strokeStyle = theme.grid;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(area.left, py);
      ctx.lineTo(area.right, py);
      ctx.stroke();
      drawText(ctx, formatUsd(v), area.left - 8, py + 5, { size: fontSize.tick, colour: theme.muted, align: 'right' });
    }
  }
  const zero = Math.round(y.getPixelForValue(0)) + 0.5;
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(area.left, zero);
  ctx.lineTo(area.right, zero);
  ctx.stroke();
  // The halves' names in the outer corners, where the bars are lowest (far from the price).
  drawText(ctx, '▲ estimated (model)', area.left + 8, area.top + 20, { size: fontSize.label, colour: theme.text, weight: 600 });
  drawText(ctx, "▼ measured (positions' own liquidation prices)", area.left + 8, area.bottom - 10, { size: fontSize.label, colour: theme.accent, weight: 600 });
}

/** The largest cluster of each side of each half, as a small tag beyond its bar. */
function drawClusterTags(ctx: CanvasRenderingContext2D, chart: ChartType, clusters: Cluster[], buckets: Bucket[], axisMax: number, direction: 1 | -1): void {
  const x = chart.scales.x as Scale;
  const y = chart.scales.y as Scale;
  const area = chart.chartArea;
  const d = priceDecimals(clusters[0]?.price ?? 1);
  for (const c of clusters) {
    const bucket = buckets.find((b) => c.price >= b.priceLow && c.price <= b.priceHigh);
    const total = bucket ? bucket.longUsd + bucket.shortUsd : c.usd;
    const text = `${formatUsd(c.usd)} · ${formatPrice(c.price, d)} (${formatPct(c.distancePct)})`;
    ctx.font = font(fontSize.label - 1, 600);
    const w = ctx.measureText(text).width + 12;
    const px = Math.min(Math.max(x.getPixelForValue(c.price) - w / 2, area.left + 2), area.right - w - 2);
    const barEnd = y.getPixelForValue((direction * total) / axisMax);
    const py = direction === 1 ? Math.max(area.top + 2, barEnd - 26) : Math.min(area.bottom - 24, barEnd + 4);
    const colour = c.side === 'long' ? theme.long : theme.short;
    ctx.save();
    roundRect(ctx, px, py, w, 22, 5);
    ctx.fillStyle = theme.labelBackground;
    ctx.fill();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.restore();
    drawText(ctx, text, px + 6, py + 16, { size: fontSize.label - 1, colour, weight: 600 });
  }
}

function picturePlugin(layout: Layout): Plugin {
  return {
    id: 'liqmapMeasuredPicture',
    beforeDraw(chart) {
      drawSideBackdrop(chart, layout.price);
    },
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      const area = chart.chartArea;
      drawAxes(ctx, chart, layout);
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      ctx.clip();
      drawHalf(ctx, chart, layout.estimated, layout.estimatedAxis.max, 1, 1);
      drawHalf(ctx, chart, layout.measured, layout.measuredAxis.max, -1, 0.85);
      ctx.restore();
      const px = Math.round((chart.scales.x as Scale).getPixelForValue(layout.price)) + 0.5;
      drawPriceLine(ctx, px, area.top, px, area.bottom, 0.85);
      const { estimate, measured } = layout.input;
      const top = (cs: Cluster[]) => cs.slice(0, 1);
      drawClusterTags(ctx, chart, [...top(estimate.longClusters), ...top(estimate.shortClusters)], layout.estimated, layout.estimatedAxis.max, 1);
      drawClusterTags(ctx, chart, [...top(measured.longClusters), ...top(measured.shortClusters)], layout.measured, layout.measuredAxis.max, -1);
      if (layout.measured.length === 0) {
        drawText(ctx, 'no measured liquidation price in range', (area.left + area.right) / 2, (chart.scales.y as Scale).getPixelForValue(-0.5), { size: 20, colour: theme.muted, align: 'center' });
      }
    },
    afterDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      drawHeader(ctx, chart.width, layout);
      drawLegend(ctx, null, [
        { label: 'longs (liquidated below)', colour: theme.long, kind: 'swatch' },
        { label: 'shorts (liquidated above)', colour: theme.short, kind: 'swatch' },
      ], chart.width - MARGIN_X - 430, 66);
      drawText(ctx, `measured: ${layout.input.measuredFacts}`, MARGIN_X, chart.height - 46, { size: fontSize.footer, colour: theme.accent, maxWidth: chart.width - 2 * MARGIN_X });
      drawFooter(ctx, `estimate: ${layout.input.estimateFacts ?? factsLine(layout.input.estimate.meta)}`, chart.width, chart.height);
    },
  };
}

/** Draws the picture on a new canvas, hands it to `use`, then destroys the chart. */
export function withMeasuredPicture<T>(input: MeasuredPictureInput, opts: PictureOptions, use: (canvas: Canvas) => T): T {
  setupChartJs();
  const { width, height } = pictureSize(opts);
  const { measured } = input;
  const price = measured.price;
  const rangeLow = measured.rangeLow;
  const rangeHigh = measured.rangeHigh;
  const inRange = (b: Bucket) => centre(b) >= rangeLow && centre(b) <= rangeHigh;
  const estimated = input.estimate.buckets.filter(inRange);
  const measuredBuckets = measured.buckets.filter(inRange);
  const maxOf = (bs: Bucket[]) => bs.reduce((m, b) => Math.max(m, b.longUsd + b.shortUsd), 0);
  const layout: Layout = {
    input,
    estimated,
    measured: measuredBuckets,
    estimatedAxis: niceAxis(maxOf(estimated) * HEADROOM, 3),
    measuredAxis: niceAxis(maxOf(measuredBuckets) * HEADROOM, 3),
    rangeLow,
    rangeHigh,
    price,
  };
  const canvas = createCanvas(width, height);
  const config: ChartConfiguration = {
    type: 'line',
    data: { datasets: [] },
    options: {
      layout: { padding: { top: HEADER_HEIGHT, bottom: FOOTER_HEIGHT, left: MARGIN_X + 52, right: MARGIN_X } },
      scales: {
        x: {
          type: 'linear',
          min: rangeLow,
          max: rangeHigh,
          grid: { color: theme.grid, drawTicks: false },
          border: { color: theme.axis },
          ticks: {
            color: theme.muted,
            font: { size: fontSize.tick + 1 },
            padding: 8,
            maxTicksLimit: 10,
            maxRotation: 0,
            includeBounds: false,
            callback: (value, _index, ticks) => formatPriceTick(Number(value), ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : measured.bucketSize),
          },
        },
        y: { type: 'linear', min: -1, max: 1, display: false },
      },
    },
    plugins: [picturePlugin(layout)],
  };
  return drawChart(canvas, config, use);
}

export function renderMeasuredPng(input: MeasuredPictureInput, opts: PictureOptions = {}): Buffer {
  return withMeasuredPicture(input, opts, encodePng);
}
