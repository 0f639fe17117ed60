// Contract tests of the command runtime: parsing (Telegram words and Discord values alike), validation,
// access, cooldown and burst limits, the two kinds of errors. In-memory services, a controlled clock.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Caller, CommandDefinition, Role } from '../src/core/command.js';
import { parseTextInput, splitCommandText } from '../src/core/command-text.js';
import { UserError } from '../src/errors.js';
import { CommandRuntime, type CommandOutcome } from '../src/core/runtime.js';
import type { Services } from '../src/core/services.js';
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
  ],
};
const alerts: CommandDefinition = {
  name: 'alerts',
  description: 'alert rules',
  cooldownMs: 0,
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
  ],
};
const broken: CommandDefinition = {
  name: 'broken',
  description: 'fails',
  cooldownMs: 0,
  handler: async () => {
    throw new Error('secret internals');
  },
};
const picky: CommandDefinition = {
  name: 'picky',
  description: 'user error after work',
  handler: async () => {
    throw new UserError('no such thing', 'Did you mean that?');
  },
};

function setup() {
  let now = 1_700_000_000_000;
  const logged: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const outcomes: CommandOutcome[] = [];
  const services = { clock: { now: () => now }, log, commands: [liqmapCommand, digest, alerts, broken, picky, helpCommand] } as unknown as Services;
  const runtime = new CommandRuntime(services, { cooldownMs: 10_000, burstCount: 3, burstWindowMs: 60_000 }, (e) => outcomes.push(e.outcome));
  const caller = (userId: string, role: Role = 'member', chatId = 'chat'): Caller => ({
    platform: 'telegram',
    userId,
    chatId,
    chatKind: 'group',
    role: async () => role,
  });
  return { runtime, caller, logged, outcomes, advance: (ms: number) => (now += ms) };
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
    expect(() => parseTextInput(digest, 'sideways')).toThrow(/has no "sideways": use one of on, status/);
  });
});

describe('command runtime', () => {
  it('validates and fills defaults; Discord values and Telegram words give the same options', async () => {
    const { runtime, caller } = setup();
    const text = await runtime.prepare('liqmap', { kind: 'text', args: 'BTC bybit 10' }, caller('1'));
    const typed = await runtime.prepare('liqmap', { kind: 'structured', path: ['liqmap'], values: { symbol: 'BTC', venue: 'bybit', range: 10 } }, caller('2'));
    expect(text.options).toEqual({ symbol: 'BTC', venue: 'bybit', window: '7d', range: 10 });
    expect(typed.options).toEqual(text.options);
  });

  it('turns bad values into user errors that quote the input safely', async () => {
    const { runtime, caller } = setup();
    await expect(runtime.prepare('liqmap', { kind: 'text', args: '' }, caller('1'))).rejects.toThrow(/symbol is missing/);
    await expect(runtime.prepare('liqmap', { kind: 'text', args: 'btc range:0.1' }, caller('1'))).rejects.toThrow(/range 0.1 is below 1/);
    await expect(runtime.prepare('liqmap', { kind: 'structured', path: ['liqmap'], values: { symbol: 'btc', window: '2w' } }, caller('1'))).rejects.toThrow(/not one of 1d, 3d/);
    const long = await runtime.execute('liqmap', { kind: 'text', args: 'x'.repeat(10_000) }, caller('1'));
    expect(long).toMatchObject({ ephemeral: true });
    expect(long.text.length).toBeLessThan(200);
    const control = await runtime.execute('liqmap', { kind: 'text', args: 'btc "\u202Eevil\u0000text"' }, caller('1'));
    expect(control.text.includes('\u0000') || control.text.includes('\u202E')).toBe(false);
  });

  it('lets only moderators run moderator nodes, with a hint per platform', async () => {
    const { runtime, caller } = setup();
    await expect(runtime.prepare('digest', { kind: 'text', args: 'on 08:00' }, caller('1'))).rejects.toThrow(/for moderators only/);
    const refused = await runtime.prepare('alerts', { kind: 'structured', path: ['alerts', 'add', 'ratio'], values: { symbol: 'btc', op: '>', value: 5 } }, caller('1')).catch((e: UserError) => e);
    expect((refused as UserError).text).toMatch(/alerts add ratio is for moderators only\.\nModerators are this chat's administrators/);
    const ok = await runtime.execute('digest', { kind: 'text', args: 'on 08:00 UTC' }, caller('2', 'moderator'));
    expect(JSON.parse(ok.text)).toEqual({ time: '08:00', tz: 'UTC', symbols: 'btc' });
    expect((await runtime.execute('digest', { kind: 'text', args: 'status' }, caller('3'))).text).toBe('status');
  });

  it('applies the per-user cooldown and refunds it when the request was a mistake', async () => {
    const { runtime, caller, advance } = setup();
    await runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller('1', 'member', 'a'));
    await expect(runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller('1', 'member', 'b'))).rejects.toThrow(/try again in 10 s/);
    advance(10_000);
    await runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller('1', 'member', 'c'));
    const mistake = await runtime.execute('picky', { kind: 'text', args: '' }, caller('2', 'member', 'd'));
    expect(mistake).toEqual({ text: 'no such thing\nDid you mean that?', ephemeral: true });
    await runtime.prepare('picky', { kind: 'text', args: '' }, caller('2', 'member', 'e'));
  });

  it('limits a chat to its burst, whoever asks', async () => {
    const { runtime, caller, advance } = setup();
    for (const u of ['1', '2', '3']) await runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller(u));
    await expect(runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller('4'))).rejects.toThrow(/asking faster than I may answer/);
    await runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller('4', 'member', 'other chat'));
    advance(60_000);
    await runtime.prepare('liqmap', { kind: 'text', args: 'btc' }, caller('5'));
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

  it('/help lists every command and explains one from its definition, moderator parts marked', async () => {
    const { runtime, caller } = setup();
    const all = await runtime.execute('help', { kind: 'text', args: '' }, caller('1', 'member', 'h1'));
    expect(all.text).toContain('/digest — daily digest');
    const one = await runtime.execute('help', { kind: 'text', args: '/alerts' }, caller('1', 'member', 'h2'));
    expect(one.text).toContain('/alerts add ratio <symbol> <op> <value> (moderators)');
    expect(one.text).toContain('  op: > or < (>, <)');
    const liqmap = await runtime.execute('help', { kind: 'text', args: 'liqmap' }, caller('1', 'member', 'h3'));
    expect(liqmap.text).toContain('  window: how far back positions are followed (1d, 3d, 7d, 14d, 30d), default 7d');
    expect((await runtime.execute('help', { kind: 'text', args: 'nope' }, caller('1', 'member', 'h4'))).text).toMatch(/There is no \/nope command\.\nCommands: \/liqmap/);
  });

  it('counts outcomes for metrics', async () => {
    const { runtime, caller, outcomes } = setup();
    await runtime.execute('picky', { kind: 'text', args: '' }, caller('1'));
    await runtime.execute('liqmap', { kind: 'text', args: '' }, caller('2'));
    await runtime.execute('digest', { kind: 'text', args: 'status' }, caller('3'));
    await runtime.execute('digest', { kind: 'text', args: 'status' }, caller('3'));
    expect(outcomes).toEqual(['user_error', 'user_error', 'ok', 'rate_limited']);
  });
});
