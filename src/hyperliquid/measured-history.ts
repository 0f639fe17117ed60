// The measured map's history: while the tracker runs, every 15 minutes (the bar of the 3d and 7d
// heatmaps) each followed coin's measured map is sampled into the store (`hlmeas:<coin>/<YYYY-MM-DD>`),
// on the 1d window's fine grid so any heatmap can re-bucket it, within ±30% of the mark. Days older than
// the retention are deleted. The heatmap's measured overlay reads it back (MeasuredPort.history).
import { buildMeasuredMap, historySampleOf, type MeasuredHistorySample } from '../analysis/measured-map.js';
import { bucketSizeFor, WINDOW_BUCKET_FRACTION } from '../analysis/params.js';
import type { Clock } from '../market/clock.js';
import type { MeasuredHistoryRead, MeasuredSnapshot } from '../maps/map-pipeline.js';
import type { Collection } from '../store/collection.js';
import type { MeasuredDay, MeasuredDaySample } from '../store/hyperliquid-records.js';

export const MEASURED_EVERY_MS = 15 * 60_000;
export const MEASURED_RETENTION_DAYS = 30;
const RECORDED_RANGE = 0.3;
const DAY_MS = 86_400_000;

export interface MeasuredHistoryOptions {
  source: { snapshot(symbol: string): MeasuredSnapshot | undefined };
  /** Canonical symbol (BTCUSDT) and Hyperliquid coin (BTC) of each followed market. */
  markets: readonly { symbol: string; coin: string }[];
  /** A function: the bot opens its store after the market. */
  days: () => Collection<MeasuredDay>;
  clock: Clock;
  log: { warn(obj: object, msg: string): void };
  everyMs?: number;
  retentionDays?: number;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One coin's sample from a tracker snapshot; undefined when nothing is tracked. */
export function measuredSample(s: MeasuredSnapshot, ts: number): MeasuredDaySample | undefined {
  if (s.positions.length === 0 || !(s.markPx > 0)) return undefined;
  const map = buildMeasuredMap({ positions: s.positions, price: s.markPx, bucketSize: bucketSizeFor(s.markPx, WINDOW_BUCKET_FRACTION['1d']), range: RECORDED_RANGE });
  return { ...historySampleOf(map, ts), coverage: s.coverage };
}

export class MeasuredHistory {
  readonly everyMs: number;
  private readonly retentionDays: number;
  private recordingSinceMs: number | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** The last day written per coin: retention runs when a new day starts. */
  private readonly lastDay = new Map<string, string>();

  constructor(private readonly o: MeasuredHistoryOptions) {
    this.everyMs = o.everyMs ?? MEASURED_EVERY_MS;
    this.retentionDays = o.retentionDays ?? MEASURED_RETENTION_DAYS;
  }

  /** Samples every followed coin now; returns how many samples were written. */
  async record(nowMs = this.o.clock.now()): Promise<number> {
    let written = 0;
    for (const { symbol, coin } of this.o.markets) {
      const snapshot = this.o.source.snapshot(symbol);
      const sample = snapshot ? measuredSample(snapshot, nowMs) : undefined;
      if (!sample) continue;
      const day = dayOf(nowMs);
      const id = `${coin}/${day}`;
      const record = (await this.o.days().get(id)) ?? { v: 1 as const, coin, day, samples: [] };
      record.samples.push(sample);
      await this.o.days().put(id, record);
      written++;
      if (this.lastDay.get(coin) !== day) {
        this.lastDay.set(coin, day);
        await this.expire(coin, nowMs);
      }
    }
    return written;
  }

  /** Deletes the coin's days older than the retention. */
  async expire(coin: string, nowMs: number): Promise<void> {
    const oldest = dayOf(nowMs - (this.retentionDays - 1) * DAY_MS);
    for (const record of await this.o.days().list(`${coin}/`)) {
      if (record.day < oldest) await this.o.days().delete(`${coin}/${record.day}`);
    }
  }

  async history(symbol: string, fromMs: number, toMs: number): Promise<MeasuredHistoryRead> {
    const market = this.o.markets.find((m) => m.symbol === symbol);
    const samples: MeasuredHistorySample[] = [];
    if (market && toMs >= fromMs) {
      for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d <= toMs; d += DAY_MS) {
        const record = await this.o.days().get(`${market.coin}/${dayOf(d)}`);
        for (const s of record?.samples ?? []) if (s.ts >= fromMs && s.ts <= toMs) samples.push({ ts: s.ts, markPx: s.markPx, bucketSize: s.bucketSize, levels: s.levels });
      }
    }
    return { samples, everyMs: this.everyMs, recordingSinceMs: this.recordingSinceMs };
  }

  /** Records at every multiple of everyMs until stop(); a failed write is logged and the next one tried. */
  start(): void {
    if (this.loop) return;
    const { clock } = this.o;
    this.stopped = false;
    this.recordingSinceMs = clock.now();
    this.loop = (async () => {
      let next = Math.ceil(clock.now() / this.everyMs) * this.everyMs;
      while (!this.stopped) {
        if (clock.now() >= next) {
          next = (Math.floor(clock.now() / this.everyMs) + 1) * this.everyMs;
          await this.record().catch((err: unknown) => this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'hyperliquid: measured history not recorded'));
        }
        // Short sleeps so stop() returns promptly.
        await clock.sleep(Math.max(1, Math.min(1000, next - clock.now())));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.loop = undefined;
  }
}
