// Pictures drawn in the calling thread: the CLI draws one or two, so a worker pool would only cost start-up.
import type { MapComparison } from '../analysis/compare.js';
import type { Heatmap, LiquidationMap } from '../analysis/types.js';
import { renderComparePng } from './compare-picture.js';
import { renderHeatmapPng } from './heatmap-picture.js';
import { renderMapPng } from './map-picture.js';
import type { MeasuredMap, MeasuredOverlay } from '../analysis/measured-map.js';
import { renderMeasuredPng } from './measured-picture.js';

export const inlineRenderer = {
  renderMap: async (map: LiquidationMap): Promise<Buffer> => renderMapPng(map),
  renderHeatmap: async (heatmap: Heatmap, overlay?: MeasuredOverlay): Promise<Buffer> => renderHeatmapPng(heatmap, {}, overlay),
  renderCompare: async (comparison: MapComparison, map: LiquidationMap): Promise<Buffer> => renderComparePng(comparison, map),
  renderMeasured: async (estimate: LiquidationMap, measured: MeasuredMap, measuredFacts: string): Promise<Buffer> => renderMeasuredPng({ estimate, measured, measuredFacts }),
};
