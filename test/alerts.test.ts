import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AlertEvaluator } from '../src/schedule/alert-evaluator.js';
import { clusterCondition, liquidationsCondition, parsePeriod, parseUsd, ratioCondition, stepRule } from '../src/schedule/alert-rules.js';
import { RealizedWindow } from '../src/schedule/realized-liquidations.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { createStore } from '../src/store/store.js';
import type { AlertRule } from '../src/store/records.js';
import { caller, scheduleBot } from './helpers/schedule-bot.js';
import { FakeClock, FakeMaps, mapFor, RecordingSender } from './helpers/schedule-fakes.js';

const BAR = 15 * 60_000;

describe('parsing and floors', () => {
  it('reads amounts, periods and ratios, and refuses what would spam', () => {
    expect(parseUsd('500M')).toBe(500e6);
    expect(parseUsd('$1.2B')).toBe(1.2e9);
    expect(parseUsd('250k')).toBe(250e3);
    expect(parsePeriod('1h')).toBe(3_600_000);
    expect(parsePeriod('15m')).toBe(900_000);
    expect(ratioCondition('>', '5:1')).toEqual({ kind: 'ratio', op: '>', threshold: 5 });
    expect(ratioCondition('<', '1:4')).toEqual({ kind: 'ratio', op: '<', threshold: 0.25 });
    expect(() => ratioCondition('>', '-3')).toThrow(/impossible/);
    expect(() => ratioCondition('>', '1.2')).toThrow(/at least 1.5/);
    expect(() => ratioCondition('<', '0.9')).toThrow(/at most 1:1.5/);
    expect(() => clusterCondition('500K', '2%')).toThrow(/at least \$1M/);
    expect(() => clusterCondition('500M', '80%')).toThrow(/out of bounds: give a distance from 0.1% to 50%/);
    expect(() => liquidationsCondition('50M', '1m')).toThrow(/at least 5m/);
    expect(() => parseUsd('lots')).toThrow(/not an amount/);
  });

  it('refuses thresholds beyond any market with the range that makes sense', () => {
    expect(() => ratioCondition('>', '10000000000000000')).toThrow(/beyond any market: the threshold must be from 1.5 to 100/);
    expect(() => ratioCondition('<', '1:10000000000000000')).toThrow(/beyond any market: the threshold must be from 1:100 \(0.01\) to 1:1.5/);
    expect(() => clusterCondition('100T', '2%')).toThrow(/beyond any market: give from \$1M to \$10B/);
    expect(() => clusterCondition('500M', '0.0001%')).toThrow(/closer than the map can tell: give a distance from 0.1% to 50%/);
    expect(() => liquidationsCondition('100T', '1h')).toThrow(/beyond any market: give from \$1M to \$10B/);
    // The edges of each range are accepted.
    expect(ratioCondition('>', '100')).toEqual({ kind: 'ratio', op: '>', threshold: 100 });
    expect(ratioCondition('<', '1:100')).toEqual({ kind: 'ratio', op: '<', threshold: 0.01 });
    expect(clusterCondition('10B', '0.1%')).toEqual({ kind: 'cluster', minUsd: 10e9, withinPct: 0.1 });
    expect(liquidationsCondition('10B', '24h')).toEqual({ kind: 'liquidations', minUsd: 10e9, periodMs: 24 * 3_600_000 });
  });
});

