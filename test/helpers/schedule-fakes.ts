// In-memory stand-ins for the schedule tests: a controllable clock, a map service that counts renders,
// and a destination sender that records deliveries and can play a kicked bot or a rate limit.
import pino from 'pino';
import { buildMap } from '../../src/analysis/build-map.js';
import type { LiquidationMap } from '../../src/analysis/types.js';
import { type DestinationSender, type Reply, type SendResult } from '../../src/core/command.js';
import { type Platform } from '../../src/core/caller.js';
import { encodeDestination, type Destination } from '../../src/core/destination.js';
import type { MapInput, MapPicture, MapResult, MapService, ResolvedQuery } from '../../src/maps/map-pipeline.js';
import { parseMapQuery } from '../../src/maps/map-query.js';
import { venueSpecFor } from '../../src/market/venue-specs.js';
import { canonicalSymbol } from '../../src/market/symbols.js';
import { sampleSeries } from './sample.js';

export class FakeClock {
  constructor(public ms: number) {}
  now = () => this.ms;
  set(iso: string) {
    this.ms = Date.parse(iso);
  }
  advance(ms: number) {
    this.ms += ms;
  }
}

let sampleMap: LiquidationMap | undefined;
/** The bundled sample's BTC map (built once per test file), relabelled per symbol. */
export function mapFor(symbol: string, window: LiquidationMap['meta']['window'] = '7d'): LiquidationMap {
  sampleMap ??= buildMap({ symbol: 'BTCUSDT', window: '7d', venues: [{ series: sampleSeries(), spec: venueSpecFor('binance', 'BTCUSDT') }] });
  return { ...sampleMap, meta: { ...sampleMap.meta, symbol, window } };
}

/** Counts renders per picture id; the id changes with the 15-minute bar like the real service's. */
export class FakeMaps implements MapService {
  renders = new Map<string, number>();
  ratios = new Map<string, number>();
  constructor(private readonly clock: { now(): number }) {}
  async resolve(input: MapInput): Promise<ResolvedQuery> {
    if ('resolved' in input) return input;
    const q = parseMapQuery(input);
    return { ...q, symbol: canonicalSymbol(q.symbol), resolved: true };
  }
  idOf(kind: 'map' | 'heatmap', q: ResolvedQuery) {
    return `${kind}:${q.symbol}:${q.window}:${Math.floor(this.clock.now() / 900_000)}`;
  }
  async map(input: MapInput): Promise<MapResult> {
    const query = await this.resolve(input);
    const m = mapFor(query.symbol, query.window);
    const ratio = this.ratios.get(query.symbol);
    return { id: this.idOf('map', query), query, map: ratio === undefined ? m : { ...m, ratio, ratioKind: 'finite' } };
  }
  async mapPicture(input: MapInput): Promise<MapPicture> {
    const result = await this.map(input);
    this.renders.set(result.id, (this.renders.get(result.id) ?? 0) + 1);
    return { ...result, png: Buffer.from(`png:${result.id}`) };
  }
  async heatmap(): Promise<never> {
    throw new Error('not used');
  }
  async heatmapPicture(): Promise<never> {
    throw new Error('not used');
  }
  async comparePicture(): Promise<never> {
    throw new Error('not used');
  }
  async crossings() {
    return [];
  }
  async searchSymbols(prefix: string) {
    return ['BTCUSDT', 'ETHUSDT'].filter((s) => s.startsWith(prefix.toUpperCase())).map((symbol) => ({ symbol, base: symbol.replace(/USDT$/, '') }));
  }
}

export interface Delivery {
  destination: string;
  atMs: number;
  reply: Reply;
}

export class RecordingSender implements DestinationSender {
  deliveries: Delivery[] = [];
  attempts = 0;
  gone = new Map<string, string>();
  /** Destination → retry-after values to answer before delivering. */
  limited = new Map<string, number[]>();
  constructor(
    readonly platform: Platform,
    private readonly clock: { now(): number },
  ) {}
  async send(destination: Destination, reply: Reply): Promise<SendResult> {
    this.attempts++;
    const key = encodeDestination(destination);
    const reason = this.gone.get(key);
    if (reason) return { gone: reason };
    const waits = this.limited.get(key);
    if (waits?.length) return { retryAfterMs: waits.shift()! };
    this.deliveries.push({ destination: key, atMs: this.clock.now(), reply });
    return 'ok';
  }
  sentTo(destination: string) {
    return this.deliveries.filter((d) => d.destination === destination).map((d) => new Date(d.atMs).toISOString());
  }
}

export function silentLogger() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}
