// End to end: the real Telegram adapter (real grammY) logging through liqmap's logger while the Bot API
// fails — the photo upload's socket is closed, a text answer gets a 500 page. grammY's errors then carry
// the request URL, `/bot<token>/sendPhoto`, and the adapter logs them; no line may hold the token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CommandRuntime } from '../src/core/runtime.js';
import { createLogger } from '../src/log.js';
import { TelegramBot } from '../src/platforms/telegram/telegram-bot.js';
import { testServices } from './fakes/bot-services.js';
import { BOT_USER } from './fakes/telegram-api.js';

const TOKEN = '7012345678:AAH3xYzAbCdEfGhIjKlMnOpQrStUvWxYz12';

/** A Bot API that starts fine, hands out one `/liqmap btc` and `/nonsense` each, then fails every answer. */
function failingBotApi() {
  const methods: string[] = [];
  const held: ServerResponse[] = [];
  let delivered = false;
  const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = (req.url ?? '').split('/').pop() ?? '';
    methods.push(method);
    if (method === 'sendPhoto') {
      req.socket.destroy();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (method === 'getMe') return json(res, { ok: true, result: BOT_USER });
      if (['setMyCommands', 'deleteWebhook', 'sendChatAction'].includes(method)) return json(res, { ok: true, result: true });
      if (method === 'sendMessage') return void res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
      if (method === 'getUpdates') {
        const params = body ? (JSON.parse(body) as { timeout?: number }) : {};
        if (!delivered) {
          delivered = true;
          const chat = { id: -100200300, type: 'supergroup', title: 'Traders' };
          const from = { id: 42, is_bot: false, first_name: 'Ann' };
          const message = (id: number, text: string) => ({
            update_id: id,
            message: { message_id: id, date: 1_700_000_000, chat, from, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] },
          });
          return json(res, { ok: true, result: [message(1, '/liqmap btc'), message(2, '/liqmap@TheBot nosuchcoin')] });
        }
        // Held like a real long poll until the bot stops; the final confirming call (timeout 0) answers at once.
        if (params.timeout) return void held.push(res);
        return json(res, { ok: true, result: [] });
      }
      json(res, { ok: false, error_code: 404, description: 'Not Found' });
    });
  });
  return {
    methods,
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close(): Promise<void> {
      for (const res of held) if (!res.writableEnded) json(res, { ok: true, result: [] });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a token given to the bot never reaches the log (real adapter, failing Bot API)', () => {
  it('logs the failed deliveries without the token', async () => {
    const api = failingBotApi();
    const apiRoot = await api.start();
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: apiRoot, LOG_LEVEL: 'trace' }, { dotenvPath: null });
    const lines: string[] = [];
    const logger = createLogger({
      level: config.log.level,
      secrets: config.secrets,
      destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }),
    });
    const env = testServices();
    const runtime = new CommandRuntime({ ...env.services, log: logger });
    const bot = new TelegramBot({ token: config.telegram.token!, apiRoot: config.telegram.apiRoot, runtime, log: logger.child({ platform: 'telegram' }), maxRetryAttempts: 0 });
    try {
      await bot.start();
      // Both answers fail: the photo (socket closed) and the unknown-symbol text (500 page).
      for (let i = 0; i < 200 && lines.filter((l) => l.includes('not delivered')).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await bot.stop();
      await api.close();
    }
    expect(api.methods).toEqual(expect.arrayContaining(['getMe', 'sendPhoto', 'sendMessage']));
    const failures = lines.filter((l) => l.includes('not delivered'));
    expect(failures).toHaveLength(2);
    // The logged errors are the ones that name the URL (so the scrubbing was needed) …
    expect(failures.join('')).toMatch(/\/bot\[REDACTED\]\/send(Photo|Message)/);
    // … and no line anywhere holds the token or its secret half.
    const text = lines.join('');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.split(':')[1]);
  });
});
