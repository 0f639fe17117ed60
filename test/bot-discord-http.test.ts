// Discord without a gateway: the fake Discord signs interactions with its own Ed25519 key and posts them
// to POST /discord/interactions on the bot's HTTP server, as Discord's outgoing webhook does. Forged,
// stale and replayed requests are refused with 401; PING, commands and autocomplete are answered the
// way the real API expects; digests go out through REST only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandDefinition } from '../src/core/command.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { startHttpServer, type HttpServer } from '../src/http/server.js';
import { DiscordBot } from '../src/platforms/discord/discord-bot.js';
import { MemoryBackend } from '../src/store/memory-backend.js';
import { BOT_COMMANDS } from '../commands/index.js';
import { APP_ID, CHANNEL_ID, FakeDiscord } from './fakes/discord-api.js';
import { linkedCommand, testServices } from './fakes/bot-services.js';
import { silentLogger } from './helpers/schedule-fakes.js';

const STRING = 3;
const EPHEMERAL = 64;

/** Text that takes longer than Discord's 3 seconds allow for the response. */
const slowCommand: CommandDefinition = {
  name: 'slowtext',
  description: 'slow text (test)',
  async handler() {
    await new Promise((r) => setTimeout(r, 3_500));
    return { text: 'finally' };
  },
};

let discord: FakeDiscord;
let http: HttpServer;
let bot: DiscordBot;
let endpoint = '';
let nextUser = 600000000000000000n;
const user = () => String(nextUser++);
const str = (name: string, value: string) => ({ name, type: STRING, value });

beforeAll(async () => {
  discord = await new FakeDiscord().start();
  const env = testServices({ renderDelayMs: 20, commands: [...BOT_COMMANDS, linkedCommand, slowCommand] });
  const { log } = silentLogger();
  http = await startHttpServer({ port: 0, host: '127.0.0.1', readiness: {}, logger: log });
  const claims = new MemoryBackend(() => Date.now());
  bot = new DiscordBot({
    token: discord.token,
    apiUrl: discord.apiUrl,
    runtime: new CommandRuntime({ ...env.services, log }),
    log,
    interactions: { kind: 'http', publicKey: discord.publicKeyHex, routes: http, firstSeen: (id, ttlMs) => claims.claim(`interaction:${id}`, 'test', ttlMs) },
  });
  await bot.start();
  endpoint = `${http.url}/discord/interactions`;
});

afterAll(async () => {
  await bot?.stop();
  await http?.close();
  await discord?.close();
});

