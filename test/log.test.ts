import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Bot } from 'grammy';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { REDACTED, createLogger, scrub } from '../src/log.js';

// Shaped like real tokens; neither is valid anywhere.
const TG_TOKEN = '7012345678:AAH3xYzAbCdEfGhIjKlMnOpQrStUvWxYz12';
const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';

/** A destination that keeps every line written. */
function capture(): { lines: string[]; stream: Writable & { write(s: string): boolean } } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('scrub', () => {
  it('removes given secrets in plain, URL-encoded and JSON-escaped forms', () => {
    const secret = 'p@ss"word/1';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify(secret)}`;
    const out = scrub(text, [secret]);
    expect(out).not.toContain('p@ss');
    expect(out).not.toContain('p%40ss');
    expect(out.split(REDACTED)).toHaveLength(4);
  });

  it('removes Telegram and Discord token shapes nobody declared', () => {
    const out = scrub(`GET https://api.telegram.org/bot${TG_TOKEN}/getUpdates and ${DISCORD_TOKEN}`);
    expect(out).toBe(`GET https://api.telegram.org/bot${REDACTED}/getUpdates and ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    const text = 'BTC 71,450 · shorts $14.0B above (to 100,000) at 12:30:45, ratio 14:1, map id 1717840800000:binance';
    expect(scrub(text, ['zzzzzzzz'])).toBe(text);
  });
});

describe('createLogger', () => {
  it('writes JSON with a level name and the child context', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, level: 'debug' });
    logger.child({ platform: 'telegram', chat: -1001234, command: 'liqmap', requestId: '3f9a1c2e' }).debug('served');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'debug', platform: 'telegram', chat: -1001234, command: 'liqmap', requestId: '3f9a1c2e', msg: 'served' });
  });

  it('redacts secret fields, secret values and token shapes everywhere, errors included', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, secrets: [DISCORD_TOKEN, 'webhook-secret-xyz'] });
    const err = new Error(`login failed with ${DISCORD_TOKEN}`, { cause: new Error(`POST /bot${TG_TOKEN}/setWebhook secret=webhook-secret-xyz`) });
    logger.error({ err, headers: { authorization: `Bot ${DISCORD_TOKEN}` }, nested: { deeper: { url: `https://x/bot${TG_TOKEN}/getMe` } }, token: 'abc' }, 'boom %s', TG_TOKEN);
    logger.child({ platform: 'discord' }).warn({ error: err }, 'again');
    const text = lines.join('');
    for (const secret of [DISCORD_TOKEN, TG_TOKEN, 'webhook-secret-xyz']) expect(text).not.toContain(secret);
    const first = JSON.parse(lines[0]!);
    expect(first.headers.authorization).toBe(REDACTED);
    expect(first.token).toBe(REDACTED);
    expect(first.err.message).toBe(`login failed with ${REDACTED}`);
    expect(first.err.stack).toContain('login failed with');
    expect(first.msg).toBe(`boom ${REDACTED}`);
  });

  it('scrubs readable (pino-pretty) output too', async () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, pretty: true, secrets: [DISCORD_TOKEN] });
    logger.info({ url: `https://api.telegram.org/bot${TG_TOKEN}/getMe` }, `token ${DISCORD_TOKEN}`);
    await flush();
    const text = lines.join('');
    expect(text).toContain('INFO');
    expect(text).toContain(`token ${REDACTED}`);
    expect(text).not.toContain(TG_TOKEN);
    expect(text).not.toContain(DISCORD_TOKEN);
  });
});

// The Bot API stand-in: 500 with an HTML body for getMe (grammY's JSON parse fails, and that error names
// the URL with the token), and a closed socket for everything else.
describe('a token given to the bot never reaches the log', () => {
  let apiRoot = '';
  const requested: string[] = [];
  const server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url?.endsWith('/getMe')) {
      res.writeHead(500, { 'content-type': 'text/html' }).end('<html>Internal Server Error</html>');
    } else {
      req.socket.destroy();
    }
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function failures(): Promise<unknown[]> {
    // sensitiveLogs puts the underlying error's message (with the URL) into grammY's own message.
    const bot = new Bot(TG_TOKEN, { client: { apiRoot, sensitiveLogs: true, timeoutSeconds: 5 } });
    const errors: unknown[] = [];
    await bot.api.getMe().catch((e: unknown) => errors.push(e));
    await bot.api.getUpdates({ offset: 0, timeout: 0 }).catch((e: unknown) => errors.push(e));
    await bot.api.sendMessage(42, 'hi').catch((e: unknown) => errors.push(e));
    return errors;
  }

  it('holds the token in the errors grammY throws (so the test means something)', async () => {
    const errors = await failures();
    expect(errors).toHaveLength(3);
    expect(requested.some((url) => url.includes(`/bot${TG_TOKEN}/getMe`))).toBe(true);
    // A plain pino logger would leak it.
    const { lines, stream } = capture();
    const plain = pino(stream);
    for (const err of errors) plain.error({ err }, 'telegram request failed');
    expect(lines.join('')).toContain(TG_TOKEN);
  });

  it('is scrubbed from every line, whether the token was declared or only shaped like one', async () => {
    const errors = await failures();
    for (const secrets of [loadConfig({ TELEGRAM_BOT_TOKEN: TG_TOKEN }, { dotenvPath: null }).secrets, []]) {
      for (const pretty of [false, true]) {
        const { lines, stream } = capture();
        const logger = createLogger({ destination: stream, pretty, secrets }).child({ platform: 'telegram', command: 'liqmap' });
        for (const err of errors) {
          logger.error({ err }, 'telegram request failed');
          logger.error(err);
          logger.warn(`retrying after: ${(err as Error).message}`);
          logger.error({ err, request: { url: `${apiRoot}/bot${TG_TOKEN}/getUpdates` } }, 'polling stopped');
        }
        await flush();
        expect(lines.length).toBeGreaterThan(0);
        const text = lines.join('');
        expect(text).toContain('Network request for');
        expect(text).not.toContain(TG_TOKEN);
        // Nor its secret half alone.
        expect(text).not.toContain(TG_TOKEN.split(':')[1]);
      }
    }
  });
});
