// Contract tests of the command runtime: parsing (Telegram words and Discord values alike), validation,
// access, the limits of issue 15, and the two kinds of errors. In-memory services, a controlled clock.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { CommandDefinition, Reply } from '../src/core/command.js';
import type { Caller, Role } from '../src/core/caller.js';
import { parseTextInput, splitCommandText } from '../src/core/command-text.js';
import { UserError } from '../src/errors.js';
import { CommandRuntime, type CommandOutcome, type Conversation } from '../src/core/runtime.js';
import type { Services } from '../src/core/command.js';
import { liqmapCommand } from '../commands/liqmap.js';
import { helpCommand } from '../commands/help.js';

// Shaped like the schedule commands (/digest on 08:00 Europe/Berlin btc,eth; /alerts add ratio btc > 5).
const digest: CommandDefinition = {
  name: 'digest',
  description: 'daily digest',
  subcommands: [
    {
      name: 'on',
      description: 'turn on',
      access: 'moderator',
      options: [
        { name: 'time', description: 'HH:MM', type: 'string', required: true, pattern: /^\d{1,2}:\d{2}$/ },
        { name: 'tz', description: 'IANA zone', type: 'string', pattern: /^[A-Za-z_]+\/[A-Za-z_/]+$|^UTC$/ },
        { name: 'symbols', description: 'list', type: 'string', default: 'btc' },
      ],
      handler: async ({ options }) => ({ text: JSON.stringify(options) }),
    },
    { name: 'status', description: 'show', handler: async () => ({ text: 'status' }) },
    { name: 'now', description: 'post now', access: 'moderator', produces: 'picture', handler: async () => ({ text: 'digest picture' }) },
  ],
};
const alerts: CommandDefinition = {
  name: 'alerts',
  description: 'alert rules',
  subcommands: [
    {
      name: 'add',
      description: 'add a rule',
      access: 'moderator',
      subcommands: [
        {
          name: 'ratio',
          description: 'ratio rule',
          options: [
            { name: 'symbol', description: 'coin', type: 'string', required: true },
            { name: 'op', description: '> or <', type: 'string', choices: ['>', '<'], required: true },
            { name: 'value', description: 'ratio', type: 'number', required: true, minValue: 0 },
          ],
          handler: async ({ options, path }) => ({ text: `${path.join(' ')} ${JSON.stringify(options)}` }),
        },
      ],
    },
    { name: 'list', description: 'list', handler: async () => ({ text: 'rules' }) },
  ],
};
/** /liqmap's options and rules with a market of two coins: a picture per (symbol, window, range). */
const map: CommandDefinition = {
  ...liqmapCommand,
  name: 'map',
  pictureKey: async ({ options }) => {
    const symbol = String(options.symbol).toLowerCase();
    if (!['btc', 'eth'].includes(symbol)) throw new UserError(`I don't know the symbol ${symbol.toUpperCase()}USDT.`);
    return `${symbol}:${options.window}:${options.range}`;
  },
  handler: async ({ options }) => ({ text: JSON.stringify(options), images: [{ png: Buffer.from('png'), name: 'map.png' }] }),
};
const broken: CommandDefinition = {
  name: 'broken',
  description: 'fails',
  handler: async () => {
    throw new Error('secret internals');
  },
};
const picky: CommandDefinition = {
  name: 'picky',
  description: 'user error after work',
  produces: 'picture',
  handler: async () => {
    throw new UserError('no such thing', 'Did you mean that?');
  },
};

