import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationSender, SendResult } from '../src/core/command.js';
import { DigestScheduler } from '../src/schedule/digest-scheduler.js';
import { digestStatus } from '../src/schedule/digest-status.js';
import { latestSlot, nextSlot, parseTimeOfDay, parseTimezone } from '../src/schedule/slots.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { RedisBackend } from '../src/store/redis-backend.js';
import { SqliteBackend } from '../src/store/sqlite-backend.js';
import { createStore, type Store } from '../src/store/store.js';
import type { Subscription } from '../src/store/records.js';
import { FakeClock, FakeMaps, RecordingSender, silentLogger } from './helpers/schedule-fakes.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';

const MIN = 60_000;

function sub(destination: string, time: string, timezone: string, updatedAt: string, extra: Partial<Subscription> = {}): Subscription {
  return {
    v: 1,
    destination,
    platform: 'telegram',
    time,
    timezone,
    days: 'daily',
    symbols: ['BTCUSDT'],
    window: '7d',
    createdBy: 'mod',
    updatedAtMs: Date.parse(updatedAt),
    enabled: true,
    ...extra,
  };
}

interface Rig {
  clock: FakeClock;
  store: Store;
  sender: RecordingSender;
  maps: FakeMaps;
  scheduler: DigestScheduler;
  lines: ReturnType<typeof silentLogger>['lines'];
}

function rig(startIso: string, store?: Store, shared?: { clock: FakeClock; sender: RecordingSender; maps: FakeMaps }, instanceId = 'i1'): Rig {
  const clock = shared?.clock ?? new FakeClock(Date.parse(startIso));
  const { log, lines } = silentLogger();
  const s = store ?? createStore(new MemoryBackend(clock.now), log);
  const sender = shared?.sender ?? new RecordingSender('telegram', clock);
  const maps = shared?.maps ?? new FakeMaps(clock);
  const scheduler = new DigestScheduler({ store: s, maps, senders: { telegram: sender }, clock, log, instanceId, sleep: async (ms) => clock.advance(ms) });
  return { clock, store: s, sender, maps, scheduler, lines };
}

/** Ticks every minute, as the real timer does, until `endIso`. */
async function runUntil(r: { clock: FakeClock; schedulers: DigestScheduler[] }, endIso: string, stepMs = MIN) {
  const end = Date.parse(endIso);
  while (r.clock.ms < end) {
    r.clock.advance(stepMs);
    await Promise.all(r.schedulers.map((s) => s.tick()));
  }
}

