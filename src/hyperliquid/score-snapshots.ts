// Recorded position snapshots scored against the estimate as of each snapshot: the model is built from
// the bars closed by the snapshot's time, the measured map from the snapshot's positions around their
// mark, on the estimate's bucket grid. No I/O: the CLI and the benchmarks hand in what they loaded.
import { buildMap, ModelInputError, type VenueInput } from '../analysis/build-map.js';
import { buildMeasuredMap, type MeasuredMap } from '../analysis/measured-map.js';
import { compareWithMeasured, type MeasuredComparison } from '../analysis/measured-score.js';
import type { ModelParams, WindowName } from '../analysis/types.js';
import { snapshotMark, type PositionSnapshot } from './positions-csv.js';

export interface ScoreSnapshotsInput {
  snapshots: readonly PositionSnapshot[];
  symbol: string;
  venues: VenueInput[];
  window: WindowName;
  /** Display range as a fraction (0.15). */
  range: number;
  params?: Partial<ModelParams>;
  /** A snapshot whose last closed bar is older than this is not scored (default: two bar intervals). */
  maxGapMs?: number;
}

export interface ScoredSnapshot {
  ts: number;
  mark: number;
  positions: number;
  /** Close of the last bar the estimate used. */
  dataTime: number;
  estimatePrice: number;
  measured: MeasuredMap;
  comparison: MeasuredComparison;
}

export interface ScoreSnapshotsResult {
  scored: ScoredSnapshot[];
  skipped: { ts: number; reason: string }[];
}

export function scoreSnapshots(input: ScoreSnapshotsInput): ScoreSnapshotsResult {
  const scored: ScoredSnapshot[] = [];
  const skipped: { ts: number; reason: string }[] = [];
  const intervalMs = Math.min(...input.venues.map((v) => v.series.intervalMs));
  const maxGapMs = input.maxGapMs ?? 2 * intervalMs;
  for (const snapshot of input.snapshots) {
    const mark = snapshotMark(snapshot.positions);
    if (mark === undefined) {
      skipped.push({ ts: snapshot.ts, reason: 'no position with a size and a value to read the mark from' });
      continue;
    }
    let estimate;
    try {
      estimate = buildMap({ symbol: input.symbol, window: input.window, venues: input.venues, at: snapshot.ts, params: { ...input.params, range: input.range } });
    } catch (err) {
      if (!(err instanceof ModelInputError)) throw err;
      skipped.push({ ts: snapshot.ts, reason: err.message });
      continue;
    }
    const gap = snapshot.ts - estimate.meta.dataTime;
    if (gap > maxGapMs) {
      skipped.push({ ts: snapshot.ts, reason: `the last bar closed ${Math.round(gap / 3_600_000)} h before it (the bars end there)` });
      continue;
    }
    const measured = buildMeasuredMap({
      positions: snapshot.positions.map((p) => ({ side: p.szi > 0 ? 'long' : 'short', usd: p.positionValue, liquidationPx: p.liquidationPx })),
      price: mark,
      bucketSize: estimate.bucketSize,
      range: input.range,
      clusterCount: estimate.meta.params.clusterCount,
    });
    scored.push({
      ts: snapshot.ts,
      mark,
      positions: snapshot.positions.length,
      dataTime: estimate.meta.dataTime,
      estimatePrice: estimate.price,
      measured,
      comparison: compareWithMeasured(estimate, measured, { clusterCount: estimate.meta.params.clusterCount }),
    });
  }
  return { scored, skipped };
}
