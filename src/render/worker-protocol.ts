// Messages between the render pool and its worker threads.
import type { Heatmap, LiquidationMap } from '../analysis/types.js';
import type { PictureOptions } from './map-picture.js';

export type RenderJob =
  | { id: number; kind: 'map'; map: LiquidationMap; opts: PictureOptions }
  | { id: number; kind: 'heatmap'; heatmap: Heatmap; opts: PictureOptions };

export type RenderResult =
  | { id: number; ok: true; png: Uint8Array }
  | { id: number; ok: false; error: { name: string; message: string } };

/** Sent once by a worker when its fonts and chart.js are set up. */
export interface WorkerReady {
  ready: true;
}
