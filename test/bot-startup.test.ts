// The composition root end to end: `liqmap serve` without a token, and startBot from a real Config
// against both fake platforms at once, with the bundled sample as the source and a graceful stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { runCli } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/main.js';
import { UserError } from '../src/errors.js';
import { FakeDiscord, APP_ID, GUILD_ID } from './fakes/discord-api.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';
import { FakeRenderer } from './fakes/bot-services.js';

describe('liqmap serve without a token', () => {
  it('says what to set and exits non-zero', async () => {
    const saved = { ...process.env };
    delete process.env.DISCORD_TOKEN;
    delete process.env.TELEGRAM_BOT_TOKEN;
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await runCli(['serve'], { out: (t) => out.push(t), err: (t) => err.push(t) });
      expect(code).not.toBe(0);
    } finally {
      process.env = saved;
    }
    const text = err.join('\n');
    expect(text).toContain('DISCORD_TOKEN');
    expect(text).toContain('TELEGRAM_BOT_TOKEN');
    expect(text).toMatch(/@BotFather/);
  });
});

describe('liqmap deploy-commands', () => {
  async function run(argv: string[], env: Record<string, string | undefined>) {
    const saved = { ...process.env };
    for (const k of ['DISCORD_TOKEN', 'DISCORD_API_URL', 'DISCORD_APPLICATION_ID', 'DISCORD_DEV_GUILD_ID', 'TELEGRAM_BOT_TOKEN']) delete process.env[k];
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await runCli(['deploy-commands', ...argv], { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      process.env = saved;
    }
  }

  it('registers the commands in a server, learning the application id from the token', async () => {
    const discord = await new FakeDiscord().start();
    try {
      const r = await run(['--guild', GUILD_ID], { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^registered \\d+ commands in server ${GUILD_ID} for application ${APP_ID}: /liqmap, /heatmap`));
      expect(discord.callsTo('PUT', new RegExp(`^/applications/${APP_ID}/guilds/${GUILD_ID}/commands$`))).toHaveLength(1);
      const bad = await run(['--guild', 'my-server'], { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('is not a server id');
    } finally {
      await discord.close();
    }
  });

  it('without DISCORD_TOKEN says where to get it', async () => {
    const r = await run([], {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DISCORD_TOKEN is not set.*Reset Token/);
  });
});

describe('startBot with both platforms', () => {
  let telegram: FakeTelegramApi;
  let discord: FakeDiscord;
  let bot: RunningBot;
  let stopped = false;
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-bot-'));

  beforeAll(async () => {
    telegram = await new FakeTelegramApi().start();
    discord = await new FakeDiscord().start();
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        LIQMAP_SOURCE: 'sample',
        HTTP_PORT: '0',
        STORE_PATH: join(dir, 'store.sqlite'),
        LOG_LEVEL: 'silent',
      },
      { dotenvPath: null },
    );
    // Pictures take longer than Discord's deferral delay: the answers in flight at stop() are deferred edits.
    bot = await startBot(config, { log: pino({ level: 'silent' }), renderer: new FakeRenderer(1_500) });
  });

  afterAll(async () => {
    if (!stopped) await bot?.stop();
    await telegram?.close();
    await discord?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /liqmap btc from the bundled sample on Telegram and Discord, and /healthz says ready', async () => {
    telegram.sendText('/liqmap btc', { userId: 11 });
    const { token } = discord.chatInput({ name: 'liqmap', options: [{ name: 'symbol', type: 3, value: 'btc' }] });
    await telegram.waitFor(() => telegram.delivered('sendPhoto', 11).length === 1);
    const edit = await discord.waitForAnswer(token);
    expect(String(telegram.delivered('sendPhoto', 11)[0]!.params.caption)).toContain('estimated from Binance, 7d');
    expect(edit.files).toHaveLength(1);
    const health = await fetch(`${bot.http!.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('wires the schedules: /digest status answers from the store', async () => {
    telegram.sendText('/digest status', { userId: 13 });
    await telegram.waitFor(() => telegram.delivered('sendMessage', 13).length === 1);
    expect(String(telegram.delivered('sendMessage', 13)[0]!.params.text)).not.toMatch(/Sorry|went wrong/);
  });

  it('stop() finishes the replies in flight before closing', async () => {
    telegram.sendText('/heatmap btc 1d', { userId: 12 });
    const { id, token } = discord.chatInput({ name: 'heatmap', options: [{ name: 'symbol', type: 3, value: 'btc' }, { name: 'window', type: 3, value: '1d' }], userId: '399999999999999999' });
    // Both requests are being worked on (Telegram shows "sending photo…", Discord has deferred).
    await telegram.waitFor(() => telegram.callsOf('sendChatAction').some((c) => Number(c.params.chat_id) === 12));
    await discord.waitForCall('POST', new RegExp(`^/interactions/${id}/${token}/callback$`));
    await bot.stop();
    stopped = true;
    expect(telegram.delivered('sendPhoto', 12)).toHaveLength(1);
    expect(discord.callsTo('PATCH', new RegExp(`/${token}/messages/@original$`))).toHaveLength(1);
  });
});

describe('startBot with a refused token', () => {
  it.each([
    ['Telegram', 'TELEGRAM_BOT_TOKEN'],
    ['Discord', 'DISCORD_TOKEN'],
  ])('%s: a clear startup error naming %s', async (platform, variable) => {
    const telegram = await new FakeTelegramApi().start();
    const discord = await new FakeDiscord().start();
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-token-'));
    try {
      const env: Record<string, string> = { LIQMAP_SOURCE: 'sample', HTTP_PORT: '0', STORE_PATH: join(dir, 'store.sqlite'), LOG_LEVEL: 'silent' };
      if (platform === 'Telegram') Object.assign(env, { TELEGRAM_BOT_TOKEN: '999999:WRONG-token-abcdefghijklmnopqrstuvwxyz', TELEGRAM_API_ROOT: telegram.url });
      else Object.assign(env, { DISCORD_TOKEN: 'wrong.token.value', DISCORD_API_URL: discord.apiUrl });
      const started = startBot(loadConfig(env, { dotenvPath: null }), { log: pino({ level: 'silent' }), renderer: new FakeRenderer() });
      const err = (await started.then(() => undefined, (e: unknown) => e)) as UserError;
      expect(err).toBeInstanceOf(UserError);
      expect(err.text).toMatch(new RegExp(`^${platform} did not start: .+\\nCheck ${variable}`));
      expect(err.text).not.toContain('WRONG-token');
    } finally {
      await telegram.close();
      await discord.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Telegram through a webhook', () => {
  let telegram: FakeTelegramApi;
  let bot: RunningBot;
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-hook-'));
  const secret = 'hook-secret_0123456789';

  beforeAll(async () => {
    telegram = await new FakeTelegramApi().start();
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/hook',
        TELEGRAM_WEBHOOK_SECRET: secret,
        LIQMAP_SOURCE: 'sample',
        HTTP_PORT: '0',
        STORE_PATH: join(dir, 'store.sqlite'),
        LOG_LEVEL: 'silent',
      },
      { dotenvPath: null },
    );
    bot = await startBot(config, { log: pino({ level: 'silent' }), renderer: new FakeRenderer() });
  });

  afterAll(async () => {
    await bot?.stop();
    await telegram?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (update: unknown, token?: string) =>
    fetch(`${bot.http!.url}/telegram/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-telegram-bot-api-secret-token': token } : {}) },
      body: JSON.stringify(update),
    });
  const update = (id: number, chatId: number, text: string) => ({
    update_id: id,
    message: { message_id: id, date: 1, chat: { id: chatId, type: 'private', first_name: 'T' }, from: { id: chatId, is_bot: false, first_name: 'T' }, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] },
  });

  it('registers the webhook with its secret token and does not poll', () => {
    const set = telegram.callsOf('setWebhook')[0];
    expect(set?.params).toMatchObject({ url: 'https://bot.example.org/telegram/hook', secret_token: secret });
    expect(telegram.callsOf('deleteWebhook')).toHaveLength(0);
  });

  it('refuses a 200 MB body sent with the right secret early, reading little of it (413), and keeps serving', async () => {
    for (const declared of [true, false]) {
      const { status, written } = await postHuge(`${bot.http!.url}/telegram/hook`, secret, 200 * 1024 * 1024, declared);
      expect(status).toBe(413);
      // What the kernel buffers is all that was sent before the refusal: far from 200 MB.
      expect(written).toBeLessThan(32 * 1024 * 1024);
    }
    expect((await post(update(4, 24, '/help'), secret)).status).toBe(200);
    await telegram.waitFor(() => telegram.delivered('sendMessage', 24).length === 1);
  });

  it('answers an update posted with the secret; refuses one without it', async () => {
    expect((await post(update(1, 21, '/liqmap btc'), 'wrong')).status).toBe(401);
    expect((await post(update(2, 22, '/liqmap btc'))).status).toBe(401);
    expect((await post(update(3, 23, '/liqmap btc'), secret)).status).toBe(200);
    await telegram.waitFor(() => telegram.delivered('sendPhoto', 23).length === 1);
    expect(telegram.delivered('sendPhoto', 21)).toHaveLength(0);
    expect(telegram.delivered('sendPhoto', 22)).toHaveLength(0);
  });
});

describe('startBot while a platform is still connecting', () => {
  it('already answers /healthz with 503 naming the platform, and closes it when the start fails', async () => {
    // A Bot API that accepts connections and never answers: getMe hangs, as behind a black-holed network.
    const held: ServerResponse[] = [];
    let refuse = false;
    const unauthorized = (res: ServerResponse) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
    const silent = createServer((_req, res) => (refuse ? unauthorized(res) : void held.push(res)));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as AddressInfo).port;
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const httpPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-connecting-'));
    try {
      const env = {
        TELEGRAM_BOT_TOKEN: '123456:connecting-token-abcdefghijklmnopqrstu',
        TELEGRAM_API_ROOT: `http://127.0.0.1:${silentPort}`,
        LIQMAP_SOURCE: 'sample',
        HTTP_PORT: String(httpPort),
        STORE_PATH: join(dir, 'store.sqlite'),
        LOG_LEVEL: 'silent',
      };
      const started = startBot(loadConfig(env, { dotenvPath: null }), { log: pino({ level: 'silent' }), renderer: new FakeRenderer() });
      const outcome = started.then(() => undefined, (e: unknown) => e);
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 50));
      }
      expect(health?.status).toBe(503);
      expect(JSON.stringify(await health!.json())).toContain('telegram');
      // The platform finally answers and refuses the token: the start fails and the port is released.
      refuse = true;
      for (const res of held) unauthorized(res);
      expect(await outcome).toBeInstanceOf(UserError);
      await expect(fetch(`http://127.0.0.1:${httpPort}/healthz`)).rejects.toThrow();
    } finally {
      await new Promise<void>((r) => silent.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Streams `size` bytes to the URL in 64 KB chunks until the server answers; how much was written by then. */
function postHuge(url: string, secret: string, size: number, declareLength: boolean): Promise<{ status: number | undefined; written: number }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    let status: number | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve({ status, written });
    };
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret, ...(declareLength ? { 'content-length': String(size) } : { 'transfer-encoding': 'chunked' }) },
    });
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', finish);
    req.on('close', () => setTimeout(finish, 50));
    const pump = () => {
      while (!done && status === undefined && written < size) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (written >= size) req.end();
    };
    pump();
  });
}
