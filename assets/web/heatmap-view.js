// The heatmap: time × price cells of estimated live liquidation USD, the price line over them. The cells
// are one ImageData (one pixel per bar and bucket) drawn scaled into uPlot's plot area, so zooming and
// panning cost one drawImage, not 200,000 rectangles.
import uPlot from '../lib/uPlot.esm.js';
import { clear, el } from './dom.js';
import { formatPct, formatPrice, formatTime, formatUsd, priceDecimals } from './format.js';
import { place } from './map-view.js';
import { RAMP_ABGR, rampCss, rampIndex, theme } from './theme.js';
import { zoomPan } from './zoom-pan.js';

const FONT = '12px Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

function cellImage(h, maxUsd) {
  const cols = h.ts.length;
  const rows = h.rows;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, cols);
  canvas.height = Math.max(1, rows);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(canvas.width, canvas.height);
  const pixels = new Uint32Array(image.data.buffer);
  const usd = h.usd;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      const v = usd[c * rows + r];
      // Row 0 is the lowest price: the image's bottom line. Empty cells stay transparent (the card shows).
      if (v > 0) pixels[(rows - 1 - r) * cols + c] = RAMP_ABGR[rampIndex(v, maxUsd)];
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** UTC, 24-hour: "Jun 16" at midnight, "14:00" within a day. */
function timeLabels(_u, ticks) {
  return ticks.map((ms) => {
    const d = new Date(ms);
    const hh = d.getUTCHours();
    const mm = d.getUTCMinutes();
    if (hh === 0 && mm === 0) return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
  });
}

