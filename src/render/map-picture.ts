// The liquidation map as a picture: bars per price bucket stacked by leverage tier (longs left of the
// price, shorts right), cumulative curves on a second axis, the price line, labelled clusters, a headline
// with the ratio and a footer with the facts behind it.
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import type { Chart as ChartType, ChartConfiguration, Plugin, Scale } from 'chart.js';
import { baseAsset, forcedFlowEstimates, formatPct, formatPrice, formatRatio, formatUsd, priceDecimals, venueName } from '../analysis/format.js';
import type { Cluster, ForcedFlowEstimate, LiquidationMap, MapBucket } from '../analysis/types.js';
import { drawChart, setupChartJs } from './chartjs.js';
import { pictureSize, drawFooter, drawLegend, drawPriceLine, drawRuns, drawText, drawSideBackdrop, MARGIN_X, roundRect, type LegendItem, type TextRun } from './frame.js';
import { leaderOf, placeLabels, type BarSpan, type Box, type LabelRequest } from './label-layout.js';
import { encodePng } from './png.js';
import { formatPriceTick, priceScale } from './price-ticks.js';
import { font, fontSize, theme, tierColour } from './theme.js';
import { formatInterval, formatUtc } from './time-labels.js';

export interface PictureOptions {
  /** Pixels; default 1200×675 (16:9, what Discord and Telegram preview without cropping). */
  width?: number;
  height?: number;
}

const HEADER_HEIGHT = 112;
/** A row below the legend for the calibrated forced flow, when the map carries it. */
const FORCED_FLOW_ROW = 26;
const FOOTER_HEIGHT = 44;

const centre = (b: MapBucket) => (b.priceLow + b.priceHigh) / 2;

/** Facts line shared by both pictures: venues, window, bar interval, data time. */
export function factsLine(meta: LiquidationMap['meta']): string {
  const parts = [
    meta.venues.map((v) => venueName(v.venue)).join(' + ') || 'no venue',
    `${meta.window} window`,
    `${formatInterval(meta.intervalMs)} bars`,
    `data to ${formatUtc(meta.dataTime)}`,
  ];
  if (meta.venuesFailed.length > 0) parts.push(`no data from ${meta.venuesFailed.map((f) => venueName(f.venue)).join(', ')}`);
  return parts.join(' · ');
}

function headline(map: LiquidationMap): TextRun[] {
  return [
    { text: `${baseAsset(map.meta.symbol)}  `, colour: theme.text, weight: 700 },
    { text: 'Modelled: ', colour: theme.muted, weight: 600 },
    { text: `shorts ${formatUsd(map.shortAbove)} above`, colour: theme.short, weight: 700 },
    { text: ' vs ', colour: theme.muted, weight: 600 },
    { text: `longs ${formatUsd(map.longBelow)} below`, colour: theme.long, weight: 700 },
    { text: '  ·  ', colour: theme.muted, weight: 600 },
    { text: formatRatio(map), colour: theme.accent, weight: 700 },
  ];
}

interface CurvePoint {
  x: number;
  y: number;
}

/** Cumulative USD outward from the price, flat across empty buckets, rising across each full one. */
function cumulativeCurve(buckets: MapBucket[], price: number, side: 'long' | 'short'): CurvePoint[] {
  const points: CurvePoint[] = [{ x: price, y: 0 }];
  let acc = 0;
  const ordered = side === 'long' ? [...buckets].reverse() : buckets;
  for (const b of ordered) {
    const usd = side === 'long' ? b.longUsd : b.shortUsd;
    if (usd <= 0) continue;
    if (side === 'long' ? b.priceLow > price : b.priceHigh < price) continue;
    const inner = side === 'long' ? Math.min(b.priceHigh, price) : Math.max(b.priceLow, price);
    const outer = side === 'long' ? b.priceLow : b.priceHigh;
    points.push({ x: inner, y: acc });
    acc += usd;
    points.push({ x: outer, y: acc });
  }
  return side === 'long' ? points.reverse() : points;
}

interface MapLayout {
  map: LiquidationMap;
  inRange: MapBucket[];
  totals: number[];
  rangePct: number;
}

