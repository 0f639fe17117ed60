import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { accuracyDigestLine, scoreAccuracy } from '../src/analysis/accuracy.js';
import { DigestScheduler } from '../src/schedule/digest-scheduler.js';
import { digestText, ratioWithChange } from '../src/schedule/digest-message.js';
import { caller, scheduleBot } from './helpers/schedule-bot.js';
import { mapFor } from './helpers/schedule-fakes.js';

describe('/digest', () => {
  it('a non-admin /digest on is refused and nothing is stored', async () => {
    const b = scheduleBot();
    const reply = await b.run('/digest on 08:00 Europe/Berlin btc', caller('member'));
    expect(reply.text).toMatch(/for moderators only/);
    expect(await b.store.subscriptions.list()).toEqual([]);
  });

  it('absurd inputs get clear errors', async () => {
    const b = scheduleBot();
    expect((await b.run('/digest on 25:00')).text).toMatch(/"25:00" is not a time of day/);
    expect((await b.run('/digest on 08:00 Mars/Olympus_Mons')).text).toMatch(/not a time zone I know/);
    expect((await b.run('/digest on 08:00 UTC dogecoinz')).text).toMatch(/I don't know the symbol DOGECOINZUSDT/);
    expect((await b.run('/digest on 08:00 UTC btc,eth,sol,xrp,ada')).text).toMatch(/At most 4 symbols/);
    expect(await b.store.subscriptions.list()).toEqual([]);
  });

  it('on, status, off', async () => {
    const b = scheduleBot('2026-11-20T09:00:00Z');
    const on = await b.run('/digest on 8:00 europe/berlin btc,eth weekdays');
    expect(on.text).toContain('every weekday at 08:00 Europe/Berlin · BTC, ETH · 7d window');
    expect(on.text).toContain('Next: Mon 23 Nov 08:00 (Europe/Berlin)');
    const sub = await b.store.subscriptions.get('tg:-1001');
    expect(sub).toMatchObject({ time: '08:00', timezone: 'Europe/Berlin', symbols: ['BTCUSDT', 'ETHUSDT'], days: 'weekdays', enabled: true, createdBy: 'u1' });
    // Anyone may read the status.
    const status = await b.run('/digest status', caller('member', '-1001', 'u2'));
    expect(status.text).toContain('Next: Mon 23 Nov 08:00');
    expect((await b.run('/digest off', caller('member'))).text).toMatch(/moderators only/);
    expect((await b.run('/digest off')).text).toMatch(/Digest off/);
    expect((await b.run('/digest status', caller('member'))).text).toMatch(/No digest in this chat/);
  });

  it('echoes the time zone as the moderator typed it, in the reply and in /digest status', async () => {
    const b = scheduleBot('2026-06-10T00:00:00Z');
    const on = await b.run('/digest on 08:00 Asia/Kolkata btc');
    expect(on.text).toContain('every day at 08:00 Asia/Kolkata');
    expect(on.text).toContain('Next: Wed 10 Jun 08:00 (Asia/Kolkata)');
    expect((await b.store.subscriptions.get('tg:-1001'))?.timezone).toBe('Asia/Kolkata');
    const status = await b.run('/digest status', caller('member'));
    expect(status.text).toContain('08:00 Asia/Kolkata');
    expect(status.text).not.toContain('Calcutta');
  });

  it('a kicked bot disables the subscription and /digest status says why; /digest on resumes', async () => {
    const b = scheduleBot('2026-06-10T05:00:00Z');
    await b.run('/digest on 08:00 Europe/Berlin btc');
    b.sender.gone.set('tg:-1001', 'Telegram 403: bot was kicked from the group chat');
    b.clock.set('2026-06-10T06:00:30Z');
    await b.digests.tick();
    const status = await b.run('/digest status', caller('member'));
    expect(status.text).toMatch(/Digest stopped on .*: Telegram 403: bot was kicked from the group chat/);
    b.sender.gone.clear();
    await b.run('/digest on 08:00 Europe/Berlin btc');
    expect((await b.store.chats.get('tg:-1001'))?.gone).toBeUndefined();
    b.clock.set('2026-06-11T06:00:30Z');
    await b.digests.tick();
    expect(b.sender.sentTo('tg:-1001')).toEqual(['2026-06-11T06:00:30.000Z']);
  });

  it('/digest now replies with the digest and its picture', async () => {
    const b = scheduleBot();
    const reply = await b.run('/digest now');
    expect(reply.title).toBe('Liquidation map digest');
    expect(reply.text).toMatch(/^BTC [\d,]+ · /);
    expect(reply.text).toContain('not financial advice');
    expect(reply.images).toHaveLength(1);
    expect((await b.run('/digest now', caller('member'))).text).toMatch(/moderators only/);
  });
});

describe('digest message', () => {
  it('says how the ratio moved since the chat\'s previous digest', () => {
    expect(ratioWithChange({ ratio: 14, ratioKind: 'finite' }, { ratio: 9, ratioKind: 'finite' })).toBe('14:1 short-heavy ↑ from 9:1');
    expect(ratioWithChange({ ratio: 0.5, ratioKind: 'finite' }, { ratio: 2, ratioKind: 'finite' })).toBe('1:2 long-heavy ↓ from 2:1');
    expect(ratioWithChange({ ratio: 3, ratioKind: 'finite' }, { ratio: 3.01, ratioKind: 'finite' })).toBe('3:1 short-heavy → unchanged');
    expect(ratioWithChange({ ratio: 3, ratioKind: 'finite' })).toBe('3:1 short-heavy');
  });

  it('lists the USD each side, the densest cluster each side and realized liquidations', () => {
    const map = mapFor('BTCUSDT');
    const { text } = digestText([{ map, previous: { ratio: 1, ratioKind: 'finite' }, realized24h: { longUsd: 120e6, shortUsd: 80e6 } }]);
    expect(text).toMatch(/shorts \$[\d.]+[KMB] above · longs \$[\d.]+[KMB] below \(±15%\)/);
    expect(text).toMatch(/densest short cluster [\d,]+ \(\+[\d.]+%\) \$[\d.]+[KMB] · densest long cluster [\d,]+ \(−[\d.]+%\)/);
    expect(text).toContain('realized liquidations 24h: longs $120M · shorts $80M');
    expect(text.length).toBeLessThan(1024);
    const partial = digestText([{ map, realized24h: { longUsd: 1e6, shortUsd: 2e6, coveredMs: 5.5 * 3_600_000 } }]).text;
    expect(partial).toContain('realized liquidations last 5h (stream started since): longs $1.0M · shorts $2.0M');
  });

  it('the second digest compares with the first; 30 chats of one slot cost one render per symbol', async () => {
    const b = scheduleBot('2026-06-10T05:00:00Z');
    const chats = Array.from({ length: 30 }, (_, i) => String(-2000 - i));
    for (const chat of chats) await b.run('/digest on 08:00 Europe/Berlin btc,eth', caller('moderator', chat));
    b.clock.set('2026-06-10T06:00:20Z');
    await b.digests.tick();
    expect(b.sender.deliveries).toHaveLength(30);
    expect(b.bot.renderer.maps).toBe(2);
    expect(new Set(b.sender.deliveries.map((d) => d.reply.images?.[0]?.cacheKey)).size).toBe(1);
    expect(b.sender.deliveries[0]!.reply.text).not.toMatch(/↑|↓|unchanged/);
    b.clock.set('2026-06-11T06:00:20Z');
    await b.digests.tick();
    expect(b.sender.deliveries).toHaveLength(60);
    // The sample does not move between the two days, so the ratio is unchanged.
    expect(b.sender.deliveries[59]!.reply.text).toContain('→ unchanged');
  });
});

describe("the digest's weekly accuracy line", () => {
  // Scored bars of two days, so the 7-day span has something to say.
  const bars = Array.from({ length: 192 }, (_, i) => {
    const pred = 1e6 * (1 + Math.sin(i));
    return { ts: Date.UTC(2026, 5, 13) + i * 900_000, predLongUsd: pred, predShortUsd: pred, naiveLongUsd: 1e6, naiveShortUsd: 1e6, oiUsd: 1e9, realizedLongUsd: pred / 10, realizedShortUsd: 1e5 };
  });
  const report = scoreAccuracy({ symbol: 'BTCUSDT', venues: [{ venue: 'binance', bars }], through: Date.UTC(2026, 5, 15) });
  const port = { symbols: ['BTCUSDT'], dailyReport: async () => report };

  it('/digest on … weekly stores it and says it; the Monday digest carries the line, other days not', async () => {
    const b = scheduleBot('2026-06-14T12:00:00Z');
    const on = await b.run('/digest on 08:00 Europe/Berlin btc weekly');
    expect(on.text).toContain("· the map's accuracy on Mondays");
    const sub = (await b.store.subscriptions.get('tg:-1001'))!;
    expect(sub.accuracy).toBe('weekly');
    const digests = new DigestScheduler({ store: b.store, maps: b.bot.maps, senders: {}, clock: b.clock, log: pino({ level: 'silent' }), instanceId: 't', accuracy: port });
    // Monday 15 June 08:00 in Berlin.
    b.clock.set('2026-06-15T06:00:00Z');
    expect((await digests.buildDigest(sub)).reply.text).toContain(`BTC ${accuracyDigestLine(report)}`);
    b.clock.set('2026-06-16T06:00:00Z');
    expect((await digests.buildDigest(sub)).reply.text).not.toContain('map accuracy');
    // Without the option, Monday's digest has no such line either.
    b.clock.set('2026-06-15T06:00:00Z');
    expect((await digests.buildDigest({ ...sub, accuracy: undefined })).reply.text).not.toContain('map accuracy');
  });
});