function setup() {
  let now = 1_700_000_000_000;
  const logged: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const outcomes: CommandOutcome[] = [];
  const services = { clock: { now: () => now }, log, commands: [map, digest, alerts, broken, picky, helpCommand] } as unknown as Services;
  const runtime = new CommandRuntime(services, {}, (e) => outcomes.push(e.outcome));
  const roleChecks: string[] = [];
  const caller = (userId: string, role: Role = 'member', chatId = 'chat', platform: 'telegram' | 'discord' = 'telegram'): Caller => ({
    platform,
    userId,
    chatId,
    chatKind: 'group',
    // Telegram groups: Telegram's own limit of 20 messages a minute (the adapter says so).
    ...(platform === 'telegram' ? { chatMessagesPerMinute: 20 } : {}),
    role: async () => {
      roleChecks.push(userId);
      return role;
    },
  });
  /** Runs a command as a Telegram chat would: refusals may be left unanswered. Returns the answer, if any. */
  const say = async (text: string, who: Caller): Promise<Reply | undefined> => {
    let answer: Reply | undefined;
    const conversation: Conversation = {
      mustAnswer: who.platform === 'discord',
      working: () => {},
      reply: async (reply) => {
        answer = reply;
        return 'delivered';
      },
    };
    const [name, ...rest] = text.replace(/^\//, '').split(' ');
    await runtime.handle({ name: name!, input: { kind: 'text', args: rest.join(' ') }, caller: who }, conversation);
    return answer;
  };
  return { runtime, caller, say, logged, outcomes, roleChecks, advance: (ms: number) => (now += ms) };
}

describe('command text', () => {
  it('splits /name@Bot args and ignores commands addressed to another bot', () => {
    expect(splitCommandText('/liqmap btc 7d', 'TheBot')).toEqual({ name: 'liqmap', args: 'btc 7d' });
    expect(splitCommandText('/LIQMAP@thebot  eth ', 'TheBot')).toEqual({ name: 'liqmap', args: 'eth' });
    expect(splitCommandText('/liqmap@OtherBot eth', 'TheBot')).toBeUndefined();
    expect(splitCommandText('hello /liqmap', 'TheBot')).toBeUndefined();
    expect(splitCommandText('/help', 'TheBot')).toEqual({ name: 'help', args: '' });
  });

  it('assigns words to options in any order', () => {
    const a = parseTextInput(liqmapCommand, 'btc 7d bybit');
    const b = parseTextInput(liqmapCommand, 'bybit 7d btc');
    const c = parseTextInput(liqmapCommand, 'window=7d venue:bybit symbol:btc');
    expect(a.raw).toEqual({ symbol: 'btc', window: '7d', venue: 'bybit' });
    expect(b.raw).toEqual(a.raw);
    expect(c.raw).toEqual(a.raw);
    expect(parseTextInput(liqmapCommand, 'eth 10%').raw).toEqual({ symbol: 'eth', range: '10%' });
  });

  it('says which option is given twice and which word it does not understand', () => {
    expect(() => parseTextInput(liqmapCommand, 'btc 7d 1d')).toThrow(/window is given twice/);
    expect(() => parseTextInput(liqmapCommand, 'btc eth')).toThrow(/I don't understand "eth"/);
  });

  it('walks subcommands and recognises patterns wherever they stand', () => {
    expect(parseTextInput(digest, 'on Europe/Berlin 08:00 btc,eth')).toMatchObject({ path: ['digest', 'on'], raw: { time: '08:00', tz: 'Europe/Berlin', symbols: 'btc,eth' } });
    expect(parseTextInput(alerts, 'add ratio btc > 5')).toMatchObject({ path: ['alerts', 'add', 'ratio'], raw: { symbol: 'btc', op: '>', value: '5' } });
    expect(() => parseTextInput(digest, 'sideways')).toThrow(/has no "sideways": use one of on, status, now/);
  });
});

describe('command runtime', () => {
  it('validates and fills defaults; Discord values and Telegram words give the same options', async () => {
    const { runtime, caller } = setup();
    const text = await runtime.execute('map', { kind: 'text', args: 'BTC bybit 10' }, caller('1'));
    const typed = await runtime.execute('map', { kind: 'structured', path: ['map'], values: { symbol: 'BTC', venue: 'bybit', range: 10 } }, caller('2'));
    expect(JSON.parse(text.text)).toEqual({ symbol: 'BTC', venue: 'bybit', window: '7d', range: 10 });
    expect(typed.text).toBe(text.text);
  });

  it('turns bad values into user errors that quote the input safely', async () => {
    const { runtime, caller } = setup();
    expect((await runtime.execute('map', { kind: 'text', args: '' }, caller('1'))).text).toMatch(/symbol is missing/);
    expect((await runtime.execute('map', { kind: 'text', args: 'btc range:0.1' }, caller('2'))).text).toMatch(/range 0.1 is below 1/);
    expect((await runtime.execute('map', { kind: 'structured', path: ['map'], values: { symbol: 'btc', window: '2w' } }, caller('3'))).text).toMatch(/not one of 1d, 3d/);
    const long = await runtime.execute('map', { kind: 'text', args: 'x'.repeat(10_000) }, caller('4'));
    expect(long).toMatchObject({ ephemeral: true });
    expect(long.text.length).toBeLessThan(200);
    const control = await runtime.execute('map', { kind: 'text', args: 'btc "\u202Eevil\u0000text"' }, caller('5'));
    expect(control.text.includes('\u0000') || control.text.includes('\u202E')).toBe(false);
  });

  it('lets only moderators run moderator nodes, with a hint per platform', async () => {
    const { runtime, caller } = setup();
    expect((await runtime.execute('digest', { kind: 'text', args: 'on 08:00' }, caller('1'))).text).toMatch(/for moderators only/);
    const refused = await runtime.execute('alerts', { kind: 'structured', path: ['alerts', 'add', 'ratio'], values: { symbol: 'btc', op: '>', value: 5 } }, caller('1', 'member', 'c', 'discord'));
    expect(refused.text).toMatch(/alerts add ratio is for moderators only\.\nModerators are members with the Manage Server permission/);
    const ok = await runtime.execute('digest', { kind: 'text', args: 'on 08:00 UTC' }, caller('2', 'moderator'));
    expect(JSON.parse(ok.text)).toEqual({ time: '08:00', tz: 'UTC', symbols: 'btc' });
    expect((await runtime.execute('digest', { kind: 'text', args: 'status' }, caller('3'))).text).toBe('status');
  });

  it('answers an internal error with an apology quoting a request id, and logs the error with it', async () => {
    const { runtime, caller, logged, outcomes } = setup();
    const reply = await runtime.execute('broken', { kind: 'text', args: '' }, caller('1'));
    expect(reply.ephemeral).toBe(true);
    expect(reply.text).not.toContain('secret internals');
    const ref = /ref ([0-9a-f]{8})/.exec(reply.text)?.[1];
    expect(ref).toBeDefined();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: ref, platform: 'telegram', chatId: 'chat', command: 'broken', err: { message: 'secret internals' } });
    expect(outcomes).toEqual(['error']);
  });

  it('/help lists every command, explains one from its definition, and states the limits', async () => {
    const { runtime, caller } = setup();
    const all = await runtime.execute('help', { kind: 'text', args: '' }, caller('1', 'member', 'h1'));
    expect(all.text).toContain('/digest — daily digest');
    expect(all.text).toContain('Limits: up to 3 new pictures at once, then one every 10 s per person.');
    expect(all.text).toMatch(/A map already shown in this chat, \/help, status, lists, settings and mistakes cost nothing/);
    expect(all.text).toContain("In a Telegram group I may post 20 messages a minute (Telegram's limit), shared fairly among everyone.");
    const one = await runtime.execute('help', { kind: 'text', args: '/alerts' }, caller('1', 'member', 'h2'));
    expect(one.text).toContain('/alerts add ratio <symbol> <op> <value> (moderators)');
    expect(one.text).toContain('  op: > or < (>, <)');
    const liqmap = await runtime.execute('help', { kind: 'text', args: 'map' }, caller('1', 'member', 'h3'));
    expect(liqmap.text).toContain('  window: how far back positions are followed (1d, 3d, 7d, 14d, 30d), default 7d');
    expect((await runtime.execute('help', { kind: 'text', args: 'nope' }, caller('1', 'member', 'h4'))).text).toMatch(/There is no \/nope command\.\nCommands: \/map/);
  });
});

