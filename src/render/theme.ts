// The look shared by every picture: a dark card that reads in Discord's and Telegram's dark and light
// themes, the bundled font, and colours chosen so sides, tiers and curves never share a hue.

export const FONT_FAMILY = 'LiqmapInter';

export const DEFAULT_WIDTH = 1200;
export const DEFAULT_HEIGHT = 675;

export const theme = {
  background: '#0e1118',
  panel: '#121722',
  border: '#232b3a',
  grid: '#1d2431',
  axis: '#3a4456',
  text: '#e9edf3',
  muted: '#97a1b3',
  faint: '#5f6a7d',
  /** Longs are liquidated when price falls: red, left of the price. */
  long: '#ff5d73',
  longFill: 'rgba(255, 93, 115, 0.10)',
  longCurveFill: 'rgba(255, 93, 115, 0.06)',
  /** Shorts are liquidated when price rises: green, right of the price. */
  short: '#2fd6a0',
  shortFill: 'rgba(47, 214, 160, 0.10)',
  shortCurveFill: 'rgba(47, 214, 160, 0.06)',
  price: '#ffffff',
  accent: '#ffd166',
  labelBackground: 'rgba(14, 17, 24, 0.88)',
  rangeShade: 'rgba(255, 255, 255, 0.025)',
} as const;

/**
 * Leverage tiers from low to high: dark blue to gold, brightness rising with leverage, since high
 * leverage sits nearest the price and matters first. No red or green, which belong to the sides.
 */
const TIER_COLOURS = ['#2f4fa3', '#3f86d8', '#63c3e8', '#b592f5', '#f7a35c', '#ffd966'];

export function tierColour(index: number, count: number): string {
  if (count <= TIER_COLOURS.length) {
    // Fewer tiers than colours: spread them over the ramp so the brightest stays the highest leverage.
    const at = count === 1 ? TIER_COLOURS.length - 1 : Math.round((index * (TIER_COLOURS.length - 1)) / (count - 1));
    return TIER_COLOURS[at]!;
  }
  // Seven tiers (the default since the well-margined 2x tier joined): a darker blue below the ramp, so
  // six-tier maps keep their colours and the lowest tier, rarely in range, takes the dimmest.
  if (count === TIER_COLOURS.length + 1) return index === 0 ? LOWEST_TIER_COLOUR : TIER_COLOURS[index - 1]!;
  return TIER_COLOURS[index % TIER_COLOURS.length]!;
}

const LOWEST_TIER_COLOUR = '#25356b';

export const fontSize = {
  headline: 26,
  subtitle: 15,
  legend: 15,
  tick: 14,
  label: 14,
  footer: 14,
} as const;

export function font(size: number, weight: 400 | 600 | 700 = 400): string {
  return `${weight === 400 ? '' : `${weight} `}${size}px ${FONT_FAMILY}`;
}
