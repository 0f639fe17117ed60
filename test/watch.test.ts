// The level watch evaluator on hand-built bars: an approach is told once and its verdict follows; a new
// approach within the cooldown is silenced with its verdict; a rate-limited send is tried again next bar;
// a verdict still owed is told before a newer approach. And the command words: every level after the
// symbol is one value.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { watchCommand } from '../commands/watch.js';
import { formatPrice } from '../src/analysis/format.js';
import type { Bar, BarSeries, VenueSpec } from '../src/analysis/types.js';
import { parseTextInput } from '../src/core/command-text.js';
import { WatchEvaluator } from '../src/schedule/watch-evaluator.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import type { WatchRule } from '../src/store/records.js';
import { createStore } from '../src/store/store.js';
import { venueSpecFor } from '../src/market/venue-specs.js';
import { FakeClock, FakeMaps, RecordingSender } from './helpers/schedule-fakes.js';

const BAR = 900_000;
const START = Date.UTC(2026, 5, 1);
const DEST = 'tg:-1001';
const LEVEL = 100;

/** Bars whose closes follow `path` (one price per bar), each bar spanning ±0.1 around its open and close. */
function barsOf(path: number[]): Bar[] {
  return path.map((close, i) => {
    const open = i === 0 ? close : path[i - 1]!;
    return { ts: START + i * BAR, open, high: Math.max(open, close) + 0.1, low: Math.min(open, close) - 0.1, close, oiUsd: 1e9 };
  });
}

const flat = (n: number, price: number) => Array.from({ length: n }, () => price);
/** Up from 90 to within 1% of 100, then back to 96 (more than twice the approach distance away): a rejection. */
const rejection = [92, 94, 96, 98, 99.3, 98.5, 97, 96];

function rig(cooldownMs = 4 * 3_600_000) {
  const clock = new FakeClock(START);
  const log = pino({ level: 'silent' });
  const store = createStore(new MemoryBackend(clock.now), log);
  const sender = new RecordingSender('telegram', clock);
  let path: number[] = flat(20, 90);
  const market = {
    async getSeries(): Promise<{ symbol: string; venues: { series: BarSeries; spec: VenueSpec }[] }> {
      return { symbol: 'BTCUSDT', venues: [{ series: { venue: 'binance', symbol: 'BTCUSDT', intervalMs: BAR, bars: barsOf(path) }, spec: venueSpecFor('binance', 'BTCUSDT') }] };
    },
  };
  const evaluator = new WatchEvaluator({ store, maps: new FakeMaps(clock), market, senders: { telegram: sender }, clock, log, instanceId: 'test', cooldownMs });
  const watch: WatchRule = { v: 1, id: 'w1', destination: DEST, platform: 'telegram', symbol: 'BTCUSDT', levels: [{ price: LEVEL }], origin: 'levels', nearPct: 1, createdBy: 'u1', createdAtMs: START + 10 * BAR };
  /** Extends the path and moves the clock past its last bar's close. */
  const advance = async (more: number[]) => {
    path = [...path, ...more];
    clock.ms = START + path.length * BAR + 45_000;
    return evaluator.evaluate();
  };
  const texts = () => sender.deliveries.map((d) => `${d.reply.title}\n${d.reply.text}`);
  return { store, sender, evaluator, watch, advance, texts };
}

describe('level watch evaluator', () => {
  it('tells the approach once, then the verdict once, and nothing more', async () => {
    const r = rig();
    await r.store.watches.put(`${DEST}/w1`, r.watch);
    expect(await r.advance(rejection.slice(0, 5))).toBe(1);
    expect(r.texts()[0]).toContain(`BTC approaching ${formatPrice(LEVEL)}`);
    expect(r.texts()[0]).toContain(`came within 1% of ${formatPrice(LEVEL)} ↑`);
    expect(await r.advance([98.5])).toBe(0);
    expect(await r.advance(rejection.slice(6))).toBe(1);
    expect(r.texts()[1]).toContain(`BTC at ${formatPrice(LEVEL)}: rejected`);
    expect(await r.advance(flat(4, 96))).toBe(0);
    expect(r.sender.deliveries).toHaveLength(2);
    expect((await r.store.watches.get(`${DEST}/w1`))!.levels[0]!.verdictDone).toBe(true);
  });

  it('a second approach within the cooldown is silenced with its verdict; after it, told with its rejection count', async () => {
    const r = rig(3 * 3_600_000);
    await r.store.watches.put(`${DEST}/w1`, r.watch);
    await r.advance([...rejection, ...flat(2, 90)]);
    expect(r.texts()).toHaveLength(2);
    // The same again at once: within three hours of the first message.
    await r.advance([...rejection, ...flat(2, 90)]);
    expect(r.texts()).toHaveLength(2);
    // Later, after the cooldown: the third rejection from below is told, counted.
    await r.advance([...flat(8, 90), ...rejection]);
    expect(r.texts()).toHaveLength(4);
    expect(r.texts()[3]).toContain(`third rejection at ${formatPrice(LEVEL)} in 5 days`);
  });

  it('a rate-limited message is tried again at the next bar, not lost', async () => {
    const r = rig();
    await r.store.watches.put(`${DEST}/w1`, r.watch);
    r.sender.limited.set(DEST, [30_000]);
    expect(await r.advance(rejection.slice(0, 5))).toBe(0);
    expect(await r.advance([98.5])).toBe(1);
    expect(r.texts()[0]).toContain(`BTC approaching ${formatPrice(LEVEL)}`);
  });

  it('approaches made before the watch existed are not news', async () => {
    const r = rig();
    await r.store.watches.put(`${DEST}/w1`, { ...r.watch, createdAtMs: START + 40 * BAR });
    await r.advance(rejection);
    expect(r.sender.deliveries).toHaveLength(0);
  });
});

describe('/watch add words', () => {
  it('takes every level after the symbol as one value, and near wherever it stands', () => {
    const add = watchCommand.subcommands!.find((s) => s.name === 'add')!;
    const parsed = parseTextInput({ ...watchCommand, subcommands: [add] }, 'add btc 85000 near:0.5% 90,000 95k');
    expect(parsed.raw).toEqual({ symbol: 'btc', levels: '85000 90,000 95k', near: '0.5%' });
  });
});