describe('limits (issue 15)', () => {
  it('a moderator sets up a group: /digest on, /digest now, three /alerts add, /alerts list, /digest status — none refused', async () => {
    const { say, caller } = setup();
    const mod = caller('m1', 'moderator', 'group');
    const texts = [];
    for (const cmd of ['/digest on 08:00 Europe/Berlin btc', '/digest now', '/alerts add ratio btc > 5', '/alerts add ratio eth > 6', '/alerts add ratio btc < 0.2', '/alerts list', '/digest status']) {
      texts.push((await say(cmd, mod))?.text ?? '(no answer)');
    }
    expect(texts.filter((t) => /slow down|try again|busy|in a row/i.test(t))).toEqual([]);
    expect(texts[1]).toBe('digest picture');
    expect(texts[5]).toBe('rules');
  });

  it('a trader: /liqmap btc, a mistyped symbol, /liqmap eth right after — all answered; the mistake is free', async () => {
    const { say, caller } = setup();
    const trader = caller('t1');
    expect((await say('/map btc', trader))?.images).toHaveLength(1);
    expect((await say('/map btx', trader))?.text).toMatch(/I don't know the symbol BTXUSDT/);
    expect((await say('/map eth', trader))?.images).toHaveLength(1);
    // Two pictures so far: the third new one still fits the burst.
    expect((await say('/map eth 1d', trader))?.images).toHaveLength(1);
  });

  it('3 new pictures at once, then one per 10 s; a picture already shown in this chat costs nothing', async () => {
    const { say, caller, advance } = setup();
    const trader = caller('t2', 'member', 'chat-a', 'discord');
    for (const range of [10, 11, 12]) expect((await say(`/map btc ${range}`, trader))?.images).toHaveLength(1);
    const refused = await say('/map btc 13', trader);
    expect(refused).toMatchObject({ ephemeral: true });
    expect(refused?.text).toMatch(/^That makes 3 new pictures in a row: the next one in 10 s\.\nMaps already shown in this chat are free\.$/);
    // The same maps again, in the same chat: free, as often as the loose flood limit allows.
    for (const range of [10, 11, 12, 10, 11]) expect((await say(`/map btc ${range}`, trader))?.images).toHaveLength(1);
    // Shown in another chat is not shown here.
    expect((await say('/map btc 10', caller('t2', 'member', 'chat-b', 'discord')))?.text).toMatch(/in a row/);
    advance(10_000);
    expect((await say('/map btc 13', trader))?.images).toHaveLength(1);
    expect((await say('/map btc 14', trader))?.text).toMatch(/next one in 10 s/);
  });

  it('/liqmap accuracy is text: answered free when the picture budget is spent', async () => {
    const { say, caller } = setup();
    const trader = caller('t3', 'member', 'chat-a', 'discord');
    for (const range of [10, 11, 12]) await say(`/map btc ${range}`, trader);
    expect((await say('/map btc 13', trader))?.text).toMatch(/in a row/);
    const report = await say('/map btc accuracy', trader);
    expect(JSON.parse(report?.text ?? '{}')).toMatchObject({ symbol: 'btc', accuracy: 'accuracy' });
  });

  it('free answers (usage errors, unknown symbols, /help, status, lists) only meet the loose flood limit', async () => {
    const { say, caller, advance } = setup();
    const who = caller('f1', 'member', 'dm', 'discord');
    const free = ['/help', '/digest status', '/alerts list', '/map', '/map btx', '/help map', '/digest status', '/alerts list', '/map 7d', '/help'];
    const answers = [];
    for (const cmd of free) answers.push((await say(cmd, who))?.text ?? '');
    expect(answers.filter((t) => /slow down/i.test(t))).toEqual([]);
    // The 11th command within seconds is a flood.
    expect((await say('/help', who))?.text).toMatch(/^Slow down a little: I can answer you again in 3 s\.$/);
    advance(3_000);
    expect((await say('/help', who))?.text).toContain('/digest — daily digest');
  });

  it('a refusal is said once per person, then silence (Telegram); Discord still answers each, privately', async () => {
    const { say, caller } = setup();
    const member = caller('r1', 'member', 'group-r');
    const first = await say('/digest on 08:00', member);
    expect(first?.text).toMatch(/for moderators only/);
    expect(await say('/digest on 09:00', member)).toBeUndefined();
    expect(await say('/alerts add ratio btc > 5', member)).toBeUndefined();
    const discordMember = caller('r2', 'member', 'channel-r', 'discord');
    for (let i = 0; i < 3; i++) expect((await say('/digest on 08:00', discordMember))?.text).toMatch(/for moderators only/);
  });

  it('one member flooding a Telegram group with 80 commands cannot use up the chat: few replies, and an admin is still answered', async () => {
    const { say, caller, advance, roleChecks } = setup();
    const group = 'group-flood';
    const flooder = caller('flooder', 'member', group);
    const replies: string[] = [];
    for (let i = 0; i < 80; i++) {
      // 80 commands in 8 s: a mix of pictures and moderator commands, as in the issue.
      const reply = await say(i % 2 ? '/digest on 08:00' : `/map btc ${10 + (i % 7)}`, flooder);
      if (reply) replies.push(reply.text);
      advance(100);
    }
    // Each kind of refusal is said once; the flooder never gets more than half the chat's 20 messages.
    expect(replies.length).toBeLessThanOrEqual(10);
    expect(replies.filter((t) => /for moderators only/.test(t))).toHaveLength(1);
    expect(replies.filter((t) => /new pictures in a row/.test(t))).toHaveLength(1);
    expect(replies.filter((t) => /Slow down/.test(t))).toHaveLength(1);
    // The moderator check ran only for commands the limiter admitted (10 at once, then one per 3 s), not 40 times.
    expect(roleChecks.filter((u) => u === 'flooder').length).toBeLessThanOrEqual(10 + Math.ceil(8_000 / 3_000));
    // An administrator in the same group, right after: answered at once.
    const admin = await say('/map eth', caller('admin', 'moderator', group));
    expect(admin?.images).toHaveLength(1);
    const other = await say('/help', caller('someone', 'member', group));
    expect(other?.text).toContain('/map —');
  });

  it('a busy Telegram group shares its 20 messages a minute fairly: nobody takes more than half', async () => {
    const { say, caller, advance } = setup();
    const group = 'group-fair';
    const answered = new Map<string, number>();
    // Five people asking for maps already shown (free pictures), 6 each, within one minute.
    for (let round = 0; round < 6; round++) {
      for (const who of ['a', 'b', 'c', 'd', 'e']) {
        const reply = await say('/help', caller(who, 'member', group));
        if (reply && !/busy/.test(reply.text)) answered.set(who, (answered.get(who) ?? 0) + 1);
        advance(300);
      }
    }
    const counts = [...answered.values()];
    expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20);
    expect(Math.max(...counts)).toBeLessThanOrEqual(10);
    // Everybody got answers, not just the first to ask.
    expect(answered.size).toBe(5);
    advance(60_000);
    expect((await say('/help', caller('a', 'member', group)))?.text).toContain('/map —');
  });

  it('Discord has no per-channel limit: 100 people asking one map in one channel are all answered', async () => {
    const { say, caller } = setup();
    const answers = [];
    for (let i = 0; i < 100; i++) answers.push(await say('/map btc', caller(`d${i}`, 'member', 'one-channel', 'discord')));
    expect(answers.filter((a) => a?.images?.length === 1)).toHaveLength(100);
  });

  it('a mistake found by the handler gives the picture back', async () => {
    const { say, caller, outcomes } = setup();
    const who = caller('p1', 'member', 'c', 'discord');
    for (let i = 0; i < 5; i++) expect((await say('/picky', who))?.text).toBe('no such thing\nDid you mean that?');
    expect((await say('/map btc', who))?.images).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'user_error')).toHaveLength(5);
  });

  it('counts outcomes for metrics', async () => {
    const { runtime, caller, outcomes } = setup();
    await runtime.execute('picky', { kind: 'text', args: '' }, caller('1'));
    await runtime.execute('map', { kind: 'text', args: '' }, caller('2'));
    await runtime.execute('digest', { kind: 'text', args: 'status' }, caller('3'));
    for (let i = 0; i < 10; i++) await runtime.execute('digest', { kind: 'text', args: 'status' }, caller('4'));
    expect(outcomes).toEqual(['user_error', 'user_error', 'ok', ...Array(9).fill('ok'), 'rate_limited']);
  });
});
