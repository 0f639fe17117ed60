// A digest send killed (SIGKILL) at each step, then the bot restarted: the real `liqmap serve` process from
// dist/ (built by `npm test`), real grammY against the fake Bot API, the SQLite store on disk. Each step
// gives the outcome the README promises: at most once when the bot dies mid-send, exactly once otherwise.
// Needs the build: skipped without dist/.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, SAMPLE_DIR } from '../src/paths.js';
import { SqliteBackend } from '../src/store/sqlite-backend.js';
import { createStore } from '../src/store/store.js';
import type { Subscription } from '../src/store/records.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
const CHAT_ID = -100777;
const DESTINATION = `tg:${CHAT_ID}`;
const SAMPLE_FILE = 'binance-BTCUSDT-5m.csv';

/**
 * Between the bot and the fake Bot API: passes calls through, or for one method holds the call (it reached
 * "Telegram", which never acts on it) or lets the fake accept it and keeps the answer from the bot.
 */
class BotApiProxy {
  url = '';
  readonly rules = new Map<string, 'hold' | 'keep-answer'>();
  private readonly server: Server;
  private readonly waiters = new Map<string, () => void>();

  constructor(private readonly upstream: string) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves when a held call arrives, or when the fake has accepted a call whose answer is kept. */
  reached(method: string): Promise<void> {
    return new Promise((resolve) => this.waiters.set(method, resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = /\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '';
    const rule = this.rules.get(method);
    if (rule === 'hold') {
      req.resume();
      req.on('end', () => this.waiters.get(method)?.());
      return;
    }
    const upstream = request(`${this.upstream}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      if (rule === 'keep-answer') {
        answer.resume();
        answer.on('end', () => this.waiters.get(method)?.());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

interface Bot {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** One worker thread is plenty for one digest, and spares the other test files running alongside. */
function startBot(env: Record<string, string>): Bot {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH, HTTP_PORT: '0', LOG_LEVEL: 'info', RENDER_WORKERS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForLog(bot: Bot, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!pattern.test(bot.output())) {
    if (Date.now() - started > timeoutMs) throw new Error(`no ${pattern} in the bot's log:\n${bot.output()}`);
    if (bot.child.exitCode !== null) throw new Error(`the bot exited (${bot.child.exitCode}):\n${bot.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function kill(bot: Bot): Promise<void> {
  bot.child.kill('SIGKILL');
  await bot.exited;
}

/** A daily UTC digest whose slot was three minutes ago: due as soon as the bot's scheduler starts. */
function dueSubscription(nowMs: number): { sub: Subscription; slotMs: number } {
  const slotMs = Math.floor(nowMs / 60_000) * 60_000 - 3 * 60_000;
  const time = new Date(slotMs).toISOString().slice(11, 16);
  const sub: Subscription = {
    v: 1,
    destination: DESTINATION,
    platform: 'telegram',
    time,
    timezone: 'UTC',
    days: 'daily',
    symbols: ['BTCUSDT'],
    window: '1d',
    createdBy: 'mod',
    updatedAtMs: nowMs - 86_400_000,
    enabled: true,
  };
  return { sub, slotMs };
}

interface StoreState {
  sub: Subscription | undefined;
  claimHeld: boolean;
}

/** What the killed bot left in the store, read with the project's own store code. */
async function storeState(path: string, claimKey: string, nowMs: () => number = () => Date.now()): Promise<StoreState> {
  const store = createStore(new SqliteBackend(path, nowMs), pino({ level: 'silent' }));
  try {
    const sub = await store.subscriptions.get(DESTINATION);
    // Taking the claim succeeds only when nobody holds it; a probe that got it gives it straight back.
    const claimHeld = !(await store.backend.claim(claimKey, 'probe', 60_000));
    if (!claimHeld) await store.backend.releaseClaim(claimKey, 'probe');
    return { sub, claimHeld };
  } finally {
    await store.close();
  }
}

type Step = 'before the claim' | 'after the claim' | 'after "sending" is recorded' | 'after the platform accepted it' | 'after it is recorded as sent';

interface Expected {
  /** What the store shows right after the kill. */
  claimHeldAtKill: boolean;
  attemptAtKill: 'sending' | undefined;
  sentAtKill: boolean;
  /** The restarted bot's log line about the slot (none when nothing is left to do). */
  restartLog?: RegExp;
  /** Photos the chat received over both runs. */
  photos: number;
  /** The open attempt left after the restart: none, or given up as possibly delivered. */
  attemptAfter: 'unconfirmed' | undefined;
  status: { contains: string[]; lacks: string[] };
}

const SENT_STATUS = { contains: ['Last sent: '], lacks: ['unconfirmed', 'Sending the digest'] };
const UNCONFIRMED_STATUS = {
  contains: ['is unconfirmed: the bot got no answer from Telegram while sending it', 'It is not sent again, so this chat never gets it twice.'],
  lacks: ['Last sent: '],
};

const CASES: [Step, Expected][] = [
  ['before the claim', { claimHeldAtKill: false, attemptAtKill: undefined, sentAtKill: false, restartLog: /"msg":"digest: sent"/, photos: 1, attemptAfter: undefined, status: SENT_STATUS }],
  ['after the claim', { claimHeldAtKill: true, attemptAtKill: undefined, sentAtKill: false, restartLog: /"msg":"digest: sent"/, photos: 1, attemptAfter: undefined, status: SENT_STATUS }],
  ['after "sending" is recorded', { claimHeldAtKill: true, attemptAtKill: 'sending', sentAtKill: false, restartLog: /"msg":"digest: a send of this slot began and was never confirmed/, photos: 0, attemptAfter: 'unconfirmed', status: UNCONFIRMED_STATUS }],
  ['after the platform accepted it', { claimHeldAtKill: true, attemptAtKill: 'sending', sentAtKill: false, restartLog: /"msg":"digest: a send of this slot began and was never confirmed/, photos: 1, attemptAfter: 'unconfirmed', status: UNCONFIRMED_STATUS }],
  ['after it is recorded as sent', { claimHeldAtKill: true, attemptAtKill: undefined, sentAtKill: true, photos: 1, attemptAfter: undefined, status: SENT_STATUS }],
];

describe.skipIf(!existsSync(CLI))('a digest send killed at each step, then restarted', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it.each(CASES)('killed %s', async (step, expected) => {
    const fake = await new FakeTelegramApi().start();
    const proxy = await new BotApiProxy(fake.url).start();
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-crash-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => fake.close(), () => proxy.close());
    const storePath = join(dir, 'store.sqlite');
    const sourceDir = join(dir, 'source');
    mkdirSync(sourceDir);
    const { sub, slotMs } = dueSubscription(Date.now());
    const claimKey = `digest:${DESTINATION}:${new Date(slotMs).toISOString()}`;
    const setup = createStore(new SqliteBackend(storePath), pino({ level: 'silent' }));
    await setup.subscriptions.put(DESTINATION, sub);
    await setup.close();
    const env = { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: proxy.url, STORE_PATH: storePath, LIQMAP_SOURCE: sourceDir };

    // The bars file is a named pipe in the first run: the bot blocks reading it while it builds the digest,
    // which it does after claiming the slot and before recording the send.
    if (step === 'after the claim') execFileSync('mkfifo', [join(sourceDir, SAMPLE_FILE)]);
    else copyFileSync(join(SAMPLE_DIR, SAMPLE_FILE), join(sourceDir, SAMPLE_FILE));
    // setMyCommands comes before the scheduler starts; sendPhoto is the digest itself.
    if (step === 'before the claim') proxy.rules.set('setMyCommands', 'hold');
    if (step === 'after "sending" is recorded') proxy.rules.set('sendPhoto', 'hold');
    if (step === 'after the platform accepted it') proxy.rules.set('sendPhoto', 'keep-answer');
    const reached =
      step === 'before the claim' ? proxy.reached('setMyCommands') : step === 'after "sending" is recorded' || step === 'after the platform accepted it' ? proxy.reached('sendPhoto') : undefined;

    const first = startBot(env);
    cleanup.push(() => void first.child.kill('SIGKILL'));
    if (step === 'after the claim') {
      // Opening a pipe for writing waits for its reader: the bot is now reading the bars.
      const pipe = await open(join(sourceDir, SAMPLE_FILE), 'w');
      await kill(first);
      await pipe.close();
      unlinkSync(join(sourceDir, SAMPLE_FILE));
      copyFileSync(join(SAMPLE_DIR, SAMPLE_FILE), join(sourceDir, SAMPLE_FILE));
    } else if (step === 'after it is recorded as sent') {
      await waitForLog(first, /"msg":"digest: sent"/);
      await kill(first);
    } else {
      await reached;
      await kill(first);
    }

    const atKill = await storeState(storePath, claimKey);
    expect(atKill.claimHeld).toBe(expected.claimHeldAtKill);
    expect(atKill.sub?.attempt?.state).toBe(expected.attemptAtKill);
    expect(atKill.sub?.lastSentAtMs !== undefined).toBe(expected.sentAtKill);
    // Ten minutes later the dead process's sending lease has run out (a finished send's claim lasts a day).
    await storeState(storePath, claimKey, () => Date.now() + 11 * 60_000);

    proxy.rules.clear();
    const second = startBot(env);
    cleanup.push(() => void second.child.kill('SIGKILL'));
    await waitForLog(second, /"msg":"liqmap bot running"/);
    if (expected.restartLog) await waitForLog(second, expected.restartLog);
    fake.sendText('/digest status', { chatId: CHAT_ID, userId: 42 });
    await fake.waitFor(() => fake.delivered('sendMessage', CHAT_ID).length === 1, 30_000);
    // SIGTERM waits for the scheduler's tick in flight, so every send the restart would make is made.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    expect(fake.delivered('sendPhoto', CHAT_ID)).toHaveLength(expected.photos);
    const status = String(fake.delivered('sendMessage', CHAT_ID)[0]!.params.text);
    for (const text of expected.status.contains) expect(status).toContain(text);
    for (const text of expected.status.lacks) expect(status).not.toContain(text);
    const after = await storeState(storePath, claimKey);
    expect(after.sub?.lastSlotMs).toBe(slotMs);
    expect(after.sub?.attempt?.state).toBe(expected.attemptAfter);
    expect(second.output()).not.toContain(fake.token);
  }, 120_000);
});
