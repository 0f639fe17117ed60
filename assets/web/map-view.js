// The map: per price bucket the estimated USD liquidated there, stacked by leverage tier (longs left of the
// price, shorts right), the cumulative long and short curves on the right axis, the price and the largest
// clusters. uPlot draws axes, curves and the cursor; the stacked bars are drawn in its drawSeries hook.
import uPlot from '../lib/uPlot.esm.js';
import { clear, el } from './dom.js';
import { formatPct, formatPrice, formatUsd, priceDecimals } from './format.js';
import { theme, tierColour } from './theme.js';
import { zoomPan } from './zoom-pan.js';

const FONT = '12px Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Every bucket of the display range, empty ones included, so the cursor lands on the bucket under it. */
function gridOf(m) {
  const size = m.bucketSize;
  const start = Math.floor(m.rangeLow / size + 1e-9) * size;
  const n = Math.max(1, Math.round((m.rangeHigh - start) / size));
  const tierCount = m.meta.params.leverageTiers.length;
  const xs = new Array(n);
  const buckets = new Array(n).fill(null);
  const total = new Array(n).fill(0);
  for (let i = 0; i < n; i++) xs[i] = start + (i + 0.5) * size;
  for (const b of m.buckets) {
    const i = Math.round((b.priceLow - start) / size);
    if (i < 0 || i >= n) continue;
    buckets[i] = b;
    total[i] = b.longUsd + b.shortUsd;
  }
  // Cumulative curves outward from the price; an empty bucket carries the total of the nearer ones.
  const priceIndex = Math.min(n - 1, Math.max(0, Math.floor((m.price - start) / size)));
  const longCum = new Array(n).fill(null);
  const shortCum = new Array(n).fill(null);
  let carry = 0;
  for (let i = priceIndex; i >= 0; i--) longCum[i] = carry = buckets[i] ? buckets[i].longCumulativeUsd : carry;
  carry = 0;
  for (let i = priceIndex; i < n; i++) shortCum[i] = carry = buckets[i] ? buckets[i].shortCumulativeUsd : carry;
  return { xs, buckets, total, longCum, shortCum, tierCount, start, size };
}

