// Our map and CoinGlass's on one price axis: ours above the axis, CoinGlass's (re-binned onto our
// buckets, analysis/compare.ts) mirrored below it, each half on its own USD scale (CoinGlass's levels are
// its own model's intensities, not our dollars), longs red left of the price, shorts green right. The
// headline gives both ratios and the rank correlation of the two maps per side.
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import type { Chart as ChartType, ChartConfiguration, Plugin, Scale } from 'chart.js';
import type { MapComparison, SideTotals } from '../analysis/compare.js';
import { baseAsset, formatPrice, formatRatio, formatUsd, priceDecimals, venueName } from '../analysis/format.js';
import type { LiquidationMap } from '../analysis/types.js';
import { drawChart, setupChartJs } from './chartjs.js';
import { drawFooter, drawLegend, drawPriceLine, drawRuns, drawText, drawSideBackdrop, MARGIN_X, pictureSize, roundRect, type TextRun } from './frame.js';
import { factsLine, niceAxis, type PictureOptions } from './map-picture.js';
import { encodePng } from './png.js';
import { formatPriceTick, priceScale } from './price-ticks.js';
import { font, fontSize, theme } from './theme.js';

const HEADER_HEIGHT = 112;
const FOOTER_HEIGHT = 44;
/** Share of a bucket's width its bar fills. */
const BAR_SHARE = 0.82;
/** CoinGlass's half: the side colours, dimmed, so the two maps never read as one. */
const THEIRS_ALPHA = 0.55;

function ratioText(t: SideTotals): string {
  return formatRatio(t);
}

function correlation(r: number | null): string {
  return r === null ? 'n/a' : r.toFixed(2);
}

function headline(c: MapComparison): TextRun[] {
  return [
    { text: `${baseAsset(c.symbol)}  `, colour: theme.text, weight: 700 },
    { text: `liqmap ${ratioText(c.ours)}`, colour: theme.accent, weight: 700 },
    { text: '  vs  ', colour: theme.muted, weight: 600 },
    { text: `CoinGlass ${ratioText(c.theirs)}`, colour: theme.text, weight: 700 },
  ];
}

interface Layout {
  comparison: MapComparison;
  map: LiquidationMap;
  /** Axis tops of each half, in USD. */
  oursMax: number;
  theirsMax: number;
  oursStep: number;
  theirsStep: number;
}

/** USD of one half → the shared y value: ours in (0, 1], theirs in [−1, 0). */
function yOf(layout: Layout, usd: number, half: 'ours' | 'theirs'): number {
  return half === 'ours' ? usd / layout.oursMax : -usd / layout.theirsMax;
}

function drawBars(ctx: CanvasRenderingContext2D, chart: ChartType, layout: Layout): void {
  const x = chart.scales.x as Scale;
  const y = chart.scales.y as Scale;
  const area = chart.chartArea;
  const zero = y.getPixelForValue(0);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  for (const b of layout.comparison.buckets) {
    const left = x.getPixelForValue(b.priceLow);
    const right = x.getPixelForValue(b.priceHigh);
    const width = Math.max(1, Math.round((right - left) * BAR_SHARE));
    const x0 = Math.round(left + (right - left - width) / 2);
    const below = (b.priceLow + b.priceHigh) / 2 < layout.comparison.price;
    const colour = below ? theme.long : theme.short;
    const ours = b.ours.longUsd + b.ours.shortUsd;
    if (ours > 0) {
      const top = y.getPixelForValue(yOf(layout, ours, 'ours'));
      ctx.fillStyle = colour;
      ctx.fillRect(x0, top, width, zero - top);
    }
    const theirs = b.theirs.longUsd + b.theirs.shortUsd;
    if (theirs > 0) {
      const bottom = y.getPixelForValue(yOf(layout, theirs, 'theirs'));
      ctx.globalAlpha = THEIRS_ALPHA;
      ctx.fillStyle = colour;
      ctx.fillRect(x0, zero, width, bottom - zero);
      ctx.globalAlpha = 1;
    }
  }
  ctx.restore();
}

/** The price line and tag, and the name of each half at its outer edge. */
function drawMarkers(ctx: CanvasRenderingContext2D, chart: ChartType, layout: Layout): void {
  const area = chart.chartArea;
  const y = chart.scales.y as Scale;
  const px = Math.round((chart.scales.x as Scale).getPixelForValue(layout.comparison.price)) + 0.5;
  drawPriceLine(ctx, px, area.top + 26, px, area.bottom, 0.85);
  const zero = Math.round(y.getPixelForValue(0)) + 0.5;
  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(area.left, zero);
  ctx.lineTo(area.right, zero);
  ctx.stroke();
  ctx.restore();

  const text = formatPrice(layout.comparison.price);
  ctx.font = font(fontSize.label + 1, 700);
  const w = ctx.measureText(text).width + 18;
  const tagX = Math.min(Math.max(px - w / 2, area.left), area.right - w);
  ctx.save();
  roundRect(ctx, tagX, area.top + 2, w, 24, 5);
  ctx.fillStyle = theme.price;
  ctx.fill();
  ctx.restore();
  drawText(ctx, text, tagX + w / 2, area.top + 19, { size: fontSize.label + 1, colour: theme.background, weight: 700, align: 'center' });

  const label = (t: string, yPx: number) => {
    ctx.font = font(fontSize.label, 600);
    const tw = ctx.measureText(t).width + 16;
    ctx.save();
    roundRect(ctx, area.left + 8, yPx - 17, tw, 24, 5);
    ctx.fillStyle = theme.labelBackground;
    ctx.fill();
    ctx.restore();
    drawText(ctx, t, area.left + 16, yPx, { size: fontSize.label, colour: theme.text, weight: 600 });
  };
  label(`▲ liqmap, estimated from ${layout.map.meta.venues.map((v) => venueName(v.venue)).join(' + ')}`, area.top + 44);
  label('▼ CoinGlass aggregated liquidation map', area.bottom - 12);
}

