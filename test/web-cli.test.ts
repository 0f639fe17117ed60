// `liqmap web` as a real process (the built dist/, which `npm test` builds first): no chat token, the
// bundled sample, any free port; it prints where the pages are, serves the page and the API, and exits 0
// on SIGTERM. Needs the build: skipped without dist/.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

describe.skipIf(!existsSync(CLI))('liqmap web process', () => {
  it('serves the map page and its data from the sample without tokens, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-web-'));
    const child = spawn(process.execPath, [CLI, 'web', '--source', 'sample', '--port', '0'], {
      cwd: dir,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`liqmap web did not start:\n${output}`)), 20_000);
        const poll = setInterval(() => {
          const m = /map +(http:\/\/localhost:\d+)\/m\/btc\n[^\n]*heatmap +http:\/\/localhost:\d+\/h\/btc\n/.exec(output);
          if (m) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(m[1]!);
          }
        }, 20);
      });
      expect(output).toContain(`heatmap ${url}/h/btc`);
      const page = await fetch(`${url}/m/btc`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const api = await fetch(`${url}/api/v1/map?symbol=btc`);
      expect(api.status).toBe(200);
      expect(((await api.json()) as { query: { symbol: string } }).query.symbol).toBe('BTCUSDT');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad port with a usage message', async () => {
    const child = spawn(process.execPath, [CLI, 'web', '--port', '80a'], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--port "80a" must be a whole number from 0 to 65535');
  });
});
