// `liqmap serve` as a real process (the built dist/, which `npm test` builds first). SIGTERM at several
// moments of start-up and running, on both platforms (including with the Discord API gone), must end
// the process by itself with exit code 0: nothing may hold it open once stopped (the process logs any
// handle still open after "stopped", which would fail these tests). Needs the build: skipped without dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { FakeDiscord } from './fakes/discord-api.js';
import { FakeTelegramApi } from './fakes/telegram-api.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
/** Generous: a stop that hangs fails here; how fast it is goes to the benchmark, not to this test. */
const EXIT_WITHIN_MS = 15_000;

interface Served {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code (or 'hung' when it did not exit in time). */
  terminate(): Promise<number | null | 'hung'>;
  cleanup(): void;
}

function serve(env: Record<string, string>): Served {
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-proc-'));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH, LIQMAP_SOURCE: 'sample', HTTP_PORT: '0', STORE_PATH: join(dir, 'store.sqlite'), LOG_LEVEL: 'info', RENDER_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor: (re, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (re.test(out)) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`no ${re} in the output:\n${out}`));
          }
        }, 10);
      }),
    async terminate() {
      child.kill('SIGTERM');
      const timer = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), EXIT_WITHIN_MS));
      return Promise.race([exited, timer]);
    },
    cleanup() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Bot API that accepts connections and never answers: getMe hangs, as behind a black-holed network. */
async function silentApi(): Promise<{ url: string; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((_req, res) => void held.push(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function expectCleanStop(served: Served, code: number | null | 'hung'): void {
  expect(code, served.output()).toBe(0);
  expect(served.output()).not.toContain('still open after stop');
}

describe.skipIf(!existsSync(CLI))('liqmap serve process: SIGTERM at any moment', () => {
  it('Discord gateway: on SIGTERM finishes the answer in flight, then exits 0', async () => {
    const discord = await new FakeDiscord().start();
    const served = serve({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
    try {
      await served.waitFor(/liqmap bot running/);
      // A real 2023 interaction without authorizing_integration_owners (discord.js's Client threw on it): nothing breaks.
      const odd = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'discord', 'interaction-create-modal-submit.json'), 'utf8')) as { t: string; d: unknown };
      discord.dispatch(odd.t, odd.d);
      // A 30-day heatmap takes longer than the deferral delay: it is deferred, then edited.
      const { id, token } = discord.chatInput({ name: 'heatmap', options: [{ name: 'symbol', type: 3, value: 'btc' }, { name: 'window', type: 3, value: '30d' }] });
      await discord.waitForCall('POST', new RegExp(`^/interactions/${id}/${token}/callback$`));
      const code = await served.terminate();
      expectCleanStop(served, code);
      const answers = discord.answers(token);
      expect(answers).toHaveLength(1);
      expect(answers[0]!.files).toHaveLength(1);
      expect(served.output()).toMatch(/"signal":"SIGTERM"[\s\S]*"msg":"stopped"/);
      expect(served.output()).not.toContain(discord.token);
      expect(served.output()).not.toMatch(/"level":"(error|fatal)"/);
    } finally {
      served.cleanup();
      await discord.close();
    }
  });

  it.each([
    ['while /gateway/bot gets no answer', { holdGatewayBot: true }, /"msg":"connecting"/],
    ['while IDENTIFY gets no READY', { holdReady: true }, /"msg":"connecting"/],
    ['right after it is running', {}, /liqmap bot running/],
  ])('Discord gateway: SIGTERM %s → exits 0', async (_moment, holds, waitFor) => {
    const discord = await new FakeDiscord().start();
    Object.assign(discord, holds);
    const served = serve({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
    try {
      await served.waitFor(waitFor);
      if ((holds as { holdReady?: boolean }).holdReady) for (let i = 0; i < 500 && discord.identifies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expectCleanStop(served, await served.terminate());
    } finally {
      served.cleanup();
      await discord.close();
    }
  });

  it.each([250, 1_000, 2_000])('Discord gateway: SIGTERM %i ms after it is running, while the connection settles → exits 0', async (afterMs) => {
    const discord = await new FakeDiscord().start();
    const served = serve({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
    try {
      await served.waitFor(/liqmap bot running/);
      await new Promise((r) => setTimeout(r, afterMs));
      expectCleanStop(served, await served.terminate());
    } finally {
      served.cleanup();
      await discord.close();
    }
  });

  it('Discord gateway: the Discord API gone before the SIGTERM → exits 0', async () => {
    const discord = await new FakeDiscord().start();
    const served = serve({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
    try {
      await served.waitFor(/liqmap bot running/);
      // REST and gateway gone: the client is reconnecting when the stop comes.
      await discord.close();
      await served.waitFor(/gateway connection closed/);
      expectCleanStop(served, await served.terminate());
    } finally {
      served.cleanup();
    }
  });

  it('Discord over HTTP: SIGTERM right after it is running → exits 0', async () => {
    const discord = await new FakeDiscord().start();
    const served = serve({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, DISCORD_INTERACTIONS: 'http', DISCORD_PUBLIC_KEY: discord.publicKeyHex });
    try {
      await served.waitFor(/liqmap bot running/);
      expectCleanStop(served, await served.terminate());
      expect(discord.identifies).toEqual([]);
    } finally {
      served.cleanup();
      await discord.close();
    }
  });

  it('Telegram: SIGTERM while getMe gets no answer → exits 0', async () => {
    const api = await silentApi();
    const served = serve({ TELEGRAM_BOT_TOKEN: '123456:silent-token-abcdefghijklmnopqrstuvwxyz', TELEGRAM_API_ROOT: api.url });
    try {
      await served.waitFor(/"msg":"connecting"/);
      expectCleanStop(served, await served.terminate());
      expect(served.output()).toContain('stopped during start-up');
    } finally {
      served.cleanup();
      await api.close();
    }
  });

  it.each([0, 1_000])('Telegram polling: SIGTERM %i ms after it is running → exits 0', async (afterMs) => {
    const telegram = await new FakeTelegramApi().start();
    const served = serve({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url });
    try {
      await served.waitFor(/liqmap bot running/);
      await new Promise((r) => setTimeout(r, afterMs));
      expectCleanStop(served, await served.terminate());
    } finally {
      served.cleanup();
      await telegram.close();
    }
  });

  it('Telegram polling: the Bot API gone before the SIGTERM → exits 0', async () => {
    const telegram = await new FakeTelegramApi().start();
    const served = serve({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url });
    try {
      await served.waitFor(/liqmap bot running/);
      telegram.down = true;
      await new Promise((r) => setTimeout(r, 2_500));
      expectCleanStop(served, await served.terminate());
    } finally {
      served.cleanup();
      await telegram.close();
    }
  });
});
