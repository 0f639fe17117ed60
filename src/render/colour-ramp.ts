// The heatmap's ramp: from the card's background through violet and orange to pale yellow (after
// matplotlib's "inferno"), so empty price levels vanish into the card and dense ones glow.

const STOPS: [number, number, number][] = [
  [14, 17, 24],
  [40, 18, 80],
  [96, 26, 110],
  [160, 45, 100],
  [215, 75, 65],
  [245, 135, 35],
  [250, 200, 60],
  [252, 250, 180],
];

/** 256 RGB entries packed as 0xRRGGBB. */
function buildLut(): Uint32Array {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (STOPS.length - 1);
    const k = Math.min(STOPS.length - 2, Math.floor(t));
    const f = t - k;
    const a = STOPS[k]!;
    const b = STOPS[k + 1]!;
    const c = (j: number) => Math.round(a[j]! + (b[j]! - a[j]!) * f);
    lut[i] = (c(0) << 16) | (c(1) << 8) | c(2);
  }
  return lut;
}

export const RAMP = buildLut();

/**
 * Values are shown on a power scale between linear and square root: faint levels stay visible beside a
 * dominant one, yet only dense levels glow.
 */
export const RAMP_GAMMA = 0.7;

/** Position (0–1) of a USD value on the ramp whose top is `maxUsd`; the legend uses the same scale. */
export function rampPosition(usd: number, maxUsd: number): number {
  if (!(usd > 0) || !(maxUsd > 0)) return 0;
  return Math.min(1, (usd / maxUsd) ** RAMP_GAMMA);
}

const FINE = 4096;
/** Ramp index by usd/max quantized to 1/4096: a table lookup instead of a pow per cell. */
export const RAMP_INDEX_BY_FRACTION = (() => {
  const t = new Uint8Array(FINE + 1);
  for (let i = 0; i <= FINE; i++) t[i] = i === 0 ? 1 : Math.max(1, Math.round((i / FINE) ** RAMP_GAMMA * 255));
  return t;
})();

/** Ramp index (0–255) of a USD value; 0 only for nothing, so any estimated level shows. */
export function rampIndex(usd: number, maxUsd: number): number {
  if (!(usd > 0) || !(maxUsd > 0)) return 0;
  return RAMP_INDEX_BY_FRACTION[Math.min(FINE, Math.round((usd / maxUsd) * FINE))]!;
}

export function rampCss(index: number): string {
  const v = RAMP[Math.min(255, Math.max(0, index))]!;
  return `rgb(${v >> 16}, ${(v >> 8) & 255}, ${v & 255})`;
}
