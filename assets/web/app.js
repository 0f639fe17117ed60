// The web view's controller: the address names the view (/m/<symbol> or /h/<symbol> with venue, window,
// range and scale), every toggle rewrites the address and reloads the numbers from the API, and the
// server's message is shown when it refuses. Text only, never markup.
import { clear, el } from './dom.js';
import { formatPct, formatPrice, formatTime, formatUsd, parseUsdScale, priceDecimals, scaleText, VENUE_NAMES } from './format.js';
import { createHeatmapView } from './heatmap-view.js';
import { createMapView } from './map-view.js';

const $ = (id) => document.getElementById(id);
const KINDS = { m: 'map', h: 'heatmap' };
const LETTERS = { map: 'm', heatmap: 'h' };

/** The view the address names. */
function stateOf(location) {
  const parts = location.pathname.split('/');
  const letter = parts[parts.length - 2];
  let symbol = parts[parts.length - 1] ?? '';
  try {
    symbol = decodeURIComponent(symbol);
  } catch {
    // Left as typed: the API answers with what is wrong with it.
  }
  const q = new URLSearchParams(location.search);
  return {
    kind: KINDS[letter] ?? 'map',
    symbol,
    venue: q.get('venue') ?? 'all',
    window: q.get('window') ?? '7d',
    range: q.get('range') ?? '15',
    scale: q.get('scale') ?? '',
    at: q.get('at') ?? '',
  };
}

function pageUrl(s) {
  const q = new URLSearchParams({ venue: s.venue, window: s.window, range: s.range });
  if (s.at) q.set('at', s.at);
  if (s.scale) q.set('scale', s.scale);
  const search = q.toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
  return new URL(`../${LETTERS[s.kind]}/${encodeURIComponent(s.symbol)}?${search}`, location.href);
}

/** Also named by the page's Link preload header (src/web/web-routes.ts: apiPathOf): keep the two alike. */
function apiUrl(s) {
  const q = new URLSearchParams({ symbol: s.symbol, venue: s.venue, window: s.window, range: s.range });
  if (s.at) q.set('at', s.at);
  return new URL(`../api/v1/${s.kind}?${q}`, location.href);
}

let state = stateOf(location);
let view = null;
let inFlight = null;
const drawnOnce = { done: false };

function chartDrawn() {
  if (drawnOnce.done) return;
  drawnOnce.done = true;
  performance.mark('liqmap:chart-drawn');
}

function setControls() {
  $('symbol').value = state.symbol;
  const venue = $('venue');
  if (![...venue.options].some((o) => o.value === state.venue)) venue.append(el('option', { value: state.venue, text: state.venue }));
  venue.value = state.venue;
  for (const b of $('window').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.window === state.window));
  const range = $('range');
  if (![...range.options].some((o) => o.value === state.range)) range.append(el('option', { value: state.range, text: `${state.range}%` }));
  range.value = state.range;
  $('scale').value = state.scale;
  for (const kind of ['map', 'heatmap']) {
    const tab = $(`tab-${kind}`);
    tab.href = pageUrl({ ...state, kind }).href;
    if (kind === state.kind) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  $('hint').textContent = state.kind === 'map' ? 'Wheel: zoom · drag: pan · double-click: reset' : 'Wheel: zoom time · Shift+wheel: zoom price · drag: pan · double-click: reset';
}

function setTitle() {
  const kindName = state.kind === 'map' ? 'liquidation map' : 'liquidation heatmap';
  const symbol = state.symbol.toUpperCase();
  clear($('title')).append(document.createTextNode(symbol), el('span', { class: 'kind', text: ` ${kindName}` }), el('span', { class: 'tag', text: 'estimated' }));
  document.title = `${symbol} ${kindName} · liqmap`;
}

/** Changes the view: the address first (a link reproduces it), then the numbers. */
function go(changes, { push = true } = {}) {
  state = { ...state, ...changes };
  if (push) history.pushState(null, '', pageUrl(state));
  load();
}

function stat(label, value, sub, cls) {
  return el('div', { class: 'stat' }, el('div', { class: 'label', text: label }), el('div', { class: `value ${cls ?? ''}`, text: value }), sub ? el('div', { class: 'sub', text: sub }) : null);
}

