// Places labels above bars without overlapping the bars, each other or reserved boxes (legend, price
// tag). Pure geometry in pixels, so crowded cases are testable without drawing.

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A bar as drawn: horizontal span and its top edge (pixel y grows downwards). */
export interface BarSpan {
  x0: number;
  x1: number;
  top: number;
}

export interface LabelRequest {
  /** The point the label belongs to (top of its bar). */
  anchorX: number;
  anchorY: number;
  w: number;
  h: number;
  /** Prefer moving sideways this way (−1 left, 1 right): long labels fan out left, short ones right. */
  side?: -1 | 1;
}

export interface PlacedLabel extends Box {
  anchorX: number;
  anchorY: number;
  /** Placed by the fallback pass: its leader may be shallow or cross bars (more headroom would help). */
  relaxed?: boolean;
}

export interface LabelArea {
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** x of the price line: a label with a side keeps its centre on that side of it. */
  divider?: number;
}

const GAP = 6;
const PAD = 3;

export function overlaps(a: Box, b: Box, pad = 0): boolean {
  return a.x < b.x + b.w + pad && b.x < a.x + a.w + pad && a.y < b.y + b.h + pad && b.y < a.y + a.h + pad;
}

interface Segment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Whether a segment crosses the inside of a box grown by `pad` (Liang–Barsky clipping). */
export function segmentHitsBox(s: Segment, b: Box, pad = 0): boolean {
  const x0 = b.x - pad;
  const x1 = b.x + b.w + pad;
  const y0 = b.y - pad;
  const y1 = b.y + b.h + pad;
  if (Math.max(s.x0, s.x1) <= x0 || Math.min(s.x0, s.x1) >= x1 || Math.max(s.y0, s.y1) <= y0 || Math.min(s.y0, s.y1) >= y1) return false;
  const dx = s.x1 - s.x0;
  const dy = s.y1 - s.y0;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, s.x0 - x0],
    [dx, x1 - s.x0],
    [-dy, s.y0 - y0],
    [dy, y1 - s.y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 >= t1) return false;
  }
  return true;
}

/** Whether two segments cross (touching ends count as crossing only when they overlap). */
export function segmentsCross(a: Segment, b: Segment): boolean {
  const d = (p: number, q: number, r: number, s1: number, t: number, u: number) => (r - p) * (u - q) - (s1 - q) * (t - p);
  const d1 = d(b.x0, b.y0, b.x1, b.y1, a.x0, a.y0);
  const d2 = d(b.x0, b.y0, b.x1, b.y1, a.x1, a.y1);
  const d3 = d(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0);
  const d4 = d(a.x0, a.y0, a.x1, a.y1, b.x1, b.y1);
  return d1 * d2 < 0 && d3 * d4 < 0;
}

/** Where a label's leader line meets it: under the anchor when it can, else the nearest bottom corner. */
export function leaderOf(p: PlacedLabel): Segment {
  const x = Math.min(Math.max(p.anchorX, p.x + 6), p.x + p.w - 6);
  return { x0: p.anchorX, y0: p.anchorY - 2, x1: x, y1: p.y + p.h };
}

function barsTop(bars: BarSpan[], x0: number, x1: number, floor: number): number {
  let top = floor;
  for (const b of bars) if (b.x1 > x0 && b.x0 < x1 && b.top < top) top = b.top;
  return top;
}

/**
 * Places labels in the order given (most important first). A label that fits nowhere is left out
 * (null) rather than drawn over something.
 */
export function placeLabels(requests: LabelRequest[], bars: BarSpan[], reserved: Box[], area: LabelArea): (PlacedLabel | null)[] {
  const taken: Box[] = [...reserved];
  const leaders: Segment[] = [];
  // A short stub above every anchor stays free, so each label's leader has a way out.
  const stubs = requests.map((r) => ({ x: r.anchorX - 2, y: r.anchorY - 16, w: 4, h: 16 }));
  return requests.map((req, i) => {
    const blockers = [...taken, ...stubs.filter((_, j) => j !== i)];
    // First try with clean leaders (crossing no label and no other bar); if nothing fits, accept a
    // leader over bars rather than drop the label.
    const strict = bestSpot(req, bars, taken, blockers, leaders, area, true);
    // Relaxed: on the preferred side only if possible, so a long's label never lands among the shorts.
    const relaxed = strict
      ? null
      : (req.side !== undefined ? bestSpot(req, bars, taken, blockers, leaders, area, false, req.side) : null) ??
        bestSpot(req, bars, taken, blockers, leaders, area, false);
    const best = strict ?? (relaxed && { ...relaxed, relaxed: true });
    if (best) {
      taken.push(best);
      leaders.push(leaderOf(best));
    }
    return best;
  });
}

