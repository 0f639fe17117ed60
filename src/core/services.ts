// The services a command reaches through its request: one object built in src/main.ts, rebuilt with
// fakes in tests. Ports only (interfaces); the implementations live at the edges.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { CommandDefinition } from './command.js';

export interface Services {
  /** Every map, heatmap and symbol lookup goes through the one map pipeline. */
  maps: MapService;
  clock: Clock;
  log: Logger;
  /** Every command the bot serves, for /help. */
  commands: readonly CommandDefinition[];
}
