// The services a command reaches through its request: one object built in src/main.ts, rebuilt with
// fakes in tests. Ports only (interfaces); the implementations live at the edges.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MapService, ResolvedQuery } from '../maps/map-pipeline.js';
import type { CommandDefinition } from './command.js';
import type { LimitSettings } from './rate-limit.js';

export interface Services {
  /** Every map, heatmap and symbol lookup goes through the one map pipeline. */
  maps: MapService;
  clock: Clock;
  log: Logger;
  /** Every command the bot serves, for /help. */
  commands: readonly CommandDefinition[];
  /** The limits in force (set by the runtime from the configuration), for /help to state them. */
  limits?: LimitSettings;
  /** Links to the web page; absent when PUBLIC_URL is unset (replies then carry no link). */
  links?: PageLinks;
}

/** Public URLs of the web view of a map (src/web), built from PUBLIC_URL. */
export interface PageLinks {
  /** The interactive page: /m/<symbol>?… (map) or /h/<symbol>?… (heatmap), reproducing the query. */
  page(kind: 'map' | 'heatmap', query: ResolvedQuery): string;
  /** The PNG of exactly this map id, cacheable by anyone who fetches it (Discord's embed image). */
  picture(kind: 'map' | 'heatmap', query: ResolvedQuery, id: string): string;
}