/** "1.1:1 short-heavy" as the figure and its word beneath, so the card never cuts it; other texts whole. */
function ratioStat(text) {
  const m = /^(\S+:\S+) (.+)$/.exec(text);
  return m ? stat('Ratio', m[1], `${m[2]} · shorts above : longs below`) : stat('Ratio', text, 'shorts above : longs below');
}

function nearest(clusters) {
  return [...clusters].sort((a, b) => Math.abs(a.distancePct) - Math.abs(b.distancePct))[0];
}

function showMapFigures(body) {
  const m = body.map;
  const d = priceDecimals(m.price);
  const nl = nearest(m.longClusters);
  const ns = nearest(m.shortClusters);
  clear($('stats')).append(
    stat('Price', formatPrice(m.price, d), `data to ${formatTime(m.meta.dataTime)}`),
    stat('Shorts above', formatUsd(m.shortAbove), m.shortReach ? `to ${formatPrice(m.shortReach, d)}` : 'none in range', 'short'),
    stat('Longs below', formatUsd(m.longBelow), m.longReach ? `to ${formatPrice(m.longReach, d)}` : 'none in range', 'long'),
    ratioStat(body.ratioText),
    stat('Nearest short cluster', ns ? formatUsd(ns.usd) : '–', ns ? `${formatPrice(ns.price, d)} (${formatPct(ns.distancePct)})` : 'none in range', 'short'),
    stat('Nearest long cluster', nl ? formatUsd(nl.usd) : '–', nl ? `${formatPrice(nl.price, d)} (${formatPct(nl.distancePct)})` : 'none in range', 'long'),
  );
  $('summary').textContent = body.summary;
}

function showHeatmapFigures(body) {
  const h = body.heatmap;
  const last = h.ts.length - 1;
  const price = h.close[last];
  const d = priceDecimals(price);
  let above = { usd: 0, price: 0 };
  let below = { usd: 0, price: 0 };
  for (let r = 0; r < h.rows && last >= 0; r++) {
    const usd = h.usd[last * h.rows + r];
    const mid = h.priceLow + (r + 0.5) * h.bucketSize;
    if (mid > price && usd > above.usd) above = { usd, price: mid };
    if (mid < price && usd > below.usd) below = { usd, price: mid };
  }
  const level = (x) => (x.usd > 0 ? `${formatPrice(x.price, d)} (${formatPct(((x.price - price) / price) * 100)})` : 'none');
  clear($('stats')).append(
    stat('Price', formatPrice(price, d), `data to ${formatTime(h.meta.dataTime)}`),
    stat('Densest level above', above.usd > 0 ? formatUsd(above.usd) : '–', level(above), 'short'),
    stat('Densest level below', below.usd > 0 ? formatUsd(below.usd) : '–', level(below), 'long'),
    stat('Sweeps', String(h.sweeps.length), `levels price crossed in ${h.window}`),
    stat('Densest cell', formatUsd(h.maxUsd), 'USD per bucket, whole window'),
  );
  const venues = h.meta.venues.map((v) => VENUE_NAMES[v.venue] ?? v.venue).join('+');
  $('summary').textContent = `Estimated liquidation levels over time from ${venues}, ${h.window}; a level ends where price swept it.`;
}

function showMeta(body, meta) {
  const venues = meta.venues.map((v) => VENUE_NAMES[v.venue] ?? v.venue).join('+');
  const notes = [...meta.venuesFailed.map((f) => `${f.venue}: ${f.reason}`), ...(meta.sourceNotes ?? [])];
  $('meta').textContent = [`${venues} · ${meta.window} · data to ${formatTime(meta.dataTime)}`, `model ${body.modelVersion}`, `map ${body.id}`, ...notes].join(' · ');
}

function showMessage(title, text, closest) {
  const box = clear($('message'));
  box.append(el('div', { class: 'm-title', text: title }));
  if (text) box.append(el('div', { class: 'm-text', text }));
  if (closest?.length) {
    box.append(el('div', { class: 'm-links' }, ...closest.map((s) => el('a', { href: pageUrl({ ...state, symbol: s }).href, text: s }))));
  }
  box.hidden = false;
}