describe('the interactions endpoint', () => {
  it('answers PING with PONG, without a gateway connection', async () => {
    const ping = { id: '1300000000000000001', application_id: APP_ID, type: 1, token: 'ping-token', version: 1 };
    const res = await discord.postInteraction(endpoint, ping);
    expect(res).toMatchObject({ status: 200, body: { type: 1 } });
    expect(discord.identifies).toEqual([]);
    expect(discord.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /applications/@me']);
    expect(await bot.health()).toEqual({ ready: true });
  });

  it('refuses a forged signature, a missing one, a stale or future timestamp, and a replay: 401, nothing run', async () => {
    const { payload } = discord.interactionPayload({ name: 'liqmap', options: [str('symbol', 'btc')], userId: user() });
    expect((await discord.postInteraction(endpoint, payload, { forge: true })).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    expect((await discord.postInteraction(endpoint, payload, { timestampS: now - 600 })).status).toBe(401);
    expect((await discord.postInteraction(endpoint, payload, { timestampS: now + 600 })).status).toBe(401);
    const bare = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    expect(bare.status).toBe(401);
    // Tampered: a valid signature over other bytes.
    const signed = await discord.postInteraction(endpoint, { ...payload, id: '1300000000000000999', token: 'other-token' });
    const tampered = await fetch(endpoint, { method: 'POST', headers: signed.sent.headers, body: signed.sent.body.replace('"btc"', '"eth"') });
    expect(tampered.status).toBe(401);
    // The genuine request once, then the same bytes again.
    const first = await discord.postInteraction(endpoint, payload);
    expect(first.status).toBe(200);
    expect((await discord.replay(endpoint, first.sent, String(payload.token))).status).toBe(401);
    await discord.waitForAnswer(String(payload.token));
    await new Promise((r) => setTimeout(r, 200));
    expect(discord.answers(String(payload.token))).toHaveLength(1);
  });

  it('refuses a body far over any interaction (413) without reading it', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-ed25519': '00'.repeat(64), 'x-signature-timestamp': '1' }, body: huge });
    expect(res.status).toBe(413);
  });

  it('/liqmap: deferred in the response, then @original edited with the PNG as multipart through REST', async () => {
    const { payload, token } = discord.interactionPayload({ name: 'liqmap', options: [str('symbol', 'btc')], userId: user() });
    const res = await discord.postInteraction(endpoint, payload);
    expect(res).toMatchObject({ status: 200, body: { type: 5 } });
    const edit = await discord.waitForCall('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`));
    expect(edit.files.map((f) => [f.field, f.filename])).toEqual([['files[0]', 'liqmap-BTCUSDT-7d.png']]);
    expect(edit.files[0]!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(edit.body).toMatchObject({
      embeds: [{ title: 'BTC liquidation map · 7d', image: { url: 'attachment://liqmap-BTCUSDT-7d.png' } }],
      attachments: [{ id: 0, filename: 'liqmap-BTCUSDT-7d.png' }],
      allowed_mentions: { parse: [] },
    });
    expect(discord.answers(token)).toHaveLength(1);
  });

  it('an answer without uploads goes out in the response itself: text, a refusal, a picture by URL with its link button', async () => {
    const help = discord.interactionPayload({ name: 'help', userId: user() });
    const helpRes = await discord.postInteraction(endpoint, help.payload);
    expect(helpRes.body).toMatchObject({ type: 4, data: { embeds: [{ title: 'liqmap' }] } });
    const bad = discord.interactionPayload({ name: 'liqmap', options: [str('symbol', '🚀')], userId: user() });
    expect((await discord.postInteraction(endpoint, bad.payload)).body).toMatchObject({ type: 4, data: { flags: EPHEMERAL, content: expect.stringContaining('is not a symbol') } });
    const linked = discord.interactionPayload({ name: 'linked', userId: user() });
    const linkedRes = await discord.postInteraction(endpoint, linked.payload);
    expect(linkedRes.body).toMatchObject({
      type: 4,
      data: {
        embeds: [{ image: { url: 'https://liqmap.example/p/map-BTCUSDT.png' } }],
        attachments: [],
        components: [{ type: 1, components: [{ type: 2, style: 5, label: 'Open the interactive map', url: 'https://liqmap.example/m/btc?window=7d' }] }],
      },
    });
    expect(discord.calls.filter((c) => c.path.includes(linked.token))).toEqual([]);
  });

  it('an answer later than the 3 seconds: the response defers in time, the answer follows as an edit', async () => {
    const { payload, token } = discord.interactionPayload({ name: 'slowtext', userId: user() });
    const res = await discord.postInteraction(endpoint, payload);
    expect(res.body).toEqual({ type: 5 });
    const answer = await discord.waitForAnswer(token);
    expect(answer).toMatchObject({ kind: 'edit', body: { embeds: [{ description: 'finally' }] } });
  });

  it('answers autocomplete inline', async () => {
    const { payload } = discord.interactionPayload({ name: 'liqmap', options: [{ name: 'symbol', type: STRING, value: 'et', focused: true }], autocomplete: true, userId: user() });
    expect((await discord.postInteraction(endpoint, payload)).body).toEqual({ type: 8, data: { choices: [{ name: 'ETH (ETHUSDT)', value: 'ETHUSDT' }] } });
  });

  it('50 at once: every one answered exactly once', async () => {
    const built = Array.from({ length: 50 }, () => discord.interactionPayload({ name: 'liqmap', options: [str('symbol', 'eth'), str('window', '3d')], userId: user() }));
    const responses = await Promise.all(built.map((b) => discord.postInteraction(endpoint, b.payload)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await Promise.all(built.map((b) => discord.waitForAnswer(b.token)));
    await new Promise((r) => setTimeout(r, 200));
    expect(built.map((b) => discord.answers(b.token).length)).toEqual(Array(50).fill(1));
  });

  it('digests and alerts go out through REST, with their link button', async () => {
    const result = await bot.send({ platform: 'discord', channelId: CHANNEL_ID, guildId: '1' }, { text: 'digest', link: { label: 'Open', url: 'https://liqmap.example/m/btc' } });
    expect(result).toBe('ok');
    const post = discord.callsTo('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`)).at(-1)!;
    expect(post.body?.components).toEqual([{ type: 1, components: [{ type: 2, style: 5, label: 'Open', url: 'https://liqmap.example/m/btc' }] }]);
    expect(discord.identifies).toEqual([]);
  });
});