describe('/alerts', () => {
  it('add, list, remove; members may list but not change', async () => {
    const b = scheduleBot();
    expect((await b.run('/alerts add ratio btc > 5')).text).toMatch(/^a1: BTC ratio > 5:1/);
    expect((await b.run('/alerts add cluster btc 500M 2%')).text).toMatch(/^a2: BTC price within 2% of a cluster of at least \$500M/);
    expect((await b.run('/alerts add ratio eth < 1:3')).text).toMatch(/^a3: ETH ratio < 1:3/);
    expect((await b.run('/alerts add ratio btc > 5', caller('member'))).text).toMatch(/moderators only/);
    const list = await b.run('/alerts list', caller('member'));
    expect(list.title).toBe('Alert rules (3 of 10)');
    expect(list.text.split('\n')).toHaveLength(3);
    expect((await b.run('/alerts remove a2', caller('member'))).text).toMatch(/moderators only/);
    expect((await b.run('/alerts remove a2')).text).toBe('Alert rule a2 removed.');
    expect((await b.run('/alerts remove a9')).text).toMatch(/There is no alert rule a9 in this chat\.\nRules here: a1, a3/);
    expect((await b.run('/alerts list')).text).not.toContain('a2');
  });

  it('a removed rule\'s id is not handed out again (its cooldown must not pass to a new rule)', async () => {
    const b = scheduleBot();
    await b.run('/alerts add ratio btc > 5');
    await b.run('/alerts add ratio btc > 6');
    await b.run('/alerts remove a2');
    expect((await b.run('/alerts add ratio btc > 7')).text).toMatch(/^a3: /);
  });

  it('absurd inputs and an 11th rule get clear errors', async () => {
    const b = scheduleBot();
    expect((await b.run('/alerts add ratio btc > -3')).text).toMatch(/A ratio of -3 is impossible/);
    expect((await b.run('/alerts add ratio btc > 1')).text).toMatch(/must be at least 1.5/);
    expect((await b.run('/alerts add cluster btc 500K 2%')).text).toMatch(/too small/);
    expect((await b.run('/alerts add ratio btc = 5')).text).toMatch(/I don't understand "="|op/);
    expect((await b.run('/alerts add liquidations btc 50M 1h')).text).toMatch(/need the live liquidation stream/);
    // Beyond any market: refused, not stored, so they cannot use up the chat's 10 rules.
    expect((await b.run('/alerts add ratio btc > 9999999999999999')).text).toMatch(/beyond any market: the threshold must be from 1.5 to 100/);
    expect((await b.run('/alerts add cluster btc 100000000000000 2%')).text).toMatch(/beyond any market: give from \$1M to \$10B/);
    expect((await b.run('/alerts add cluster btc 500M 0.0001%')).text).toMatch(/from 0.1% to 50%/);
    expect(await b.store.alertRules.list()).toHaveLength(0);
    for (let i = 0; i < 10; i++) expect((await b.run(`/alerts add ratio btc > ${2 + i}`)).text).toMatch(/^a\d+:/);
    expect((await b.run('/alerts add ratio btc > 20')).text).toMatch(/already has 10 alert rules, the most allowed/);
    expect(await b.store.alertRules.list()).toHaveLength(10);
  });
});

function ruleOf(condition: AlertRule['condition'], id = 'a1'): AlertRule {
  return { v: 1, id, destination: 'tg:-1001', platform: 'telegram', symbol: 'BTCUSDT', condition, createdBy: 'm', createdAtMs: 0, armed: true };
}

describe('evaluation', () => {
  it('hysteresis: a ratio rule fires once, not on every bar, and re-arms below 90% of its threshold', () => {
    let rule = ruleOf({ kind: 'ratio', op: '>', threshold: 5 });
    const fired: number[] = [];
    const ratios = [4, 5.5, 6, 7, 5.2, 4.6, 6, 4.4, 4.9, 5.1, 6];
    ratios.forEach((ratio, i) => {
      const step = stepRule(rule, { map: { ...mapFor('BTCUSDT'), ratio, ratioKind: 'finite' } });
      if (step.fire) fired.push(i);
      rule = { ...rule, armed: step.fire ? false : step.armed };
    });
    // Fires at 5.5; 4.6 is above 4.5 so it stays disarmed through 6; 4.4 re-arms; 5.1 fires again.
    expect(fired).toEqual([1, 9]);
  });

  it('the evaluator applies the cooldown across bars and two instances, and sends the picture', async () => {
    const clock = new FakeClock(Date.parse('2026-06-10T00:00:30Z'));
    const maps = new FakeMaps(clock);
    const sender = new RecordingSender('telegram', clock);
    const backend = new MemoryBackend(clock.now);
    const log = pino({ level: 'silent' });
    const store = createStore(backend, log);
    const make = (id: string) => new AlertEvaluator({ store, maps, senders: { telegram: sender }, clock, log, instanceId: id });
    const [a, b] = [make('a'), make('b')];
    await store.alertRules.put('tg:-1001/a1', ruleOf({ kind: 'ratio', op: '>', threshold: 5 }));
    // Above, back below 4.5 (re-arm), above again within 4 h (cooldown holds it), still above after 4 h (fires).
    const ratios = [6, 6, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6];
    const firedAt: number[] = [];
    for (const [i, ratio] of ratios.entries()) {
      maps.ratios.set('BTCUSDT', ratio);
      const before = sender.deliveries.length;
      await Promise.all([a.evaluate('map'), b.evaluate('map')]);
      if (sender.deliveries.length > before) firedAt.push(i);
      expect(sender.deliveries.length - before).toBeLessThanOrEqual(1);
      clock.advance(BAR);
    }
    expect(firedAt).toEqual([0, 16]);
    const alert = sender.deliveries[0]!.reply;
    expect(alert.title).toBe('Alert a1: BTC ratio > 5:1');
    expect(alert.text).toMatch(/^ratio 6:1 short-heavy \(shorts \$[\d.]+[KMB] above vs longs/);
    expect(alert.images).toHaveLength(1);
  });

  it('liquidation rules fire on the live sums; a kicked bot pauses the chat\'s rules', async () => {
    let sums = { longUsd: 10e6, shortUsd: 5e6 };
    const b = scheduleBot('2026-06-10T00:00:00Z', { sum: () => sums });
    expect((await b.run('/alerts add liquidations btc 50M 1h')).text).toMatch(/^a1: BTC realized liquidations of at least \$50M in 1h/);
    expect(await b.alerts.evaluate('liquidations')).toBe(0);
    sums = { longUsd: 40e6, shortUsd: 20e6 };
    expect(await b.alerts.evaluate('liquidations')).toBe(1);
    expect(b.sender.deliveries[0]!.reply.text).toMatch(/^\$60M liquidated in 1h \(longs \$40M, shorts \$20M\)/);
    expect(await b.alerts.evaluate('liquidations')).toBe(0);
    sums = { longUsd: 10e6, shortUsd: 5e6 };
    await b.alerts.evaluate('liquidations');
    b.clock.advance(5 * 3_600_000);
    sums = { longUsd: 60e6, shortUsd: 5e6 };
    b.sender.gone.set('tg:-1001', 'Telegram 403: bot was kicked from the group chat');
    expect(await b.alerts.evaluate('liquidations')).toBe(0);
    expect((await b.run('/alerts list', caller('member'))).text).toMatch(/Paused: Telegram 403/);
    const attempts = b.sender.attempts;
    await b.alerts.evaluate('liquidations');
    expect(b.sender.attempts).toBe(attempts);
  });
});

describe('realized liquidations from the live feed', () => {
  it('sums any period from 5 minutes to a day, per symbol, and says how much of it the stream watched', () => {
    const clock = new FakeClock(Date.parse('2026-06-10T10:00:00Z'));
    const w = new RealizedWindow(clock);
    clock.set('2026-06-10T12:00:00Z');
    const at = (min: number) => clock.ms - min * 60_000;
    w.add({ symbol: 'BTCUSDT', side: 'long', usd: 10e6, ts: at(2) });
    w.add({ symbol: 'BTCUSDT', side: 'short', usd: 5e6, ts: at(10) });
    w.add({ symbol: 'BTCUSDT', side: 'long', usd: 1e6, ts: at(90) });
    w.add({ symbol: 'ETHUSDT', side: 'long', usd: 7e6, ts: at(1) });
    expect(w.sum('BTCUSDT', 5 * 60_000)).toEqual({ longUsd: 10e6, shortUsd: 0, coveredMs: 5 * 60_000 });
    expect(w.sum('BTCUSDT', 15 * 60_000)).toEqual({ longUsd: 10e6, shortUsd: 5e6, coveredMs: 15 * 60_000 });
    // Started two hours ago: a "24h" sum covers two hours.
    expect(w.sum('BTCUSDT', 24 * 3_600_000)).toEqual({ longUsd: 11e6, shortUsd: 5e6, coveredMs: 2 * 3_600_000 });
    expect(w.sum('SOLUSDT', 3_600_000)).toBeUndefined();
  });
});
