// `liqmap serve` as a real process (the built dist/, which `npm test` builds first): SIGTERM lets the
// reply in flight reach Discord, then the process exits 0. Needs the build: skipped without dist/.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { APP_ID, FakeDiscord } from './fakes/discord-api.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

describe.skipIf(!existsSync(CLI))('liqmap serve process', () => {
  it('survives a dispatch discord.js cannot handle; on SIGTERM finishes the reply in flight, then exits 0', async () => {
    const discord = await new FakeDiscord().start();
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-proc-'));
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: dir,
      env: { PATH: process.env.PATH, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, LIQMAP_SOURCE: 'sample', HTTP_PORT: '0', STORE_PATH: join(dir, 'store.sqlite'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bot did not start:\n${output}`)), 20_000);
        const poll = setInterval(() => {
          if (/liqmap bot running/.test(output)) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve();
          }
        }, 20);
      });
      // A real 2023 interaction without authorizing_integration_owners: discord.js 14.28 throws on it.
      const odd = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'discord', 'interaction-create-modal-submit.json'), 'utf8')) as { t: string; d: unknown };
      discord.dispatch(odd.t, odd.d);
      const { id, token } = discord.chatInput({ name: 'heatmap', options: [{ name: 'symbol', type: 3, value: 'btc' }, { name: 'window', type: 3, value: '30d' }] });
      await discord.waitForCall('POST', new RegExp(`^/interactions/${id}/${token}/callback$`));
      child.kill('SIGTERM');
      const { code, at } = await exited;
      const edits = discord.callsTo('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`));
      expect(code).toBe(0);
      expect(edits).toHaveLength(1);
      expect(edits[0]!.files).toHaveLength(1);
      expect(edits[0]!.at).toBeLessThan(at);
      expect(output).toMatch(/"msg":"unhandled rejection \(still running\)"[\s\S]*"signal":"SIGTERM"[\s\S]*"msg":"stopped"/);
      expect(output).not.toContain(discord.token);
    } finally {
      child.kill('SIGKILL');
      await discord.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