/** `taken`: labels and reserved boxes, which leaders avoid too; `blockers`: those plus other anchors' stubs. */
function bestSpot(
  req: LabelRequest,
  bars: BarSpan[],
  taken: Box[],
  blockers: Box[],
  leaders: Segment[],
  area: LabelArea,
  strict: boolean,
  onlySide?: -1 | 1,
): PlacedLabel | null {
  let best: PlacedLabel | null = null;
  let bestScore = Infinity;
  const step = Math.max(8, req.w / 4);
  // Sorted by their left edge, so a leader is checked only against the bars under its own x span.
  const otherBars: Box[] = strict
    ? bars
        .filter((b) => !(b.x0 <= req.anchorX && b.x1 >= req.anchorX))
        .map((b) => ({ x: b.x0, y: b.top, w: b.x1 - b.x0, h: area.bottom - b.top }))
        .sort((p, q) => p.x - q.x)
    : [];
  const widestBar = otherBars.reduce((w, b) => Math.max(w, b.w), 0);
  for (let k = 0; k <= 40; k++) {
    // Candidates alternate right and left of the anchor, moving outwards.
    const offset = onlySide ? k * step * onlySide : k === 0 ? 0 : Math.ceil(k / 2) * step * (k % 2 === 1 ? 1 : -1);
    let x = req.anchorX + offset - req.w / 2;
    x = Math.min(Math.max(x, area.left + PAD), area.right - PAD - req.w);
    if (req.side !== undefined && area.divider !== undefined && (x + req.w / 2 - area.divider) * req.side < 0) continue;
    const floor = Math.min(req.anchorY, barsTop(bars, x - PAD, x + req.w + PAD, area.bottom)) - GAP;
    let y = floor - req.h;
    for (let moved = true; moved && y >= area.top; ) {
      moved = false;
      for (const t of blockers) {
        if (overlaps({ x, y, w: req.w, h: req.h }, t, PAD)) {
          y = t.y - PAD - req.h - 1;
          moved = true;
        }
      }
    }
    // The lowest free spot first, then higher ones: a steeper leader can clear neighbouring bars.
    for (let lift = 0; lift <= 16 && y - lift * (req.h / 2) >= area.top; lift++) {
      const ly = y - lift * (req.h / 2);
      const candidate: PlacedLabel = { x, y: ly, w: req.w, h: req.h, anchorX: req.anchorX, anchorY: req.anchorY };
      if (lift > 0 && blockers.some((t) => overlaps(candidate, t, PAD))) continue;
      // Leaders must not cross labels, and labels must not hide leaders.
      const leader = leaderOf(candidate);
      if (taken.some((t) => segmentHitsBox(leader, t, 1))) continue;
      if (leaders.some((l) => segmentHitsBox(l, candidate, 2))) continue;
      if (strict && leaders.some((l) => segmentsCross(l, leader))) continue;
      if (strict && leaderHitsBars(leader, otherBars, widestBar)) continue;
      // A leader that runs flat along the bar tops reads as part of the chart: keep them steep.
      const run = Math.abs(leader.x1 - leader.x0);
      if (strict && run > 4 && leader.y0 - leader.y1 < 0.5 * run) continue;
      // A vertical leader reads better than a sideways one: moving sideways costs more than rising.
      const dx = x + req.w / 2 - req.anchorX;
      const wrongWay = req.side !== undefined && dx * req.side < 0 ? Math.abs(dx) : 0;
      const score = 1.5 * Math.abs(dx) + wrongWay + 0.5 * (req.anchorY - (ly + req.h));
      if (score < bestScore) {
        bestScore = score;
        best = candidate;
      }
      break;
    }
  }
  return best;
}

/** segmentHitsBox over boxes sorted by x: only those that can reach the segment's x span are tested. */
function leaderHitsBars(leader: Segment, sorted: readonly Box[], widest: number): boolean {
  const minX = Math.min(leader.x0, leader.x1);
  const maxX = Math.max(leader.x0, leader.x1);
  // First box whose left edge is past minX − widest: every box before it ends left of the segment.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.x <= minX - widest) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < sorted.length && sorted[i]!.x < maxX; i++) if (segmentHitsBox(leader, sorted[i]!)) return true;
  return false;
}
