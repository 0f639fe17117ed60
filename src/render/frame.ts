// The card around a chart: background, headline, subtitle, legend row and footer, shared by both pictures.
import type { CanvasRenderingContext2D } from 'canvas';
import type { Chart, Scale } from 'chart.js';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, font, fontSize, theme } from './theme.js';

export interface TextRun {
  text: string;
  colour: string;
  weight?: 400 | 600 | 700;
}

export const MARGIN_X = 28;

/** The layout is made for about 1200×675; far smaller pictures cannot hold it, far larger ones waste memory. */
export function pictureSize(opts: { width?: number; height?: number }): { width: number; height: number } {
  const width = opts.width ?? DEFAULT_WIDTH;
  const height = opts.height ?? DEFAULT_HEIGHT;
  for (const [name, v, min, max] of [['width', width, 640, 4096], ['height', height, 360, 4096]] as const) {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`picture ${name} ${v} is not a whole number of pixels in ${min}–${max}`);
  }
  return { width, height };
}

/**
 * A price-axis picture's backdrop: the background, and a faint tint on each side of the price (longs
 * left, shorts right) that says which side is which before any label is read.
 */
export function drawSideBackdrop(chart: Chart, price: number): void {
  const ctx = chart.ctx as unknown as CanvasRenderingContext2D;
  fillBackground(ctx, chart.width, chart.height);
  const area = chart.chartArea;
  const px = (chart.scales.x as Scale).getPixelForValue(price);
  ctx.save();
  ctx.globalAlpha = 0.35;
  ctx.fillStyle = theme.longFill;
  ctx.fillRect(area.left, area.top, px - area.left, area.bottom - area.top);
  ctx.fillStyle = theme.shortFill;
  ctx.fillRect(px, area.top, area.right - px, area.bottom - area.top);
  ctx.restore();
}

export function fillBackground(ctx: CanvasRenderingContext2D, width: number, height: number): void {
  ctx.save();
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.restore();
}

/** Draws coloured runs on one baseline, shrinking the size until the line fits `maxWidth`. */
export function drawRuns(ctx: CanvasRenderingContext2D, runs: TextRun[], x: number, y: number, size: number, maxWidth: number, minSize = 16): number {
  let s = size;
  const widthAt = (px: number) =>
    runs.reduce((w, r) => {
      ctx.font = font(px, r.weight ?? 400);
      return w + ctx.measureText(r.text).width;
    }, 0);
  while (s > minSize && widthAt(s) > maxWidth) s -= 1;
  ctx.save();
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  let cx = x;
  for (const r of runs) {
    ctx.font = font(s, r.weight ?? 400);
    ctx.fillStyle = r.colour;
    ctx.fillText(r.text, cx, y);
    cx += ctx.measureText(r.text).width;
  }
  ctx.restore();
  return cx - x;
}

/** Plain text, cut with an ellipsis when wider than `maxWidth`. */
export function drawText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, opts: { size: number; colour: string; weight?: 400 | 600 | 700; align?: 'left' | 'right' | 'center'; maxWidth?: number }): number {
  ctx.save();
  ctx.font = font(opts.size, opts.weight ?? 400);
  ctx.fillStyle = opts.colour;
  ctx.textAlign = opts.align ?? 'left';
  ctx.textBaseline = 'alphabetic';
  let t = text;
  if (opts.maxWidth !== undefined && ctx.measureText(t).width > opts.maxWidth) {
    while (t.length > 1 && ctx.measureText(`${t}…`).width > opts.maxWidth) t = t.slice(0, -1);
    t = `${t.trimEnd()}…`;
  }
  ctx.fillText(t, x, y);
  const w = ctx.measureText(t).width;
  ctx.restore();
  return w;
}

export interface LegendItem {
  label: string;
  colour: string;
  kind: 'swatch' | 'line' | 'dash';
}

/** One legend row; returns its width. */
export function drawLegend(ctx: CanvasRenderingContext2D, title: string | null, items: LegendItem[], x: number, y: number): number {
  ctx.save();
  ctx.textBaseline = 'middle';
  ctx.font = font(fontSize.legend, 400);
  let cx = x;
  if (title) {
    ctx.fillStyle = theme.muted;
    ctx.fillText(title, cx, y);
    cx += ctx.measureText(title).width + 10;
  }
  for (const item of items) {
    ctx.fillStyle = item.colour;
    ctx.strokeStyle = item.colour;
    if (item.kind === 'swatch') {
      roundRect(ctx, cx, y - 6, 12, 12, 2);
      ctx.fill();
      cx += 17;
    } else {
      ctx.lineWidth = item.kind === 'dash' ? 1.5 : 2.5;
      ctx.setLineDash(item.kind === 'dash' ? [5, 4] : []);
      ctx.beginPath();
      ctx.moveTo(cx, y);
      ctx.lineTo(cx + 18, y);
      ctx.stroke();
      cx += 24;
    }
    ctx.fillStyle = theme.text;
    ctx.fillText(item.label, cx, y);
    cx += ctx.measureText(item.label).width + 16;
  }
  ctx.restore();
  return cx - x;
}

export function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  const rr = Math.min(r, w / 2, h / 2);
  ctx.beginPath();
  ctx.moveTo(x + rr, y);
  ctx.lineTo(x + w - rr, y);
  ctx.quadraticCurveTo(x + w, y, x + w, y + rr);
  ctx.lineTo(x + w, y + h - rr);
  ctx.quadraticCurveTo(x + w, y + h, x + w - rr, y + h);
  ctx.lineTo(x + rr, y + h);
  ctx.quadraticCurveTo(x, y + h, x, y + h - rr);
  ctx.lineTo(x, y + rr);
  ctx.quadraticCurveTo(x, y, x + rr, y);
  ctx.closePath();
}

/** Footer: facts on the left, the disclaimer on the right, never overlapping. */
export function drawFooter(ctx: CanvasRenderingContext2D, left: string, width: number, height: number): void {
  const y = height - 16;
  ctx.save();
  ctx.strokeStyle = theme.border;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(MARGIN_X, height - 38.5);
  ctx.lineTo(width - MARGIN_X, height - 38.5);
  ctx.stroke();
  ctx.restore();
  const disclaimer = 'Estimated liquidation levels — not financial advice';
  const dw = drawText(ctx, disclaimer, width - MARGIN_X, y, { size: fontSize.footer, colour: theme.muted, align: 'right' });
  drawText(ctx, left, MARGIN_X, y, { size: fontSize.footer, colour: theme.muted, maxWidth: width - 2 * MARGIN_X - dw - 24 });
}

/** The dashed line at the current price, shared by both pictures. */
export function drawPriceLine(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, alpha: number): void {
  ctx.save();
  ctx.strokeStyle = theme.price;
  ctx.globalAlpha = alpha;
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.restore();
}
