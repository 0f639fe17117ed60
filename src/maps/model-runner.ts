// Where the model runs: in the calling thread (the CLI) or in the work pool's threads (the bot, so a
// burst of new maps cannot freeze webhooks, health checks and other chats). Same answers either way.
import { buildHeatmap, buildMap, type ModelRequest } from '../analysis/build-map.js';
import { recentCrossings, type Crossing } from '../analysis/cascades.js';
import type { BarSeries, Heatmap, LiquidationMap, VenueSpec } from '../analysis/types.js';

export interface ModelRunner {
  /** Throws ModelInputError when the data cannot answer (the pipeline explains it to the person). */
  buildMap(request: ModelRequest): Promise<LiquidationMap>;
  buildHeatmap(request: ModelRequest): Promise<Heatmap>;
  /** The last day's cluster crossings on one venue's bars (analysis/cascades.ts: recentCrossings). */
  recentCrossings(series: BarSeries, spec: VenueSpec, at: number): Promise<Crossing[]>;
}

export const inlineModelRunner: ModelRunner = {
  buildMap: async (request) => buildMap(request),
  buildHeatmap: async (request) => buildHeatmap(request),
  recentCrossings: async (series, spec, at) => recentCrossings(series, spec, at),
};