/** A chart of one heatmap body from /api/v1/heatmap. */
export function createHeatmapView({ chart, tooltip, legend, onDrawn }) {
  let plot = null;
  let h = null;
  let image = null;
  let zoom = null;
  const resize = new ResizeObserver(() => plot && plot.setSize({ width: chart.clientWidth, height: chart.clientHeight }));
  resize.observe(chart);

  const xExtent = () => [h.ts[0], h.ts[h.ts.length - 1] + h.intervalMs];
  const yExtent = () => [h.priceLow, h.priceLow + h.rows * h.bucketSize];

  function drawCells(u) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const [x0, x1] = xExtent();
    const [y0, y1] = yExtent();
    const dx0 = u.valToPos(x0, 'x', true);
    const dx1 = u.valToPos(x1, 'x', true);
    const dy1 = u.valToPos(y1, 'y', true);
    const dy0 = u.valToPos(y0, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(image, dx0, dy1, dx1 - dx0, dy0 - dy1);
    ctx.restore();
  }

  /** The last close as a tag on the right edge, as trading charts mark the current price. */
  function drawPriceTag(u) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const pr = uPlot.pxRatio;
    const close = h.close[h.close.length - 1];
    const y = u.valToPos(close, 'y', true);
    if (!(y >= top && y <= top + height)) return;
    ctx.save();
    ctx.font = `600 ${11 * pr}px Inter, system-ui, sans-serif`;
    const text = formatPrice(close);
    const w = ctx.measureText(text).width + 10 * pr;
    const hgt = 18 * pr;
    ctx.fillStyle = theme.price;
    ctx.fillRect(left + width - w, y - hgt / 2, w, hgt);
    ctx.fillStyle = '#0b0e14';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, left + width - w + 5 * pr, y + pr / 2);
    ctx.restore();
  }

  /** The cell under the cursor: its bar, its price bucket, its USD and whether price later swept it. */
  function cellAt(u) {
    const t = u.posToVal(u.cursor.left, 'x');
    const p = u.posToVal(u.cursor.top, 'y');
    const c = Math.floor((t - h.ts[0]) / h.intervalMs);
    const r = Math.floor((p - h.priceLow) / h.bucketSize);
    if (!(c >= 0 && c < h.ts.length && r >= 0 && r < h.rows)) return null;
    const low = h.priceLow + r * h.bucketSize;
    const high = low + h.bucketSize;
    const close = h.close[c];
    const side = low + h.bucketSize / 2 < close ? 'long' : 'short';
    const sweep = h.sweeps.find((s) => s.ts > h.ts[c] && s.side === side && s.priceLow < high && s.priceHigh >= low);
    return { c, r, low, high, close, side, usd: h.usd[c * h.rows + r], sweep };
  }

  function hover(u) {
    const cell = u.cursor.left >= 0 ? cellAt(u) : null;
    if (!cell) {
      tooltip.hidden = true;
      return;
    }
    const d = priceDecimals(cell.close);
    const mid = (cell.low + cell.high) / 2;
    clear(tooltip).append(
      el('div', { class: 't-head', text: formatTime(h.ts[cell.c]) }),
      el('div', { class: 't-sub', text: `${formatPrice(cell.low, d)} – ${formatPrice(cell.high, d)} · ${formatPct(((mid - cell.close) / cell.close) * 100)} from ${formatPrice(cell.close, d)}` }),
      el(
        'div',
        { class: `t-row ${cell.side}` },
        el('span', { text: cell.side === 'long' ? 'Longs liquidated here' : 'Shorts liquidated here' }),
        el('span', { text: formatUsd(cell.usd) }),
      ),
      el(
        'div',
        { class: 't-row t-total' },
        el('span', { text: cell.sweep ? 'Swept' : 'Not swept' }),
        el('span', { text: cell.sweep ? formatTime(cell.sweep.ts) : 'by the window’s end' }),
      ),
    );
    place(u, tooltip);
  }

  function show(body, options = {}) {
    h = body.heatmap;
    const fixed = options.scaleUsd ?? null;
    const maxUsd = fixed ?? h.maxUsd;
    image = cellImage(h, maxUsd);
    tooltip.hidden = true;
    if (plot) plot.destroy();
    zoom = zoomPan({ x: xExtent, y: yExtent });
    const d = priceDecimals(h.close[h.close.length - 1] ?? h.priceLow);
    const axis = { stroke: theme.muted, font: FONT, grid: { stroke: 'rgba(255, 255, 255, 0.045)', width: 1 }, ticks: { stroke: theme.grid, width: 1, size: 4 } };
    plot = new uPlot(
      {
        width: chart.clientWidth,
        height: chart.clientHeight,
        ms: 1,
        tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
        legend: { show: false },
        cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false }, bind: { dblclick: () => null } },
        scales: { x: { time: true, auto: false, range: zoom.xRange }, y: { auto: false, range: yExtent } },
        axes: [
          { ...axis, space: 80, values: timeLabels },
          { ...axis, size: 72, values: (_u, vals) => vals.map((v) => formatPrice(v, Math.max(0, d - 1))) },
        ],
        series: [{}, { label: 'Price', stroke: theme.price, width: 1.5, points: { show: false } }],
        hooks: { drawClear: [drawCells], draw: [drawPriceTag, () => onDrawn?.()], setCursor: [hover] },
        plugins: [zoom.plugin],
      },
      // The price at each bar's close.
      [h.ts.map((t) => t + h.intervalMs), h.close],
      chart,
    );
    drawLegend(maxUsd, fixed !== null);
  }

  function drawLegend(maxUsd, fixed) {
    const bar = el('canvas', { width: 160, height: 1, 'aria-hidden': 'true' });
    const ctx = bar.getContext('2d');
    for (let x = 0; x < 160; x++) {
      ctx.fillStyle = rampCss(rampIndex(((x + 0.5) / 160) ** (1 / 0.7) * maxUsd, maxUsd));
      ctx.fillRect(x, 0, 1, 1);
    }
    clear(legend).append(
      el('span', {}, el('i', { class: 'line', style: { background: theme.price } }), document.createTextNode('Price')),
      el('span', {}, document.createTextNode('$0'), bar, document.createTextNode(`${formatUsd(maxUsd)} per bucket`)),
      el('span', { text: fixed ? 'Scale fixed' : 'Scale fits this heatmap' }),
    );
  }

  return {
    kind: 'heatmap',
    show,
    resetZoom: () => zoom?.reset(),
    /** Viewport coordinates of (time, price), for automation and tests. */
    pointAt(ts, price) {
      const r = plot.over.getBoundingClientRect();
      return { x: r.left + plot.valToPos(ts, 'x'), y: r.top + plot.valToPos(price, 'y') };
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
      plot = null;
      tooltip.hidden = true;
    },
  };
}