function drawClusterLabels(ctx: CanvasRenderingContext2D, chart: ChartType, layout: MapLayout, reserved: Box[]): void {
  const { map, inRange, totals } = layout;
  const x = chart.scales.x as Scale;
  const y = chart.scales.y as Scale;
  const area = chart.chartArea;
  const bars: BarSpan[] = inRange.map((b, i) => ({
    x0: x.getPixelForValue(b.priceLow),
    x1: x.getPixelForValue(b.priceHigh),
    top: y.getPixelForValue(totals[i]!),
  }));
  const decimals = priceDecimals(map.price);
  const clusters: Cluster[] = [...map.shortClusters, ...map.longClusters].sort((a, b) => b.usd - a.usd);
  const lines = clusters.map((c) => ({
    money: formatUsd(c.usd),
    where: `${formatPrice(c.price, decimals)} · ${formatPct(c.distancePct)}`,
    price: formatPrice(c.price, decimals),
  }));
  const widths = lines.map((l) => {
    ctx.font = font(fontSize.label + 1, 700);
    const money = ctx.measureText(l.money).width;
    ctx.font = font(fontSize.label - 1, 400);
    return { money, where: ctx.measureText(l.where).width, price: ctx.measureText(l.price).width };
  });
  const anchors = clusters.map((c) => {
    const bucket = inRange.findIndex((b) => c.price >= b.priceLow && c.price <= b.priceHigh);
    return { anchorX: x.getPixelForValue(c.price), anchorY: bucket >= 0 ? bars[bucket]!.top : y.getPixelForValue(c.usd), side: c.side === 'long' ? (-1 as const) : (1 as const) };
  });
  const labelArea = { left: area.left, right: area.right, top: area.top, bottom: area.bottom, divider: x.getPixelForValue(map.price) };
  // Two lines (USD; price · distance) read best; when clusters crowd, one-line labels (USD price) need
  // half the height and often find clean spots the larger ones cannot.
  const full: LabelRequest[] = anchors.map((a, i) => ({ ...a, w: Math.ceil(Math.max(widths[i]!.money, widths[i]!.where)) + 16, h: 40 }));
  let placed = placeLabels(full, bars, reserved, labelArea);
  let compact = false;
  const misplaced = (ps: typeof placed) => ps.filter((p) => p === null || p.relaxed === true).length;
  if (misplaced(placed) > 0) {
    const small: LabelRequest[] = anchors.map((a, i) => ({ ...a, w: Math.ceil(widths[i]!.money + 6 + widths[i]!.price) + 14, h: 24 }));
    const alternative = placeLabels(small, bars, reserved, labelArea);
    if (misplaced(alternative) < misplaced(placed)) {
      placed = alternative;
      compact = true;
    }
  }
  placed.forEach((p, i) => {
    if (!p) return;
    const c = clusters[i]!;
    const colour = c.side === 'long' ? theme.long : theme.short;
    const leader = leaderOf(p);
    ctx.save();
    if (leader.y0 - leader.y1 > 8 || Math.abs(leader.x1 - leader.x0) > 2) {
      ctx.strokeStyle = colour;
      ctx.globalAlpha = 0.7;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(leader.x0, leader.y0);
      ctx.lineTo(leader.x1, leader.y1);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    roundRect(ctx, p.x, p.y, p.w, p.h, 6);
    ctx.fillStyle = theme.labelBackground;
    ctx.fill();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.2;
    ctx.stroke();
    ctx.restore();
    if (compact) {
      drawText(ctx, lines[i]!.money, p.x + 7, p.y + 17, { size: fontSize.label + 1, colour, weight: 700 });
      drawText(ctx, lines[i]!.price, p.x + 7 + widths[i]!.money + 6, p.y + 17, { size: fontSize.label - 1, colour: theme.text });
    } else {
      drawText(ctx, lines[i]!.money, p.x + 8, p.y + 18, { size: fontSize.label + 1, colour, weight: 700 });
      drawText(ctx, lines[i]!.where, p.x + 8, p.y + 34, { size: fontSize.label - 1, colour: theme.text });
    }
  });
}

/** A cumulative USD curve on the right axis, filled down to zero, drawn over the bars. */
function curveDataset(label: string, data: unknown[], colour: string, fill: string) {
  return { type: 'line' as const, label, data, borderColor: colour, backgroundColor: fill, fill: 'origin', borderWidth: 2.5, pointRadius: 0, tension: 0, yAxisID: 'cumulative', order: 1 };
}

/** The price line with its tag and the side hints beside it; returns the boxes labels must avoid. */
function drawPriceMarker(ctx: CanvasRenderingContext2D, chart: ChartType, map: LiquidationMap): Box[] {
  const area = chart.chartArea;
  const px = Math.round((chart.scales.x as Scale).getPixelForValue(map.price)) + 0.5;
  drawPriceLine(ctx, px, area.top + 26, px, area.bottom, 0.85);

  const text = formatPrice(map.price);
  ctx.font = font(fontSize.label + 1, 700);
  const w = ctx.measureText(text).width + 18;
  const tag: Box = { x: Math.min(Math.max(px - w / 2, area.left), area.right - w), y: area.top + 2, w, h: 24 };
  ctx.save();
  roundRect(ctx, tag.x, tag.y, tag.w, tag.h, 5);
  ctx.fillStyle = theme.price;
  ctx.fill();
  ctx.restore();
  drawText(ctx, text, tag.x + tag.w / 2, tag.y + 17, { size: fontSize.label + 1, colour: theme.background, weight: 700, align: 'center' });

  const boxes: Box[] = [tag];
  ctx.font = font(fontSize.label - 1, 600);
  const left = '◀ longs liquidated below';
  const right = 'shorts liquidated above ▶';
  const lw = ctx.measureText(left).width;
  const rw = ctx.measureText(right).width;
  if (tag.x - 10 - lw >= area.left) {
    drawText(ctx, left, tag.x - 10, tag.y + 17, { size: fontSize.label - 1, colour: theme.long, weight: 600, align: 'right' });
    boxes.push({ x: tag.x - 10 - lw, y: tag.y, w: lw, h: tag.h });
  }
  if (tag.x + tag.w + 10 + rw <= area.right) {
    drawText(ctx, right, tag.x + tag.w + 10, tag.y + 17, { size: fontSize.label - 1, colour: theme.short, weight: 600 });
    boxes.push({ x: tag.x + tag.w + 10, y: tag.y, w: rw, h: tag.h });
  }
  return boxes;
}

/**
 * One estimate per side for the picture (the summary text has them all): longs first, an asked level
 * in place of its side's nearest cluster.
 */
function pictureFlows(map: LiquidationMap): ForcedFlowEstimate[] {
  const all = forcedFlowEstimates(map);
  return (['long', 'short'] as const).map((side) => all.find((e) => e.side === side)).filter((e) => e !== undefined);
}

/**
 * "Calibrated forced flow (80% band): to 62,700 −2.9% ≈ $11M of longs ($1.4M–$21M) · …": what the bars
 * would mean in liquidations that really happen, beside the modelled book the bars show.
 */
function forcedFlowRuns(flows: ForcedFlowEstimate[], decimals: number): TextRun[] {
  const runs: TextRun[] = [
    { text: 'Calibrated forced flow', colour: theme.accent, weight: 700 },
    { text: ' (80% band):  ', colour: theme.muted, weight: 400 },
  ];
  flows.forEach((e, i) => {
    if (i > 0) runs.push({ text: '  ·  ', colour: theme.muted });
    const colour = e.side === 'long' ? theme.long : theme.short;
    runs.push({ text: `to ${formatPrice(e.price, decimals)} ${formatPct(e.distancePct)} ≈ ${formatUsd(e.usd)} of ${e.side}s`, colour, weight: 600 });
    runs.push({ text: ` (${formatUsd(e.lowUsd)}–${formatUsd(e.highUsd)}${e.extrapolated ? ', beyond fit' : ''})`, colour: theme.text });
  });
  return runs;
}

function drawHeader(ctx: CanvasRenderingContext2D, chart: ChartType, map: LiquidationMap, rangePct: number): void {
  const width = chart.width;
  drawRuns(ctx, headline(map), MARGIN_X, 42, fontSize.headline + 2, width - 2 * MARGIN_X);
  const d = priceDecimals(map.price);
  const subtitle = [
    `Estimated liquidation map · ${map.meta.symbol} perpetual`,
    `price ${formatPrice(map.price, d)}`,
    `range ±${rangePct}% (${formatPrice(map.rangeLow, d)} – ${formatPrice(map.rangeHigh, d)})`,
    `bucket ${formatPriceTick(map.bucketSize, map.bucketSize)}`,
  ].join(' · ');
  drawText(ctx, subtitle, MARGIN_X, 70, { size: fontSize.subtitle, colour: theme.muted, maxWidth: width - 2 * MARGIN_X });
  const tiers = map.meta.params.leverageTiers;
  const items: LegendItem[] = tiers.map((t, i) => ({ label: `${t.leverage}x`, colour: tierColour(i, tiers.length), kind: 'swatch' }));
  const used = drawLegend(ctx, 'Leverage', items, MARGIN_X, 96);
  drawLegend(
    ctx,
    null,
    [
      { label: 'cumulative longs', colour: theme.long, kind: 'line' },
      { label: 'cumulative shorts (right axis)', colour: theme.short, kind: 'line' },
    ],
    MARGIN_X + used + 18,
    96,
  );
  const flows = pictureFlows(map);
  if (flows.length > 0) drawRuns(ctx, forcedFlowRuns(flows, d), MARGIN_X, 96 + FORCED_FLOW_ROW, fontSize.legend, width - 2 * MARGIN_X, 12);
}

function drawEmpty(ctx: CanvasRenderingContext2D, chart: ChartType, map: LiquidationMap, rangePct: number): void {
  const area = chart.chartArea;
  const cx = (area.left + area.right) / 2;
  const cy = (area.top + area.bottom) / 2;
  ctx.save();
  roundRect(ctx, cx - 260, cy - 48, 520, 92, 10);
  ctx.fillStyle = theme.background;
  ctx.fill();
  ctx.strokeStyle = theme.border;
  ctx.stroke();
  ctx.restore();
  drawText(ctx, 'No estimated liquidations in range', cx, cy - 6, { size: 26, colour: theme.text, weight: 600, align: 'center' });
  drawText(ctx, `nothing within ±${rangePct}% of ${formatPrice(map.price)} in the ${map.meta.window} window`, cx, cy + 24, {
    size: fontSize.subtitle + 1,
    colour: theme.muted,
    align: 'center',
  });
}

/**
 * The bars, stacked by leverage tier. Drawn here rather than as chart.js bar datasets: ~900 rectangles
 * are one loop of fillRect, while chart.js resolves options and builds an element for each.
 */
function drawBars(ctx: CanvasRenderingContext2D, chart: ChartType, layout: MapLayout): void {
  const x = chart.scales.x as Scale;
  const y = chart.scales.y as Scale;
  const tiers = layout.map.meta.params.leverageTiers.length;
  const colours = Array.from({ length: tiers }, (_, t) => tierColour(t, tiers));
  const area = chart.chartArea;
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  for (const b of layout.inRange) {
    const left = x.getPixelForValue(b.priceLow);
    const right = x.getPixelForValue(b.priceHigh);
    const width = Math.max(1, (right - left) * BAR_SHARE);
    const x0 = Math.round(left + (right - left - width) / 2);
    const w = Math.max(1, Math.round(width));
    let usd = 0;
    let bottom = y.getPixelForValue(0);
    for (let t = 0; t < tiers; t++) {
      const v = (b.longByTier[t] ?? 0) + (b.shortByTier[t] ?? 0);
      if (v <= 0) continue;
      usd += v;
      const top = y.getPixelForValue(usd);
      ctx.fillStyle = colours[t]!;
      ctx.fillRect(x0, top, w, bottom - top);
      bottom = top;
    }
  }
  ctx.restore();
}

/** A round axis top above `value` and the tick step that lands on it ($50M steps up to $400M, …). */
export function niceAxis(value: number, ticks = 5): { max: number; step: number } {
  if (!(value > 0)) return { max: 1, step: 1 };
  const raw = value / ticks;
  const exp = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * exp >= raw) ?? 10) * exp;
  return { max: Math.ceil(value / step - 1e-9) * step, step };
}

