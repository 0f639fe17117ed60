// How much of Hyperliquid's open interest the tracked positions cover, per coin and side.
//
// Hyperliquid does not document whether `openInterest` counts one side (total long size = total short
// size = OI) or both (OI = long + short = 2 × one side); data vendors disagree. What the tracked
// positions can prove: they are a subset of all positions, so if the tracked longs (or shorts) alone
// exceed half the OI, the OI cannot count both sides, and it is one-sided. Nothing we hold can prove
// the opposite, so until that happens the sidedness is "unknown" and coverage is given as a range:
// from the one-sided reading (side = OI, the lower coverage) to the two-sided one (side = OI/2).

export type OiSidedness = 'one-sided' | 'two-sided';

export interface SidednessVerdict {
  sidedness: OiSidedness | 'unknown';
  /** Where it came from: measured from the positions held, or set by the operator. */
  basis: 'measured' | 'configured' | 'none';
  evidence: string;
}

/** Margin for positions polled at different times than the OI. */
const PROOF_MARGIN = 1.02;

export function measureSidedness(trackedLongCoins: number, trackedShortCoins: number, oiCoins: number): SidednessVerdict {
  const half = oiCoins / 2;
  const larger = Math.max(trackedLongCoins, trackedShortCoins);
  if (oiCoins > 0 && larger > half * PROOF_MARGIN) {
    const side = trackedLongCoins >= trackedShortCoins ? 'longs' : 'shorts';
    return {
      sidedness: 'one-sided',
      basis: 'measured',
      evidence: `tracked ${side} alone hold ${fmt(larger)} coins, more than half the OI (${fmt(half)}): OI counts one side`,
    };
  }
  return {
    sidedness: 'unknown',
    basis: 'none',
    evidence: `tracked sides hold at most ${fmt(larger)} coins, not above half the OI (${fmt(half)}): either reading fits`,
  };
}

export interface SideCoverage {
  trackedCoins: number;
  trackedUsd: number;
  /** Tracked ÷ the side's OI when OI is one-sided (side = OI): the lower bound. */
  ifOneSided: number | null;
  /** Tracked ÷ the side's OI when OI is two-sided (side = OI / 2): the upper bound. */
  ifTwoSided: number | null;
  /** The figure under the sidedness in force; null while it is unknown. */
  coverage: number | null;
}

export interface CoverageReport {
  coin: string;
  markPx: number;
  openInterestCoins: number;
  long: SideCoverage;
  short: SideCoverage;
  sidedness: SidednessVerdict;
}

export interface CoverageInput {
  coin: string;
  markPx: number;
  openInterestCoins: number;
  /** Sizes of fresh tracked positions in coins (> 0), per side. */
  longCoins: number;
  shortCoins: number;
  /** Set by the operator when known; otherwise measured. */
  sidedness?: OiSidedness;
}

export function coverageOf(input: CoverageInput): CoverageReport {
  const verdict: SidednessVerdict = input.sidedness
    ? { sidedness: input.sidedness, basis: 'configured', evidence: `OI taken as ${input.sidedness} by configuration` }
    : measureSidedness(input.longCoins, input.shortCoins, input.openInterestCoins);
  const side = (coins: number): SideCoverage => {
    const oi = input.openInterestCoins;
    const ifOneSided = oi > 0 ? coins / oi : null;
    const ifTwoSided = oi > 0 ? coins / (oi / 2) : null;
    return {
      trackedCoins: coins,
      trackedUsd: coins * input.markPx,
      ifOneSided,
      ifTwoSided,
      coverage: verdict.sidedness === 'one-sided' ? ifOneSided : verdict.sidedness === 'two-sided' ? ifTwoSided : null,
    };
  };
  return { coin: input.coin, markPx: input.markPx, openInterestCoins: input.openInterestCoins, long: side(input.longCoins), short: side(input.shortCoins), sidedness: verdict };
}

/** "12.3%", or "6.1–12.3%" while the sidedness is unknown. */
export function formatCoverage(c: SideCoverage): string {
  const pct = (x: number) => `${(100 * x).toFixed(100 * x < 1 ? 2 : 1)}%`;
  if (c.coverage !== null) return pct(c.coverage);
  if (c.ifOneSided === null || c.ifTwoSided === null) return 'n/a';
  return `${pct(c.ifOneSided)}–${pct(c.ifTwoSided)}`;
}

function fmt(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
