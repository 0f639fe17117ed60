// The API's bodies: exactly the numbers of the pipeline's cached map or heatmap (the ones its PNG was
// drawn from), with the map id, the data time and the model version. A heatmap's Float64Array becomes a
// plain array in the same column-major order; JSON's shortest round-trip numbers keep every value exact.
import { formatRatio, summarize } from '../analysis/format.js';
import { MODEL_VERSION } from '../analysis/model-version.js';
import type { Heatmap, LiquidationMap } from '../analysis/types.js';
import type { ResolvedQuery } from '../maps/map-pipeline.js';

export interface ApiQuery {
  symbol: string;
  venue: string;
  window: string;
  range: number;
  at?: string;
}

export interface MapBody {
  id: string;
  kind: 'map';
  modelVersion: string;
  /** Close time of the last bar used, ISO 8601. */
  dataTime: string;
  query: ApiQuery;
  /** The chat's one-line summary of the same map, and its ratio in words ("14:1 short-heavy"). */
  summary: string;
  ratioText: string;
  map: LiquidationMap;
}

export interface HeatmapBody {
  id: string;
  kind: 'heatmap';
  modelVersion: string;
  dataTime: string;
  query: ApiQuery;
  /** `usd[c * rows + r]`: live USD of column c, row r. */
  heatmap: Omit<Heatmap, 'usd'> & { usd: number[] };
}

export function apiQueryOf(q: ResolvedQuery): ApiQuery {
  return {
    symbol: q.symbol,
    venue: q.venues?.join(',') ?? 'all',
    window: q.window,
    range: q.rangePct,
    ...(q.at !== undefined ? { at: new Date(q.at).toISOString() } : {}),
  };
}

export function mapBody(id: string, query: ResolvedQuery, map: LiquidationMap): MapBody {
  return { id, kind: 'map', modelVersion: MODEL_VERSION, dataTime: new Date(map.meta.dataTime).toISOString(), query: apiQueryOf(query), summary: summarize(map), ratioText: formatRatio(map), map };
}

export function heatmapBody(id: string, query: ResolvedQuery, heatmap: Heatmap): HeatmapBody {
  return {
    id,
    kind: 'heatmap',
    modelVersion: MODEL_VERSION,
    dataTime: new Date(heatmap.meta.dataTime).toISOString(),
    query: apiQueryOf(query),
    heatmap: { ...heatmap, usd: Array.from(heatmap.usd) },
  };
}