describe('slots', () => {
  it('parses times and zones, refusing absurd ones with clear errors', () => {
    expect(parseTimeOfDay('8:05')).toBe('08:05');
    expect(parseTimeOfDay('0800')).toBe('08:00');
    expect(() => parseTimeOfDay('25:00')).toThrow(/not a time of day/);
    expect(() => parseTimeOfDay('12:60')).toThrow(/not a time of day/);
    expect(parseTimezone('europe/berlin')).toBe('Europe/Berlin');
    expect(parseTimezone('utc')).toBe('UTC');
    // The name the moderator typed, not the runtime's older alias for it (ICU says Asia/Calcutta, Europe/Kiev).
    expect(parseTimezone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(parseTimezone('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(parseTimezone(' Asia/Ho_Chi_Minh ')).toBe('Asia/Ho_Chi_Minh');
    expect(() => parseTimezone('Mars/Olympus_Mons')).toThrow(/not a time zone I know/);
    expect(() => parseTimezone('DROP TABLE')).toThrow(/not a time zone I know/);
  });

  it('weekdays skip the weekend', () => {
    const spec = { time: '08:00', timezone: 'Europe/Berlin', days: 'weekdays' as const };
    // Friday 2026-11-20 10:00 Berlin → next is Monday 23rd.
    expect(new Date(nextSlot(spec, Date.parse('2026-11-20T09:00:00Z'))!).toISOString()).toBe('2026-11-23T07:00:00.000Z');
    expect(new Date(latestSlot(spec, Date.parse('2026-11-22T12:00:00Z'))!).toISOString()).toBe('2026-11-20T07:00:00.000Z');
  });
});

describe('DST-change days', () => {
  it('Europe/Berlin spring forward: 08:00 moves to 06:00Z; 02:30 (in the gap) runs once at 03:00 local', async () => {
    const r = rig('2026-03-27T22:00:00Z');
    await r.store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'Europe/Berlin', '2026-03-01T00:00:00Z'));
    await r.store.subscriptions.put('tg:2', sub('tg:2', '02:30', 'Europe/Berlin', '2026-03-01T00:00:00Z'));
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-03-30T12:00:00Z');
    expect(r.sender.sentTo('tg:1')).toEqual(['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z', '2026-03-30T06:00:00.000Z']);
    expect(r.sender.sentTo('tg:2')).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('Europe/Berlin fall back: 02:30 happens twice on the clock but the digest goes once', async () => {
    const r = rig('2026-10-24T20:00:00Z');
    await r.store.subscriptions.put('tg:1', sub('tg:1', '02:30', 'Europe/Berlin', '2026-10-01T00:00:00Z'));
    await r.store.subscriptions.put('tg:2', sub('tg:2', '08:00', 'Europe/Berlin', '2026-10-01T00:00:00Z'));
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-10-26T12:00:00Z');
    expect(r.sender.sentTo('tg:1')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(r.sender.sentTo('tg:2')).toEqual(['2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z']);
  });

  it('America/New_York spring forward and fall back', async () => {
    const r = rig('2026-03-07T20:00:00Z');
    await r.store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'America/New_York', '2026-03-01T00:00:00Z'));
    await r.store.subscriptions.put('tg:2', sub('tg:2', '02:15', 'America/New_York', '2026-03-01T00:00:00Z'));
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-03-09T20:00:00Z');
    expect(r.sender.sentTo('tg:1')).toEqual(['2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z']);
    // 02:15 does not exist on 8 March: 03:00 EDT.
    expect(r.sender.sentTo('tg:2')).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:15:00.000Z']);

    const f = rig('2026-10-31T20:00:00Z');
    await f.store.subscriptions.put('tg:3', sub('tg:3', '01:30', 'America/New_York', '2026-10-01T00:00:00Z'));
    await runUntil({ clock: f.clock, schedulers: [f.scheduler] }, '2026-11-02T20:00:00Z');
    expect(f.sender.sentTo('tg:3')).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });
});

describe('restarts, grace window, gone destinations, retries', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'liqmap-sched-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a restart in the middle of a day resends nothing, sends a missed slot late within the grace window, skips an older one', async () => {
    const path = join(dir, 'restart.sqlite');
    const clock = new FakeClock(Date.parse('2026-06-10T04:00:00Z'));
    const sender = new RecordingSender('telegram', clock);
    const maps = new FakeMaps(clock);
    const first = createStore(new SqliteBackend(path, clock.now), silentLogger().log);
    const a = rig('', first, { clock, sender, maps }, 'a');
    await first.subscriptions.put('tg:early', sub('tg:early', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    await first.subscriptions.put('tg:missed', sub('tg:missed', '09:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    await first.subscriptions.put('tg:toolate', sub('tg:toolate', '07:00', 'UTC', '2026-06-01T00:00:00Z'));
    await first.subscriptions.put('tg:evening', sub('tg:evening', '18:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    // Instance a runs from 06:00 to 08:50 Berlin time (04:00–06:50Z), then dies.
    await runUntil({ clock, schedulers: [a.scheduler] }, '2026-06-10T06:50:00Z');
    expect(sender.sentTo('tg:early')).toEqual(['2026-06-10T06:00:00.000Z']);
    expect(sender.sentTo('tg:toolate')).toEqual([]);
    await first.close();

    // Instance b starts on the same file at 10:30 Berlin (08:30Z).
    clock.set('2026-06-10T08:30:00Z');
    const second = createStore(new SqliteBackend(path, clock.now), silentLogger().log);
    const b = rig('', second, { clock, sender, maps }, 'b');
    await b.scheduler.tick();
    // 09:00 Berlin and 07:00 UTC are both 07:00Z, 1.5 h ago: within the 2 h grace, sent late.
    expect(sender.sentTo('tg:missed')).toEqual(['2026-06-10T08:30:00.000Z']);
    expect(sender.sentTo('tg:toolate')).toEqual(['2026-06-10T08:30:00.000Z']);
    await runUntil({ clock, schedulers: [b.scheduler] }, '2026-06-10T21:00:00Z');
    expect(sender.sentTo('tg:early')).toEqual(['2026-06-10T06:00:00.000Z']);
    expect(sender.sentTo('tg:evening')).toEqual(['2026-06-10T16:00:00.000Z']);
    expect((await second.subscriptions.get('tg:missed'))?.lastSlotMs).toBe(Date.parse('2026-06-10T07:00:00Z'));
    await second.close();

    // A longer outage: the next morning's 09:00 Berlin slot is 3 h old at restart → skipped and logged.
    clock.set('2026-06-11T10:00:00Z');
    const third = createStore(new SqliteBackend(path, clock.now), silentLogger().log);
    const c = rig('', third, { clock, sender, maps }, 'c');
    await c.scheduler.tick();
    expect(sender.sentTo('tg:missed')).toEqual(['2026-06-10T08:30:00.000Z']);
    expect(c.lines.some((l) => l.msg.includes('beyond the grace window') && l.destination === 'tg:missed')).toBe(true);
    await c.scheduler.tick();
    expect(c.lines.filter((l) => l.msg.includes('beyond the grace window') && l.destination === 'tg:missed')).toHaveLength(1);
    await third.close();
  });

  it('a kicked bot disables the subscription once, with the reason, and stops sending', async () => {
    const r = rig('2026-06-10T05:00:00Z');
    await r.store.subscriptions.put('tg:-1001', sub('tg:-1001', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    await r.store.subscriptions.put('tg:-1002', sub('tg:-1002', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    r.sender.gone.set('tg:-1001', 'Telegram 403: bot was kicked from the group chat');
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-06-12T12:00:00Z');
    const kicked = await r.store.subscriptions.get('tg:-1001');
    expect(kicked?.enabled).toBe(false);
    expect(kicked?.disabledReason).toMatch(/kicked/);
    expect((await r.store.chats.get('tg:-1001'))?.gone?.reason).toMatch(/kicked/);
    expect(r.sender.sentTo('tg:-1002')).toHaveLength(3);
    // One attempt at the kicked chat (the first slot), then none.
    expect(r.sender.attempts).toBe(4);
    expect(r.lines.filter((l) => l.msg.startsWith('destination gone'))).toHaveLength(1);
  });

  it('an instance without the platform\'s connection leaves the slot alone and never disables the chat', async () => {
    const r = rig('2026-06-10T05:59:00Z');
    await r.store.subscriptions.put('dc:1:2', sub('dc:1:2', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z', { platform: 'discord' }));
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-06-10T06:05:00Z');
    expect((await r.store.subscriptions.get('dc:1:2'))?.enabled).toBe(true);
    expect(await r.store.chats.get('dc:1:2')).toBeUndefined();
    // The slot is still free for an instance that has Discord.
    expect(await r.store.backend.claim('digest:dc:1:2:2026-06-10T06:00:00.000Z', 'other', 60_000)).toBe(true);
    expect(r.lines.some((l) => l.msg.includes('no sender for this destination'))).toBe(true);
  });

  it('a 429 is waited out; a long one gives the slot back and a later tick sends it, once', async () => {
    const r = rig('2026-06-10T05:58:00Z');
    await r.store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    await r.store.subscriptions.put('tg:2', sub('tg:2', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    r.sender.limited.set('tg:1', [3_000]);
    r.sender.limited.set('tg:2', [300_000]);
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-06-10T07:00:00Z');
    expect(r.sender.sentTo('tg:1')).toHaveLength(1);
    expect(r.sender.sentTo('tg:2')).toHaveLength(1);
    expect(Date.parse(r.sender.sentTo('tg:2')[0]!)).toBeGreaterThan(Date.parse('2026-06-10T06:00:00Z'));
  });

  it('expired claims are swept, so the claim table holds about a day of slots', async () => {
    const clock = new FakeClock(Date.parse('2026-06-10T05:00:00Z'));
    const backend = new MemoryBackend(clock.now);
    const r = rig('', createStore(backend, silentLogger().log), { clock, sender: new RecordingSender('telegram', clock), maps: new FakeMaps(clock) });
    for (let i = 0; i < 5; i++) await r.store.subscriptions.put(`tg:${i}`, sub(`tg:${i}`, '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    await runUntil({ clock, schedulers: [r.scheduler] }, '2026-06-20T05:00:00Z', 5 * MIN);
    expect(r.sender.deliveries).toHaveLength(50);
    // Claims live grace + 24 h after their slot: at most two days' worth remain.
    expect(backend.claimCount).toBeLessThanOrEqual(10);
  });

  it('a subscription set up after today\'s time waits for tomorrow', async () => {
    const r = rig('2026-06-10T07:30:00Z');
    await r.store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'Europe/Berlin', '2026-06-10T07:30:00Z'));
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-06-11T07:00:00Z');
    expect(r.sender.sentTo('tg:1')).toEqual(['2026-06-11T06:00:00.000Z']);
  });
});

/** A sender whose calls reach the platform and never come back (the instance died mid-send), or throw. */
class StuckSender implements DestinationSender {
  readonly platform = 'telegram' as const;
  calls = 0;
  private reachedResolve!: () => void;
  readonly reached = new Promise<void>((resolve) => (this.reachedResolve = resolve));
  constructor(private readonly answer: 'never' | Error) {}
  send(): Promise<SendResult> {
    this.calls++;
    this.reachedResolve();
    return this.answer === 'never' ? new Promise<SendResult>(() => {}) : Promise.reject(this.answer);
  }
}

describe('a send whose answer never comes', () => {
  it('an instance that dies mid-send: the slot counts as possibly delivered, is not resent, and /digest status says so', async () => {
    const clock = new FakeClock(Date.parse('2026-06-10T06:00:20Z'));
    const { log, lines } = silentLogger();
    const store = createStore(new MemoryBackend(clock.now), log);
    const maps = new FakeMaps(clock);
    await store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    const stuck = new StuckSender('never');
    const dying = new DigestScheduler({ store, maps, senders: { telegram: stuck }, clock, log, instanceId: 'dying' });
    void dying.handle((await store.subscriptions.get('tg:1'))!);
    await stuck.reached;
    expect((await store.subscriptions.get('tg:1'))?.attempt).toEqual({ slotMs: Date.parse('2026-06-10T06:00:00Z'), startedAtMs: clock.ms, instance: 'dying', state: 'sending' });
    expect((await digestStatus(store, 'tg:1', clock.ms)).text).toContain('Sending the digest of Wed 10 Jun 08:00 (Europe/Berlin) since Wed 10 Jun 08:00 (Europe/Berlin); Telegram has not confirmed it yet.');

    // Another instance (or the restarted one) ticks every minute: nothing while the lease holds, then the verdict.
    const sender = new RecordingSender('telegram', clock);
    const next = new DigestScheduler({ store, maps, senders: { telegram: sender }, clock, log, instanceId: 'next', sleep: async (ms) => clock.advance(ms) });
    await runUntil({ clock, schedulers: [next] }, '2026-06-10T08:00:00Z');
    expect(sender.attempts).toBe(0);
    const after = await store.subscriptions.get('tg:1');
    expect(after?.lastSlotMs).toBe(Date.parse('2026-06-10T06:00:00Z'));
    expect(after?.attempt?.state).toBe('unconfirmed');
    expect(after?.lastSentAtMs).toBeUndefined();
    const warned = lines.filter((l) => l.msg.startsWith('digest: a send of this slot began and was never confirmed'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ destination: 'tg:1', slot: '2026-06-10T06:00:00.000Z', attemptInstance: 'dying' });
    const status = (await digestStatus(store, 'tg:1', clock.ms)).text;
    expect(status).toContain('The digest of Wed 10 Jun 08:00 (Europe/Berlin) is unconfirmed: the bot got no answer from Telegram while sending it');
    expect(status).toContain('It is not sent again, so this chat never gets it twice.');

    // The next morning's digest goes out as usual and the notice is gone.
    await runUntil({ clock, schedulers: [next] }, '2026-06-11T06:05:00Z');
    expect(sender.sentTo('tg:1')).toEqual(['2026-06-11T06:00:20.000Z']);
    expect((await store.subscriptions.get('tg:1'))?.attempt).toBeUndefined();
    expect((await digestStatus(store, 'tg:1', clock.ms)).text).not.toContain('unconfirmed');
  });

  it('a send that throws (no answer either way) is not retried blind; a refused one (429) is retried, once', async () => {
    const clock = new FakeClock(Date.parse('2026-06-10T05:59:00Z'));
    const { log, lines } = silentLogger();
    const store = createStore(new MemoryBackend(clock.now), log);
    await store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    const throwing = new StuckSender(new Error('socket hang up'));
    const scheduler = new DigestScheduler({ store, maps: new FakeMaps(clock), senders: { telegram: throwing }, clock, log, instanceId: 'a' });
    await runUntil({ clock, schedulers: [scheduler] }, '2026-06-10T08:00:00Z');
    expect(throwing.calls).toBe(1);
    expect((await store.subscriptions.get('tg:1'))?.attempt?.state).toBe('unconfirmed');
    expect(lines.filter((l) => l.msg.startsWith('digest: send failed without an answer'))).toHaveLength(1);

    const r = rig('2026-06-10T05:59:00Z');
    await r.store.subscriptions.put('tg:2', sub('tg:2', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    r.sender.limited.set('tg:2', [300_000]);
    r.clock.set('2026-06-10T06:00:10Z');
    expect(await r.scheduler.handle((await r.store.subscriptions.get('tg:2'))!)).toBe('failed');
    // Telegram refused it: nothing was posted, so no attempt stays open and the slot is still due.
    expect((await r.store.subscriptions.get('tg:2'))?.attempt).toBeUndefined();
    await runUntil({ clock: r.clock, schedulers: [r.scheduler] }, '2026-06-10T07:00:00Z');
    expect(r.sender.sentTo('tg:2')).toEqual(['2026-06-10T06:01:10.000Z']);
  });

  it('a digest turned off while it is being built is not posted', async () => {
    const r = rig('2026-06-10T06:00:10Z');
    await r.store.subscriptions.put('tg:1', sub('tg:1', '08:00', 'Europe/Berlin', '2026-06-01T00:00:00Z'));
    const mapPicture = r.maps.mapPicture.bind(r.maps);
    r.maps.mapPicture = async (input) => {
      await r.store.subscriptions.delete('tg:1');
      return mapPicture(input);
    };
    expect(await r.scheduler.handle((await r.store.subscriptions.get('tg:1'))!)).toBe('not-due');
    expect(r.sender.attempts).toBe(0);
    // Not brought back to life by the scheduler's own write.
    expect(await r.store.subscriptions.get('tg:1')).toBeUndefined();
  });
});

describe('two instances on one real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis?.stop());

  it('send each digest exactly once', async () => {
    const clock = new FakeClock(Date.parse('2026-06-10T04:05:00Z'));
    const sender = new RecordingSender('telegram', clock);
    const maps = new FakeMaps(clock);
    const storeA = createStore(new RedisBackend(redis.url), silentLogger().log);
    const storeB = createStore(new RedisBackend(redis.url), silentLogger().log);
    const a = rig('', storeA, { clock, sender, maps }, 'a');
    const b = rig('', storeB, { clock, sender, maps }, 'b');
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Singapore', 'UTC'];
    const subs = Array.from({ length: 40 }, (_, i) => sub(`tg:${1000 + i}`, `${String(6 + (i % 12)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, zones[i % 4]!, '2026-06-10T04:05:00Z'));
    for (const s of subs) await storeA.subscriptions.put(s.destination, s);
    // Ten-minute ticks keep the test short; every slot is on :00 or :30, so each is still seen.
    await runUntil({ clock, schedulers: [a.scheduler, b.scheduler] }, '2026-06-12T04:05:00Z', 10 * MIN);
    for (const s of subs) expect(sender.sentTo(s.destination), s.destination).toHaveLength(2);
    expect(sender.deliveries).toHaveLength(80);
    await storeA.close();
    await storeB.close();
  });
});