/** A chart of one map body from /api/v1/map. */
export function createMapView({ chart, tooltip, legend, scaleUsd, onDrawn }) {
  let plot = null;
  let grid = null;
  let body = null;
  let zoom = null;
  const resize = new ResizeObserver(() => plot && plot.setSize({ width: chart.clientWidth, height: chart.clientHeight }));
  resize.observe(chart);

  function drawBars(u, seriesIndex) {
    if (seriesIndex !== 1) return;
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const m = body.map;
    const pr = uPlot.pxRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const base = u.valToPos(0, 'y', true);
    for (let i = 0; i < grid.xs.length; i++) {
      const b = grid.buckets[i];
      if (!b) continue;
      const x0 = u.valToPos(grid.xs[i] - grid.size / 2, 'x', true);
      const x1 = u.valToPos(grid.xs[i] + grid.size / 2, 'x', true);
      if (x1 < left || x0 > left + width) continue;
      const gap = x1 - x0 > 4 * pr ? pr : 0;
      let acc = 0;
      let yPrev = base;
      for (const byTier of [b.longByTier, b.shortByTier]) {
        for (let t = 0; t < byTier.length; t++) {
          const usd = byTier[t];
          if (!(usd > 0)) continue;
          acc += usd;
          const y = u.valToPos(acc, 'y', true);
          ctx.fillStyle = tierColour(t, grid.tierCount);
          ctx.fillRect(x0 + gap / 2, y, Math.max(pr, x1 - x0 - gap), yPrev - y);
          yPrev = y;
        }
      }
    }
    // The current price: a line and its value at the top.
    const px = Math.round(u.valToPos(m.price, 'x', true)) + 0.5;
    ctx.strokeStyle = theme.price;
    ctx.lineWidth = pr;
    ctx.setLineDash([4 * pr, 3 * pr]);
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.restore();
  }

  function drawLabels(u) {
    const { ctx } = u;
    const { left, top, width } = u.bbox;
    const m = body.map;
    const pr = uPlot.pxRatio;
    const d = priceDecimals(m.price);
    ctx.save();
    ctx.font = `600 ${12 * pr}px Inter, system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    const tag = (text, x, y, fill, colour) => {
      const w = ctx.measureText(text).width + 12 * pr;
      const h = 20 * pr;
      const xl = Math.min(Math.max(left, x - w / 2), left + width - w);
      ctx.fillStyle = fill;
      ctx.fillRect(xl, y, w, h);
      ctx.fillStyle = colour;
      ctx.textAlign = 'left';
      ctx.fillText(text, xl + 6 * pr, y + h / 2 + pr / 2);
      return { x0: xl, x1: xl + w, y0: y, y1: y + h };
    };
    const placed = [];
    const px = u.valToPos(m.price, 'x', true);
    placed.push(tag(formatPrice(m.price, d), px, top + 2 * pr, theme.price, '#0b0e14'));
    // The largest clusters, labelled where they stand, stepped down when labels would touch.
    const clusters = [...m.shortClusters.slice(0, 3), ...m.longClusters.slice(0, 3)].sort((a, b) => b.usd - a.usd);
    ctx.font = `600 ${11 * pr}px Inter, system-ui, sans-serif`;
    for (const c of clusters) {
      const cx = u.valToPos(c.price, 'x', true);
      if (cx < left || cx > left + width) continue;
      const i = Math.round((c.price - grid.start - grid.size / 2) / grid.size);
      let y = Math.max(top + 26 * pr, u.valToPos(grid.total[i] ?? c.usd, 'y', true) - 24 * pr);
      const text = `${formatUsd(c.usd)} · ${formatPct(c.distancePct)}`;
      for (let k = 0; k < 6 && placed.some((p) => !(cx + 60 * pr < p.x0 || cx - 60 * pr > p.x1) && Math.abs(p.y0 - y) < 22 * pr); k++) y += 22 * pr;
      placed.push(tag(text, cx, y, 'rgba(11, 14, 20, 0.88)', c.side === 'long' ? theme.long : theme.short));
    }
    ctx.restore();
  }

  function hover(u) {
    const i = u.cursor.idx;
    const b = i == null ? null : grid.buckets[i];
    if (i == null || u.cursor.left < 0) {
      tooltip.hidden = true;
      return;
    }
    const m = body.map;
    const d = priceDecimals(m.price);
    const low = grid.xs[i] - grid.size / 2;
    const high = grid.xs[i] + grid.size / 2;
    const mid = grid.xs[i];
    const isLong = mid < m.price;
    const tiers = m.meta.params.leverageTiers;
    clear(tooltip).append(
      el('div', { class: 't-head', text: `${formatPrice(low, d)} – ${formatPrice(high, d)}` }),
      el('div', { class: 't-sub', text: `${formatPct(((mid - m.price) / m.price) * 100)} from ${formatPrice(m.price, d)}` }),
    );
    const side = (name, byTier, usd, cum, cls) => {
      tooltip.append(el('div', { class: `t-row ${cls}` }, el('span', { text: name }), el('span', { text: formatUsd(usd) })));
      byTier.forEach((v, t) => {
        if (!(v > 0)) return;
        const label = el('span', {}, el('i', { class: 'swatch', style: { background: tierColour(t, tiers.length) } }), document.createTextNode(`${tiers[t].leverage}x`));
        tooltip.append(el('div', { class: 't-row' }, label, el('span', { text: formatUsd(v) })));
      });
      tooltip.append(el('div', { class: 't-row t-total' }, el('span', { text: cum.label }), el('span', { text: formatUsd(cum.usd) })));
    };
    if (b && b.longUsd > 0) side('Longs liquidated here', b.longByTier, b.longUsd, { label: 'Longs from price to here', usd: b.longCumulativeUsd }, 'long');
    if (b && b.shortUsd > 0) side('Shorts liquidated here', b.shortByTier, b.shortUsd, { label: 'Shorts from price to here', usd: b.shortCumulativeUsd }, 'short');
    if (!b || b.longUsd + b.shortUsd === 0) {
      const cum = isLong ? grid.longCum[i] : grid.shortCum[i];
      tooltip.append(el('div', { class: 't-row' }, el('span', { text: 'Estimated here' }), el('span', { text: '$0' })));
      tooltip.append(el('div', { class: 't-row t-total' }, el('span', { text: isLong ? 'Longs from price to here' : 'Shorts from price to here' }), el('span', { text: formatUsd(cum ?? 0) })));
    }
    place(u, tooltip);
  }

  function show(next, options = {}) {
    body = next;
    grid = gridOf(next.map);
    const m = next.map;
    const d = priceDecimals(m.price);
    const fixed = options.scaleUsd ?? scaleUsd;
    const range = () => [m.rangeLow, m.rangeHigh];
    tooltip.hidden = true;
    if (plot) plot.destroy();
    zoom = zoomPan({ x: range });
    const axis = { stroke: theme.muted, font: FONT, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1, size: 4 } };
    const usdValues = (_u, vals) => vals.map((v) => (v === 0 ? '$0' : formatUsd(v)));
    plot = new uPlot(
      {
        width: chart.clientWidth,
        height: chart.clientHeight,
        legend: { show: false },
        cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false }, y: false, bind: { dblclick: () => null } },
        scales: {
          x: { time: false, auto: false, range: zoom.xRange },
          y: { range: (_u, _min, max) => [0, fixed ?? Math.max(1, max) * 1.12] },
          cum: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] },
        },
        axes: [
          { ...axis, values: (_u, vals) => vals.map((v) => formatPrice(v, Math.max(0, d - 1))) },
          { ...axis, scale: 'y', size: 64, values: usdValues },
          { ...axis, scale: 'cum', side: 1, size: 64, grid: { show: false }, values: usdValues },
        ],
        series: [
          {},
          { label: 'USD per bucket', scale: 'y', paths: () => null, points: { show: false } },
          { label: 'Longs cumulative', scale: 'cum', stroke: theme.long, width: 2, fill: 'rgba(255, 93, 115, 0.07)', points: { show: false } },
          { label: 'Shorts cumulative', scale: 'cum', stroke: theme.short, width: 2, fill: 'rgba(47, 214, 160, 0.07)', points: { show: false } },
        ],
        hooks: { drawSeries: [drawBars], draw: [drawLabels, () => onDrawn?.()], setCursor: [hover] },
        plugins: [zoom.plugin],
      },
      [grid.xs, grid.total, grid.longCum, grid.shortCum],
      chart,
    );
    drawLegend(m, fixed);
  }

  function drawLegend(m, fixed) {
    const tiers = m.meta.params.leverageTiers;
    clear(legend).append(
      ...tiers.map((t, i) => el('span', {}, el('i', { class: 'swatch', style: { background: tierColour(i, tiers.length) } }), document.createTextNode(`${t.leverage}x`))),
      el('span', {}, el('i', { class: 'line', style: { background: theme.long } }), document.createTextNode('Longs cumulative')),
      el('span', {}, el('i', { class: 'line', style: { background: theme.short } }), document.createTextNode('Shorts cumulative')),
      el('span', { text: fixed ? `Scale fixed at ${formatUsd(fixed)} per bucket` : 'Scale fits this map' }),
    );
  }

  return {
    kind: 'map',
    show,
    resetZoom: () => zoom?.reset(),
    /** Viewport coordinates of a price (and a USD height), for automation and tests. */
    pointAt(price, usd = 0) {
      const r = plot.over.getBoundingClientRect();
      return { x: r.left + plot.valToPos(price, 'x'), y: r.top + plot.valToPos(usd, 'y') };
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
      plot = null;
      tooltip.hidden = true;
    },
  };
}

/** Beside the cursor, inside the chart card, flipped to the left half when it would overflow. */
export function place(u, tooltip) {
  tooltip.hidden = false;
  const card = tooltip.parentElement.getBoundingClientRect();
  const over = u.over.getBoundingClientRect();
  const x = over.left - card.left + u.cursor.left;
  const y = over.top - card.top + u.cursor.top;
  const w = tooltip.offsetWidth;
  const h = tooltip.offsetHeight;
  tooltip.style.left = `${x + 16 + w > card.width ? x - 16 - w : x + 16}px`;
  tooltip.style.top = `${Math.max(4, Math.min(card.height - h - 4, y - h / 2))}px`;
}