/** The map's own scores (/api/v1/accuracy), where the server keeps them for this symbol; once per symbol. */
const accuracyShown = { symbol: null };
async function showAccuracy(symbol) {
  const box = $('accuracy');
  const kept = (document.body.dataset.accuracy ?? '').split(' ').filter(Boolean);
  if (!kept.includes(symbol)) {
    box.hidden = true;
    accuracyShown.symbol = null;
    return;
  }
  if (accuracyShown.symbol === symbol) return;
  accuracyShown.symbol = symbol;
  try {
    const res = await fetch(new URL(`../api/v1/accuracy?symbol=${encodeURIComponent(symbol)}`, location.href), { headers: { accept: 'application/json' } });
    const body = await res.json();
    if (accuracyShown.symbol !== symbol) return;
    $('accuracy-title').textContent = res.ok ? body.text.title : 'Accuracy';
    $('accuracy-text').textContent = res.ok ? body.text.lines.join('\n') : (body.error ?? `HTTP ${res.status}`);
    box.hidden = false;
  } catch {
    box.hidden = true;
    accuracyShown.symbol = null;
  }
}

async function load() {
  setControls();
  const scaleUsd = parseUsdScale(state.scale);
  $('scale').setAttribute('aria-invalid', String(Number.isNaN(scaleUsd)));
  document.body.dataset.state = 'loading';
  $('message').hidden = true;
  inFlight?.abort();
  const controller = (inFlight = new AbortController());
  setTitle();
  let res;
  let body;
  try {
    res = await fetch(apiUrl(state), { signal: controller.signal, headers: { accept: 'application/json' } });
    body = await res.json();
  } catch (err) {
    if (controller.signal.aborted) return;
    document.body.dataset.state = 'error';
    showMessage('The map could not be loaded', String(err?.message ?? err));
    return;
  }
  if (controller.signal.aborted) return;
  if (!res.ok) {
    document.body.dataset.state = 'error';
    clear($('stats'));
    $('summary').textContent = '';
    $('meta').textContent = '';
    view?.destroy();
    view = null;
    showMessage(body.error ?? `HTTP ${res.status}`, [body.hint, res.status === 429 ? 'Too many requests from this address; wait a moment.' : ''].filter(Boolean).join(' '), body.closest);
    return;
  }
  // The server names the symbol canonically (btc → BTCUSDT): the address follows, without a new history entry.
  state = { ...state, symbol: body.query.symbol, venue: body.query.venue, window: body.query.window, range: String(body.query.range) };
  history.replaceState(null, '', pageUrl(state));
  void showAccuracy(state.symbol);
  setControls();
  setTitle();
  if (!view || view.kind !== state.kind) {
    view?.destroy();
    const parts = { chart: clear($('chart')), tooltip: $('tooltip'), legend: $('legend'), onDrawn: chartDrawn };
    view = state.kind === 'map' ? createMapView(parts) : createHeatmapView(parts);
  }
  const fixed = Number.isNaN(scaleUsd) ? null : scaleUsd;
  view.show(body, { scaleUsd: fixed });
  if (state.kind === 'map') showMapFigures(body);
  else showHeatmapFigures(body);
  showMeta(body, state.kind === 'map' ? body.map.meta : body.heatmap.meta);
  if (Number.isNaN(scaleUsd)) showMessage(`Colour scale "${state.scale}" is not an amount`, 'Give USD per bucket such as 250M or 1.5B, or leave it empty to fit the view.');
  document.body.dataset.state = 'ready';
  document.body.dataset.mapId = body.id;
}

function bind() {
  $('venue').addEventListener('change', (e) => go({ venue: e.target.value }));
  $('range').addEventListener('change', (e) => go({ range: e.target.value }));
  $('window').addEventListener('click', (e) => {
    const w = e.target.closest('button')?.dataset.window;
    if (w && w !== state.window) go({ window: w });
  });
  $('scale-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const usd = parseUsdScale($('scale').value);
    go({ scale: usd && !Number.isNaN(usd) ? scaleText(usd) : $('scale').value.trim() });
  });
  $('scale').addEventListener('change', () => $('scale-form').requestSubmit());
  $('symbol-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const symbol = $('symbol').value.trim();
    if (symbol) go({ symbol });
  });
  for (const kind of ['map', 'heatmap']) {
    $(`tab-${kind}`).addEventListener('click', (e) => {
      e.preventDefault();
      if (kind !== state.kind) go({ kind });
    });
  }
  $('reset-zoom').addEventListener('click', () => view?.resetZoom());
  window.addEventListener('popstate', () => {
    state = stateOf(location);
    load();
  });
}

// For automation (the browser tests and the benchmark): where a value sits on screen.
window.liqmapChart = { pointAt: (...args) => view?.pointAt(...args), get kind() { return view?.kind; } };

bind();
load();
