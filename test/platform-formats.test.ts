// Platform formats: Telegram captions within their limits, Discord command JSON and its deployment.
import { describe, expect, it } from 'vitest';
import { captionAndRest, CAPTION_LIMIT, escapeHtml, MESSAGE_LIMIT } from '../src/platforms/telegram/caption.js';
import { commandJson } from '../src/platforms/discord/command-json.js';
import { deployCommands } from '../src/platforms/discord/deploy.js';
import type { CommandDefinition } from '../src/core/command.js';
import { BOT_COMMANDS } from '../commands/index.js';
import { FakeDiscord, APP_ID, GUILD_ID } from './fakes/discord-api.js';

describe('Telegram caption', () => {
  it('escapes what came from outside and keeps the title bold', () => {
    expect(escapeHtml('<b>&amp;</b>')).toBe('&lt;b&gt;&amp;amp;&lt;/b&gt;');
    expect(captionAndRest({ title: 'A<B', text: 'x & y' })).toEqual({ caption: '<b>A&lt;B</b>\nx &amp; y', rest: [] });
  });

  it('keeps the caption within 1,024 characters; the rest follows as messages within 4,096', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} <&> ${'x'.repeat(20)}`);
    const { caption, rest } = captionAndRest({ title: 'Title', text: lines.join('\n') });
    expect(caption.length).toBeLessThanOrEqual(CAPTION_LIMIT);
    expect(caption.startsWith('<b>Title</b>\n')).toBe(true);
    expect(rest.length).toBeGreaterThan(1);
    expect(rest.every((m) => m.length <= MESSAGE_LIMIT)).toBe(true);
    // Nothing lost, nothing cut inside an escape.
    expect([caption, ...rest].join('\n')).toBe(`<b>Title</b>\n${escapeHtml(lines.join('\n'))}`);
    const long = captionAndRest({ text: '&'.repeat(3000) });
    for (const piece of [long.caption, ...long.rest]) expect(piece).toMatch(/^(&amp;)+$/);
  });
});

describe('Discord command JSON and deployment', () => {
  const moderatorOnly: CommandDefinition = {
    name: 'alerts',
    description: 'alert rules',
    subcommands: [
      { name: 'add', description: 'add', access: 'moderator', subcommands: [{ name: 'ratio', description: 'r', options: [{ name: 'value', description: 'v', type: 'number', required: true }], handler: async () => ({ text: '' }) }] },
      { name: 'remove', description: 'remove', access: 'moderator', handler: async () => ({ text: '' }) },
    ],
  };

  it('declares typed options, choices, autocomplete, required first, DMs allowed', () => {
    const json = commandJson(BOT_COMMANDS[0]!);
    expect(json).toMatchObject({ name: 'liqmap', type: 1, default_member_permissions: null, contexts: [0, 1] });
    expect(json.options!.map((o) => [o.name, o.type, o.required])).toEqual([
      ['symbol', 3, true],
      ['venue', 3, false],
      ['window', 3, false],
      ['range', 10, false],
      ['level', 3, false],
      ['compare', 3, false],
      ['accuracy', 3, false],
    ]);
    expect(json.options![0]).toMatchObject({ autocomplete: true, max_length: 30 });
    expect(json.options![4]).toMatchObject({ max_length: 20 });
    expect(json.options![1]).not.toHaveProperty('max_length');
    expect(json.options![2]).toMatchObject({ choices: ['1d', '3d', '7d', '14d', '30d'].map((c) => ({ name: c, value: c })) });
    expect(json.options![3]).toMatchObject({ min_value: 1, max_value: 50 });
  });

  it('hides a moderator-only command from members (Manage Server) and nests subcommand groups', () => {
    const json = commandJson(moderatorOnly);
    expect(json.default_member_permissions).toBe('32');
    expect(json.options!.map((o) => [o.name, o.type])).toEqual([
      ['add', 2],
      ['remove', 1],
    ]);
  });

  it('every command of the bot keeps to Discord\'s limits (names, lengths, counts, required first)', () => {
    const problems: string[] = [];
    const check = (o: { name: string; description: string; options?: unknown[]; choices?: { name: string }[]; required?: boolean; type?: number }, where: string) => {
      if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(o.name)) problems.push(`${where}: name ${o.name}`);
      if (o.description.length < 1 || o.description.length > 100) problems.push(`${where}: description length ${o.description.length}`);
      if ((o.choices?.length ?? 0) > 25 || o.choices?.some((c) => c.name.length > 100)) problems.push(`${where}: choices`);
      const options = (o.options ?? []) as (typeof o)[];
      if (options.length > 25) problems.push(`${where}: ${options.length} options`);
      const required = options.map((x) => !!x.required);
      if (required.indexOf(false) >= 0 && required.lastIndexOf(true) > required.indexOf(false)) problems.push(`${where}: required after optional`);
      const kinds = new Set(options.map((x) => (x.type === 1 || x.type === 2 ? 'sub' : 'value')));
      if (kinds.size > 1) problems.push(`${where}: subcommands mixed with options`);
      for (const x of options) check(x, `${where} ${x.name}`);
    };
    for (const command of BOT_COMMANDS) {
      const json = commandJson(command);
      check(json as never, `/${json.name}`);
      expect(JSON.stringify(json).length).toBeLessThan(8000);
    }
    expect(problems).toEqual([]);
  });

  it('deploy-commands PUTs the set, guild-scoped or global, learning the application id', async () => {
    const discord = await new FakeDiscord().start();
    try {
      const guild = await deployCommands({ token: discord.token, apiUrl: discord.apiUrl, guildId: GUILD_ID, commands: BOT_COMMANDS });
      expect(guild).toEqual({ applicationId: APP_ID, scope: { guildId: GUILD_ID }, names: BOT_COMMANDS.map((c) => c.name) });
      const global = await deployCommands({ token: discord.token, apiUrl: discord.apiUrl, applicationId: APP_ID, commands: BOT_COMMANDS });
      expect(global.scope).toBe('global');
      expect(discord.callsTo('PUT', /commands$/).map((c) => c.path)).toEqual([`/applications/${APP_ID}/guilds/${GUILD_ID}/commands`, `/applications/${APP_ID}/commands`]);
      await expect(deployCommands({ token: 'wrong', apiUrl: discord.apiUrl, applicationId: APP_ID, commands: BOT_COMMANDS })).rejects.toThrow(/Unauthorized/);
    } finally {
      await discord.close();
    }
  });
});
