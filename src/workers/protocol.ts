// Messages between the work pool and its worker threads.
import type { Calibration } from '../analysis/calibration.js';
import type { MapComparison } from '../analysis/compare.js';
import type { MeasuredMap, MeasuredOverlay } from '../analysis/measured-map.js';
import type { Heatmap, LiquidationMap, ModelParams, VenueSpec, WindowName } from '../analysis/types.js';
import type { PictureOptions } from '../render/map-picture.js';
import type { PackedSeries } from './packed-bars.js';

/** A model request with its bars packed into typed arrays (cloning 8,000 bar objects costs more than the model). */
export interface PackedModelRequest {
  symbol: string;
  window: WindowName;
  venues: { series: PackedSeries; spec: VenueSpec }[];
  params?: Partial<ModelParams>;
  at?: number;
  venuesFailed?: { venue: string; reason: string }[];
  sourceNotes?: string[];
  calibration?: Calibration;
}

export type Job =
  | { id: number; kind: 'render-map'; map: LiquidationMap; opts: PictureOptions }
  | { id: number; kind: 'render-heatmap'; heatmap: Heatmap; opts: PictureOptions; overlay?: MeasuredOverlay }
  | { id: number; kind: 'render-compare'; comparison: MapComparison; map: LiquidationMap; opts: PictureOptions }
  | { id: number; kind: 'render-measured'; estimate: LiquidationMap; measured: MeasuredMap; measuredFacts: string; opts: PictureOptions }
  | { id: number; kind: 'model-map'; request: PackedModelRequest }
  | { id: number; kind: 'model-heatmap'; request: PackedModelRequest }
  | { id: number; kind: 'model-crossings'; series: PackedSeries; spec: VenueSpec; at: number };

export interface JobResult {
  id: number;
  ok: true;
  value: unknown;
}

export interface JobFailure {
  id: number;
  ok: false;
  error: { name: string; message: string };
}

/** Sent once by a worker when its fonts and chart.js are set up. */
export interface WorkerReady {
  ready: true;
}
