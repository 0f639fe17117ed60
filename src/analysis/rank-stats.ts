// Skill scores of a predictor against realized values (DESIGN.md §4, Backtest). Pure.

/** Ranks 1..n, ties sharing the mean of the ranks they span (what Spearman's coefficient needs). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  return ranks;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // A constant series has no ranking to agree with: undefined, not 0.
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman rank correlation (Pearson on average ranks); null when either series is constant. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length !== y.length) throw new RangeError(`spearman: ${x.length} values against ${y.length}`);
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Share of the total realized USD that falls in the top `fraction` of intervals ranked by the predictor.
 * The cut may fall inside a group of tied predictions (many intervals predict 0): that group is credited
 * with its mean realized value per slot taken, the expectation under a random tie-break, so the score
 * never depends on the input order. Null when nothing was realized.
 */
export function topShare(predicted: ArrayLike<number>, realized: ArrayLike<number>, fraction = 0.1): number | null {
  const n = predicted.length;
  if (n !== realized.length) throw new RangeError(`topShare: ${n} predictions against ${realized.length} realized values`);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`topShare: fraction ${fraction} must be in (0, 1]`);
  let total = 0;
  for (let i = 0; i < n; i++) total += realized[i]!;
  if (n === 0 || !(total > 0)) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[b]! - predicted[a]! || a - b);
  let slots = fraction * n;
  let captured = 0;
  let i = 0;
  while (i < n && slots > 0) {
    let j = i;
    let groupSum = 0;
    while (j < n && predicted[order[j]!] === predicted[order[i]!]) groupSum += realized[order[j++]!]!;
    const size = j - i;
    const taken = Math.min(size, slots);
    captured += (groupSum / size) * taken;
    slots -= taken;
    i = j;
  }
  return captured / total;
}
