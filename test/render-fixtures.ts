// Inputs and checks shared by the render tests. The map and heatmap come from JSON fixtures
// (test/fixtures/render-*.json, see README there), never from the engine, so recalibrating the model
// does not move the golden pictures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import type { Heatmap, LiquidationMap, MapBucket } from '../src/analysis/types.js';
import { updatingGoldens } from './helpers/golden.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const GOLDEN = join(import.meta.dirname, 'golden');
const OUTPUT = join(import.meta.dirname, 'output', 'render');

export function fixtureMap(): LiquidationMap {
  return JSON.parse(readFileSync(join(FIXTURES, 'render-map-btc-7d.json'), 'utf8')) as LiquidationMap;
}

export function fixtureHeatmap(): Heatmap {
  const raw = JSON.parse(readFileSync(join(FIXTURES, 'render-heatmap-btc-1d.json'), 'utf8')) as Omit<Heatmap, 'usd'> & { usd: number[] };
  return { ...raw, usd: Float64Array.from(raw.usd) };
}

export function emptyMap(): LiquidationMap {
  const m = fixtureMap();
  return { ...m, buckets: [], shortAbove: 0, longBelow: 0, ratio: null, ratioKind: 'empty', shortReach: null, longReach: null, shortClusters: [], longClusters: [] };
}

/** Nothing on the long side: the ratio is infinite and must be said in words. */
export function noLongsMap(): LiquidationMap {
  const m = fixtureMap();
  const buckets = m.buckets
    .map((b) => ({ ...b, longUsd: 0, longByTier: b.longByTier.map(() => 0), longCumulativeUsd: 0 }))
    .filter((b) => b.shortUsd > 0);
  return { ...m, buckets, longBelow: 0, ratio: null, ratioKind: 'no-longs', longReach: null, longClusters: [] };
}

/** The fixture moved to a coin priced around $0.065. */
export function tinyPriceMap(): LiquidationMap {
  const m = fixtureMap();
  const k = 1e-6;
  return {
    ...m,
    price: m.price * k,
    bucketSize: m.bucketSize * k,
    rangeLow: m.rangeLow * k,
    rangeHigh: m.rangeHigh * k,
    shortReach: m.shortReach === null ? null : m.shortReach * k,
    longReach: m.longReach === null ? null : m.longReach * k,
    buckets: m.buckets.map((b) => ({ ...b, priceLow: b.priceLow * k, priceHigh: b.priceHigh * k })),
    shortClusters: m.shortClusters.map((c) => ({ ...c, price: c.price * k })),
    longClusters: m.longClusters.map((c) => ({ ...c, price: c.price * k })),
    meta: { ...m.meta, symbol: 'DOGEUSDT' },
  };
}

/** Six clusters of nearly equal size in adjacent buckets next to the price: the labels' worst case. */
export function crowdedMap(): LiquidationMap {
  const m = fixtureMap();
  const tiers = m.meta.params.leverageTiers.length;
  const step = m.bucketSize;
  const base = Math.floor(m.price / step) * step;
  const bucket = (priceLow: number, side: 'long' | 'short', usd: number): MapBucket => {
    const byTier = Array.from({ length: tiers }, (_, i) => (usd * (i + 1)) / ((tiers * (tiers + 1)) / 2));
    const zero = byTier.map(() => 0);
    return {
      priceLow,
      priceHigh: priceLow + step,
      longUsd: side === 'long' ? usd : 0,
      shortUsd: side === 'short' ? usd : 0,
      longByTier: side === 'long' ? byTier : zero,
      shortByTier: side === 'short' ? byTier : zero,
      longCumulativeUsd: 0,
      shortCumulativeUsd: 0,
    };
  };
  const buckets: MapBucket[] = [];
  for (let i = 1; i <= 8; i++) buckets.push(bucket(base - i * step, 'long', 200e6 - i * 3e6));
  for (let i = 1; i <= 8; i++) buckets.push(bucket(base + i * step, 'short', 210e6 - i * 2e6));
  buckets.sort((a, b) => a.priceLow - b.priceLow);
  const cluster = (b: MapBucket, side: 'long' | 'short') => {
    const price = (b.priceLow + b.priceHigh) / 2;
    return { side, price, usd: side === 'long' ? b.longUsd : b.shortUsd, distancePct: ((price - m.price) / m.price) * 100 };
  };
  const longs = buckets.filter((b) => b.longUsd > 0);
  const shorts = buckets.filter((b) => b.shortUsd > 0);
  return {
    ...m,
    buckets,
    longBelow: longs.reduce((s, b) => s + b.longUsd, 0),
    shortAbove: shorts.reduce((s, b) => s + b.shortUsd, 0),
    ratio: shorts.reduce((s, b) => s + b.shortUsd, 0) / longs.reduce((s, b) => s + b.longUsd, 0),
    ratioKind: 'finite',
    longClusters: longs.slice(-3).map((b) => cluster(b, 'long')),
    shortClusters: shorts.slice(0, 3).map((b) => cluster(b, 'short')),
  };
}

