// What Hyperliquid does not keep, recorded forward: its open interest (the info API serves only the
// current value) sampled as the bot runs, and taker flow summed from the trades stream per 5-minute
// bar. Kept per coin and UTC day behind a small store port, so a restart continues the record; joined
// onto the venue's candles by bar close.
import type { Bar } from '../../analysis/types.js';
import type { HlTrade } from './types.js';

export const FLOW_BAR_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export interface OiSample {
  /** When it was read (ms). */
  ts: number;
  /** Open interest in coins, as the venue gives it. */
  oi: number;
  markPx: number;
}

/** Taker volume (coins) of one 5-minute bar, counted only when the stream listened through all of it. */
export interface FlowBar {
  ts: number;
  buy: number;
  sell: number;
}

export interface ForwardDay {
  coin: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  oi: OiSample[];
  flow: FlowBar[];
}

/** Where the days are kept (the bot's store). */
export interface ForwardSeriesStore {
  load(coin: string, day: string): Promise<ForwardDay | undefined>;
  save(record: ForwardDay): Promise<void>;
}

export function utcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Open interest at each bar's close: the sample nearest the close within `toleranceMs` (samples are
 * taken once a minute or once a bar, so the nearest is at most that far). Bars without one keep none.
 */
export function joinOi(bars: readonly Bar[], samples: readonly OiSample[], intervalMs: number, toleranceMs = Math.max(60_000, intervalMs / 2)): Bar[] {
  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  let j = 0;
  return bars.map((bar) => {
    const close = bar.ts + intervalMs;
    while (j + 1 < sorted.length && sorted[j + 1]!.ts <= close) j++;
    let best: OiSample | undefined;
    for (const s of [sorted[j], sorted[j + 1]]) {
      if (!s || Math.abs(s.ts - close) > toleranceMs) continue;
      if (!best || Math.abs(s.ts - close) < Math.abs(best.ts - close)) best = s;
    }
    return best ? { ...bar, oi: best.oi, oiUsd: best.oi * bar.close } : { ...bar };
  });
}

/** Taker-buy volume per bar, summed from 5-minute flow bars that cover the whole bar; else none. */
export function joinFlow(bars: readonly Bar[], flow: readonly FlowBar[], intervalMs: number): Bar[] {
  const byTs = new Map(flow.map((f) => [f.ts, f]));
  const per = Math.max(1, Math.round(intervalMs / FLOW_BAR_MS));
  return bars.map((bar) => {
    let buy = 0;
    let sell = 0;
    for (let k = 0; k < per; k++) {
      const f = byTs.get(bar.ts + k * FLOW_BAR_MS);
      if (!f) return { ...bar };
      buy += f.buy;
      sell += f.sell;
    }
    return { ...bar, takerBuyVolume: buy, volume: bar.volume ?? buy + sell };
  });
}

/**
 * The recorder: `sampleOi` after each market read, `onTrades` for every trades frame, `streamState`
 * when the trades stream opens or drops (flow bars the stream did not hear whole are not kept).
 */
export class ForwardSeries {
  private readonly days = new Map<string, ForwardDay>();
  private readonly dirty = new Set<string>();
  /** The stream has been listening since then (ms), or not at all (undefined). */
  private listeningSince: number | undefined;
  private readonly open = new Map<string, FlowBar>();
  /** Days begun in memory before their stored part was read (after a restart): merged on first use. */
  private readonly partial = new Set<string>();

  constructor(private readonly store?: ForwardSeriesStore) {}

  sampleOi(coin: string, oi: number, markPx: number, atMs: number): void {
    this.day(coin, atMs).oi.push({ ts: atMs, oi, markPx });
    this.dirty.add(key(coin, utcDay(atMs)));
  }

  streamState(open: boolean, atMs: number): void {
    if (open && this.listeningSince === undefined) this.listeningSince = atMs;
    if (!open) {
      this.listeningSince = undefined;
      this.open.clear();
    }
  }

  /** Adds trades to their 5-minute bars; bars that ended by `nowMs` and were heard whole are kept. */
  onTrades(trades: readonly HlTrade[], nowMs: number): void {
    for (const t of trades) {
      const ts = Math.floor(t.time / FLOW_BAR_MS) * FLOW_BAR_MS;
      const k = key(t.coin, String(ts));
      const bar = this.open.get(k) ?? { ts, buy: 0, sell: 0 };
      if (t.side === 'B') bar.buy += t.sz;
      else bar.sell += t.sz;
      this.open.set(k, bar);
    }
    this.closeBars(nowMs);
  }

  /** Ends the 5-minute bars that are over. A bar begun before the stream listened is dropped. */
  closeBars(nowMs: number): void {
    for (const [k, bar] of this.open) {
      if (bar.ts + FLOW_BAR_MS > nowMs) continue;
      this.open.delete(k);
      if (this.listeningSince === undefined || this.listeningSince > bar.ts) continue;
      const coin = k.slice(0, k.indexOf('|'));
      this.day(coin, bar.ts).flow.push(bar);
      this.dirty.add(key(coin, utcDay(bar.ts)));
    }
  }

  /** Samples and flow bars of [fromMs, toMs), stored days merged in. */
  async range(coin: string, fromMs: number, toMs: number): Promise<{ oi: OiSample[]; flow: FlowBar[] }> {
    const oi: OiSample[] = [];
    const flow: FlowBar[] = [];
    for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d < toMs; d += DAY_MS) {
      const day = await this.complete(coin, utcDay(d));
      if (!day) continue;
      oi.push(...day.oi.filter((s) => s.ts >= fromMs && s.ts < toMs));
      flow.push(...day.flow.filter((f) => f.ts >= fromMs && f.ts < toMs));
    }
    return { oi, flow };
  }

  /** Writes the days changed since the last flush, merged with what the store held. */
  async flush(): Promise<void> {
    if (!this.store) return;
    let failure: unknown;
    for (const k of [...this.dirty]) {
      this.dirty.delete(k);
      const [coin, d] = k.split('|') as [string, string];
      try {
        const day = await this.complete(coin, d);
        if (day) await this.store.save(day);
      } catch (err) {
        // Kept for the next flush: nothing recorded is dropped because a write failed once.
        this.dirty.add(k);
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private day(coin: string, atMs: number): ForwardDay {
    const d = utcDay(atMs);
    const k = key(coin, d);
    let day = this.days.get(k);
    if (!day) {
      day = { coin, day: d, oi: [], flow: [] };
      this.days.set(k, day);
      this.partial.add(k);
    }
    return day;
  }

  private async complete(coin: string, d: string): Promise<ForwardDay | undefined> {
    const k = key(coin, d);
    const held = this.days.get(k);
    if (held && !this.partial.has(k)) return held;
    const stored = this.store ? await this.store.load(coin, d) : undefined;
    this.partial.delete(k);
    if (!held) {
      if (stored) this.days.set(k, stored);
      return stored;
    }
    if (stored) {
      const oiAt = new Set(held.oi.map((s) => s.ts));
      const flowAt = new Set(held.flow.map((f) => f.ts));
      held.oi = [...stored.oi.filter((s) => !oiAt.has(s.ts)), ...held.oi].sort((a, b) => a.ts - b.ts);
      held.flow = [...stored.flow.filter((f) => !flowAt.has(f.ts)), ...held.flow].sort((a, b) => a.ts - b.ts);
    }
    return held;
  }
}

function key(coin: string, part: string): string {
  return `${coin}|${part}`;
}