function picturePlugin(layout: MapLayout): Plugin {
  return {
    id: 'liqmapMapPicture',
    beforeDraw(chart) {
      drawSideBackdrop(chart, layout.map.price);
    },
    beforeDatasetsDraw(chart) {
      drawBars(chart.ctx as unknown as CanvasRenderingContext2D, chart, layout);
    },
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      const reserved = drawPriceMarker(ctx, chart, layout.map);
      if (layout.inRange.length === 0) drawEmpty(ctx, chart, layout.map, layout.rangePct);
      else drawClusterLabels(ctx, chart, layout, reserved);
    },
    afterDraw(chart) {
      const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
      drawHeader(ctx, chart, layout.map, layout.rangePct);
      drawFooter(ctx, factsLine(layout.map.meta), chart.width, chart.height);
    },
  };
}

function niceRangePct(map: LiquidationMap): number {
  const pct = ((map.rangeHigh - map.price) / map.price) * 100;
  return Number(pct.toFixed(pct < 1 ? 2 : 1));
}

/** Headroom above the tallest bar, as a multiple of it: room for the cluster labels. */
const HEADROOM = 1.3;
/** Share of a bucket's width its bar fills: a thin gap keeps neighbouring buckets apart. */
const BAR_SHARE = 0.82;

/** Draws the map on a new canvas, hands it to `use` (encode it there), then destroys the chart. */
export function withMapPicture<T>(map: LiquidationMap, opts: PictureOptions, use: (canvas: Canvas) => T): T {
  setupChartJs(); // fonts registered before the layout measures text
  const { width, height } = pictureSize(opts);
  const inRange = map.buckets.filter((b) => centre(b) >= map.rangeLow && centre(b) <= map.rangeHigh);
  const totals = inRange.map((b) => b.longUsd + b.shortUsd);
  const maxBar = totals.reduce((m, v) => Math.max(m, v), 0);
  const layout: MapLayout = { map, inRange, totals, rangePct: niceRangePct(map) };
  const empty = inRange.length === 0;
  const longCurve = cumulativeCurve(inRange, map.price, 'long');
  const shortCurve = cumulativeCurve(inRange, map.price, 'short');
  const maxCum = Math.max(map.longBelow, map.shortAbove, ...longCurve.map((p) => p.y), ...shortCurve.map((p) => p.y));

  const yAxis = niceAxis(maxBar * HEADROOM);
  const canvas = createCanvas(width, height);
  const config: ChartConfiguration = {
    type: 'line',
    data: {
      datasets: [
        curveDataset('cumulative longs', longCurve, theme.long, theme.longCurveFill),
        curveDataset('cumulative shorts', shortCurve, theme.short, theme.shortCurveFill),
      ] as ChartConfiguration['data']['datasets'],
    },
    options: {
      layout: { padding: { top: HEADER_HEIGHT + (pictureFlows(map).length > 0 ? FORCED_FLOW_ROW : 0), bottom: FOOTER_HEIGHT + 4, left: MARGIN_X - 8, right: MARGIN_X - 8 } },
      scales: {
        x: priceScale(map.rangeLow, map.rangeHigh, map.bucketSize),
        y: {
          type: 'linear',
          min: 0,
          max: empty ? 1 : yAxis.max,
          position: 'left',
          grid: { color: theme.grid, drawTicks: false },
          border: { display: false },
          ticks: { display: !empty, color: theme.muted, font: { size: fontSize.tick }, padding: 8, stepSize: yAxis.step, callback: (v) => formatUsd(Number(v)) },
        },
        cumulative: {
          type: 'linear',
          beginAtZero: true,
          suggestedMax: empty ? 1 : maxCum * 1.05,
          position: 'right',
          grid: { display: false },
          border: { display: false },
          ticks: { display: !empty, color: theme.muted, font: { size: fontSize.tick }, padding: 8, maxTicksLimit: 6, callback: (v) => formatUsd(Number(v)) },
        },
      },
    },
    plugins: [picturePlugin(layout)],
  };
  return drawChart(canvas, config as ChartConfiguration, use);
}

/** The map as PNG bytes, drawn in the calling thread (the pool's workers call this). */
export function renderMapPng(map: LiquidationMap, opts: PictureOptions = {}): Buffer {
  return withMapPicture(map, opts, encodePng);
}