/**
 * The fixture with a calibrated forced flow to its nearest cluster each side and an asked level (figures
 * written by hand: the picture's layout is under test, not the calibration). The level is on the short
 * side, so the picture shows it in place of the nearest short cluster; one figure is beyond the fit.
 */
export function forcedFlowMap(): LiquidationMap {
  const m = fixtureMap();
  const estimate = (side: 'long' | 'short', price: number, usd: number, extrapolated: boolean) => ({
    side,
    price,
    distancePct: ((price - m.price) / m.price) * 100,
    modelledUsd: usd * 40,
    usd,
    lowUsd: usd * 0.12,
    highUsd: usd * 1.9,
    extrapolated,
  });
  return {
    ...m,
    forcedFlow: {
      calibration: 'btc-dev-2026-06',
      nearest: [estimate('long', m.longClusters[0]!.price, 11.2e6, false), estimate('short', m.shortClusters[0]!.price, 2.1e6, false)],
      levels: [estimate('short', 70_000, 23.4e6, true)],
    },
  };
}

/** The first `n` bars of the heatmap fixture. */
export function fewBarsHeatmap(n: number): Heatmap {
  const h = fixtureHeatmap();
  const cut = h.ts[n] ?? Infinity;
  return {
    ...h,
    ts: h.ts.slice(0, n),
    usd: h.usd.slice(0, n * h.rows),
    open: h.open.slice(0, n),
    high: h.high.slice(0, n),
    low: h.low.slice(0, n),
    close: h.close.slice(0, n),
    sweeps: h.sweeps.filter((s) => s.ts < cut),
  };
}

export function readPng(bytes: Buffer): PNG {
  return PNG.sync.read(bytes);
}

/**
 * Compares a picture with its golden PNG, allowing a few anti-aliasing pixels (pixelmatch threshold 0.1,
 * at most `maxDiffPixels`): a changed font, layout or colour moves thousands. On failure the actual and
 * the diff are written to test/output/render/ to be looked at. Under `npm run update-goldens` a golden is
 * rewritten only when it really changed, and the previous one and the diff are kept there for review.
 */
export function compareWithGolden(name: string, png: Buffer, maxDiffPixels = 300): { diffPixels: number; maxDiffPixels: number } {
  const path = join(GOLDEN, name);
  if (!existsSync(path)) {
    if (!updatingGoldens) throw new Error(`golden ${path} is missing: run npm run update-goldens and review the result`);
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, png);
    return { diffPixels: 0, maxDiffPixels };
  }
  const actual = readPng(png);
  const previous = readFileSync(path);
  const expected = readPng(previous);
  const sameSize = actual.width === expected.width && actual.height === expected.height;
  const diff = new PNG({ width: actual.width, height: actual.height });
  const diffPixels = sameSize ? pixelmatch(actual.data, expected.data, diff.data, actual.width, actual.height, { threshold: 0.1 }) : Infinity;
  if (diffPixels <= maxDiffPixels) return { diffPixels, maxDiffPixels };
  mkdirSync(OUTPUT, { recursive: true });
  if (sameSize) writeFileSync(join(OUTPUT, name.replace(/\.png$/, '.diff.png')), PNG.sync.write(diff));
  if (updatingGoldens) {
    writeFileSync(join(OUTPUT, name.replace(/\.png$/, '.previous.png')), previous);
    writeFileSync(path, png);
    return { diffPixels: 0, maxDiffPixels };
  }
  writeFileSync(join(OUTPUT, name.replace(/\.png$/, '.actual.png')), png);
  if (!sameSize) throw new Error(`${name}: size ${actual.width}×${actual.height}, golden ${expected.width}×${expected.height}`);
  return { diffPixels, maxDiffPixels };
}
