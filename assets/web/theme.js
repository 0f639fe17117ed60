// The pictures' colours (src/render/theme.ts, src/render/colour-ramp.ts), so page and PNG read alike.

export const theme = {
  background: '#121722',
  grid: '#1d2431',
  axis: '#3a4456',
  text: '#e9edf3',
  muted: '#97a1b3',
  faint: '#5f6a7d',
  long: '#ff5d73',
  short: '#2fd6a0',
  price: '#ffffff',
  accent: '#ffd166',
};

const TIER_COLOURS = ['#2f4fa3', '#3f86d8', '#63c3e8', '#b592f5', '#f7a35c', '#ffd966'];

/** Low leverage dark blue to high leverage gold, as in the map picture. */
export function tierColour(index, count) {
  if (count <= TIER_COLOURS.length) {
    const at = count === 1 ? TIER_COLOURS.length - 1 : Math.round((index * (TIER_COLOURS.length - 1)) / (count - 1));
    return TIER_COLOURS[at];
  }
  // Seven tiers (the default's, 2x to 125x): a darker blue below the ramp, as in the picture.
  if (count === TIER_COLOURS.length + 1) return index === 0 ? LOWEST_TIER_COLOUR : TIER_COLOURS[index - 1];
  return TIER_COLOURS[index % TIER_COLOURS.length];
}

const LOWEST_TIER_COLOUR = '#25356b';

// The heatmap ramp: card background → violet → orange → pale yellow (after matplotlib's inferno).
const STOPS = [
  [14, 17, 24],
  [40, 18, 80],
  [96, 26, 110],
  [160, 45, 100],
  [215, 75, 65],
  [245, 135, 35],
  [250, 200, 60],
  [252, 250, 180],
];
export const RAMP_GAMMA = 0.7;

/** 256 entries packed as 0xAABBGGRR (little-endian RGBA, as a Uint32Array over ImageData reads them). */
export const RAMP_ABGR = (() => {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (STOPS.length - 1);
    const k = Math.min(STOPS.length - 2, Math.floor(t));
    const f = t - k;
    const c = (j) => Math.round(STOPS[k][j] + (STOPS[k + 1][j] - STOPS[k][j]) * f);
    lut[i] = (255 << 24) | (c(2) << 16) | (c(1) << 8) | c(0);
  }
  return lut;
})();

/** Ramp index (1–255) of a positive USD value on a scale topped at maxUsd; 0 for nothing. */
export function rampIndex(usd, maxUsd) {
  if (!(usd > 0) || !(maxUsd > 0)) return 0;
  return Math.max(1, Math.round(Math.min(1, usd / maxUsd) ** RAMP_GAMMA * 255));
}

export function rampCss(index) {
  const v = RAMP_ABGR[Math.min(255, Math.max(0, index))];
  return `rgb(${v & 255}, ${(v >>> 8) & 255}, ${(v >>> 16) & 255})`;
}