function drawHeader(ctx: CanvasRenderingContext2D, chart: ChartType, layout: Layout): void {
  const c = layout.comparison;
  const width = chart.width;
  drawRuns(ctx, headline(c), MARGIN_X, 42, fontSize.headline + 2, width - 2 * MARGIN_X);
  const subtitle = [
    `liqmap: shorts ${formatUsd(c.ours.shortAbove)} above, longs ${formatUsd(c.ours.longBelow)} below`,
    `CoinGlass: ${formatUsd(c.theirs.shortAbove)} above, ${formatUsd(c.theirs.longBelow)} below (its own scale)`,
    `rank correlation per bucket: longs ${correlation(c.spearman.long)}, shorts ${correlation(c.spearman.short)}`,
  ].join(' · ');
  drawText(ctx, subtitle, MARGIN_X, 70, { size: fontSize.subtitle, colour: theme.muted, maxWidth: width - 2 * MARGIN_X });
  const d = priceDecimals(c.price);
  const rangePct = Number((((c.rangeHigh - c.price) / c.price) * 100).toFixed(1));
  const used = drawLegend(
    ctx,
    null,
    [
      { label: 'longs (below the price)', colour: theme.long, kind: 'swatch' },
      { label: 'shorts (above)', colour: theme.short, kind: 'swatch' },
    ],
    MARGIN_X,
    96,
  );
  drawText(ctx, `liqmap above the axis, CoinGlass mirrored below · price ${formatPrice(c.price, d)} · range ±${rangePct}% · bucket ${formatPriceTick(c.bucketSize, c.bucketSize)} (${c.compared.long} + ${c.compared.short} buckets compared)`, MARGIN_X + used + 8, 101, {
    size: fontSize.legend - 1,
    colour: theme.muted,
    maxWidth: width - 2 * MARGIN_X - used - 8,
  });
}

function picturePlugin(layout: Layout): Plugin {
  return {
    id: 'liqmapComparePicture',
    beforeDraw(chart) {
      drawSideBackdrop(chart, layout.comparison.price);
    },
    beforeDatasetsDraw(chart) {
      drawBars(chart.ctx as unknown as CanvasRenderingContext2D, chart, layout);
    },
    afterDatasetsDraw(chart) {
      drawMarkers(chart.ctx as unknown as CanvasRenderingContext2D, chart, layout);
    },
    afterDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      drawHeader(ctx, chart, layout);
      const outside = layout.comparison.theirsOutsideUsd > 0 ? ` · CoinGlass ${formatUsd(layout.comparison.theirsOutsideUsd)} outside the range` : '';
      drawFooter(ctx, `${factsLine(layout.map.meta)}${outside}`, chart.width, chart.height);
    },
  };
}

/** Headroom above each half's tallest bar, as a multiple of it. */
const HEADROOM = 1.25;

/** Draws the comparison on a new canvas, hands it to `use`, then destroys the chart. */
export function withComparePicture<T>(comparison: MapComparison, map: LiquidationMap, opts: PictureOptions, use: (canvas: Canvas) => T): T {
  setupChartJs();
  const { width, height } = pictureSize(opts);
  const oursTop = Math.max(0, ...comparison.buckets.map((b) => b.ours.longUsd + b.ours.shortUsd));
  const theirsTop = Math.max(0, ...comparison.buckets.map((b) => b.theirs.longUsd + b.theirs.shortUsd));
  const ours = niceAxis(oursTop * HEADROOM, 3);
  const theirs = niceAxis(theirsTop * HEADROOM, 3);
  const layout: Layout = { comparison, map, oursMax: ours.max, theirsMax: theirs.max, oursStep: ours.step, theirsStep: theirs.step };
  // One y axis from −1 (CoinGlass's top) to 1 (ours): ticks at each half's own round steps.
  const ticks = [
    ...Array.from({ length: Math.round(ours.max / ours.step) + 1 }, (_, i) => i * ours.step / ours.max),
    ...Array.from({ length: Math.round(theirs.max / theirs.step) }, (_, i) => -((i + 1) * theirs.step) / theirs.max),
  ];
  const canvas = createCanvas(width, height);
  const config: ChartConfiguration = {
    type: 'line',
    data: { datasets: [] },
    options: {
      layout: { padding: { top: HEADER_HEIGHT, bottom: FOOTER_HEIGHT + 4, left: MARGIN_X - 8, right: MARGIN_X - 8 } },
      scales: {
        x: priceScale(comparison.rangeLow, comparison.rangeHigh, comparison.bucketSize),
        y: {
          type: 'linear',
          min: -1,
          max: 1,
          position: 'left',
          grid: { color: theme.grid, drawTicks: false },
          border: { display: false },
          afterBuildTicks: (scale) => {
            scale.ticks = ticks.map((value) => ({ value }));
          },
          ticks: {
            color: theme.muted,
            font: { size: fontSize.tick },
            padding: 8,
            callback: (v) => {
              const n = Number(v);
              return formatUsd(n >= 0 ? n * layout.oursMax : -n * layout.theirsMax);
            },
          },
        },
      },
    },
    plugins: [picturePlugin(layout)],
  };
  return drawChart(canvas, config as ChartConfiguration, use);
}

/** The comparison as PNG bytes, drawn in the calling thread. */
export function renderComparePng(comparison: MapComparison, map: LiquidationMap, opts: PictureOptions = {}): Buffer {
  return withComparePicture(comparison, map, opts, encodePng);
}
