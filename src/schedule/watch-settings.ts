// What /watch asks of the schedules: add, list and remove a chat's level watches. Ids (never reused, like
// alert rules'), the cap per chat, the symbol check against the map and the gone state are kept here.
import { encodeDestination, type Destination } from '../core/destination.js';
import type { Clock } from '../clock.js';
import { showInput, UserError } from '../errors.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { WatchRule } from '../store/records.js';
import type { Store } from '../store/store.js';
import { checkLevelsNearPrice, clusterLevels, parseNearPct, parseWatchLevels, WATCH_FLOORS } from './watch-rules.js';

export interface WatchList {
  /** By id number: w1, w2, … */
  watches: WatchRule[];
  pausedBecause?: string;
}

/** The port /watch calls. */
export interface WatchSettingsPort {
  /** Minimum time between two approach messages of one level. */
  readonly cooldownMs: number;
  /** `levels`: "85000 90000 95000" or "clusters"; `near`: "1%" (optional). */
  add(destination: Destination, by: string, symbol: string, levels: string, near?: string): Promise<WatchRule>;
  list(destination: Destination): Promise<WatchList>;
  remove(destination: Destination, id: string): Promise<void>;
}

export interface WatchSettingsOptions {
  store: Store;
  maps: MapService;
  clock: Clock;
  cooldownMs: number;
}

export class WatchSettings implements WatchSettingsPort {
  readonly cooldownMs: number;

  constructor(private readonly o: WatchSettingsOptions) {
    this.cooldownMs = o.cooldownMs;
  }

  async add(destination: Destination, by: string, symbolText: string, levelsText: string, near?: string): Promise<WatchRule> {
    const nearPct = near === undefined ? WATCH_FLOORS.defaultNearPct : parseNearPct(near);
    const byClusters = levelsText.trim().toLowerCase() === 'clusters';
    const named = byClusters ? undefined : parseWatchLevels(levelsText);
    const key = encodeDestination(destination);
    const existing = await this.o.store.watches.list(`${key}/`);
    if (existing.length >= WATCH_FLOORS.maxWatchesPerChat) {
      throw new UserError(`This chat already has ${existing.length} level watches, the most allowed.`, 'Remove one first: /watch list, then /watch remove <id>.');
    }
    // The 7d map, as the evaluator watches: its price bounds the levels, its clusters can be the levels.
    const { map } = await this.o.maps.map({ symbol: symbolText, window: '7d' });
    const levels = named ?? clusterLevels(map);
    checkLevelsNearPrice(levels, map.price);
    const chat = await this.o.store.chats.get(key);
    const number = 1 + Math.max(chat?.lastWatchNumber ?? 0, ...existing.map((w) => watchNumber(w.id)));
    const watch: WatchRule = {
      v: 1,
      id: `w${number}`,
      destination: key,
      platform: destination.platform,
      symbol: map.meta.symbol,
      levels: levels.map((price) => ({ price })),
      origin: byClusters ? 'clusters' : 'levels',
      nearPct,
      createdBy: by,
      createdAtMs: this.o.clock.now(),
    };
    await this.o.store.watches.put(`${key}/${watch.id}`, watch);
    const { gone: _gone, ...chatRest } = chat ?? { v: 1 as const, destination: key };
    await this.o.store.chats.put(key, { ...chatRest, lastWatchNumber: number });
    return watch;
  }

  async list(destination: Destination): Promise<WatchList> {
    const key = encodeDestination(destination);
    const watches = (await this.o.store.watches.list(`${key}/`)).sort((a, b) => watchNumber(a.id) - watchNumber(b.id));
    const gone = watches.length > 0 ? (await this.o.store.chats.get(key))?.gone : undefined;
    return { watches, ...(gone ? { pausedBecause: gone.reason } : {}) };
  }

  async remove(destination: Destination, idText: string): Promise<void> {
    const key = encodeDestination(destination);
    const id = idText.trim().toLowerCase();
    if (await this.o.store.watches.delete(`${key}/${id}`)) return;
    const ids = (await this.list(destination)).watches.map((w) => w.id);
    throw new UserError(`There is no level watch ${showInput(id)} in this chat.`, ids.length ? `Watches here: ${ids.join(', ')}` : 'This chat has no level watches.');
  }
}

function watchNumber(id: string): number {
  return Number(id.replace(/^w/, '')) || 0;
}
