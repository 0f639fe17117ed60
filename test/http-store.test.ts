// /healthz over real HTTP with the real store behind it: a real redis-server that goes down and comes back.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeProbe } from '../src/http/readiness.js';
import { startHttpServer } from '../src/http/server.js';
import { RedisBackend } from '../src/store/redis-backend.js';
import { SqliteBackend } from '../src/store/sqlite-backend.js';
import { startRedisServer } from './helpers/redis-server.js';

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** A second redis-server on the port the first one had, as after a restart. */
async function restartRedisOn(port: number): Promise<{ stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'liqmap-redis-again-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 200 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 25));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function healthz(url: string): Promise<{ status: number; body: { notReady: string[] } }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as { notReady: string[] } };
}

describe('/healthz with the real store', () => {
  it('turns not ready while Redis is down and ready again when it is back', async () => {
    const redis = await startRedisServer();
    const backend = new RedisBackend(redis.url);
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', probeTimeoutMs: 500, readiness: { telegram: () => true, store: storeProbe(backend) } });
    let again: { stop(): Promise<void> } | undefined;
    try {
      expect(await healthz(server.url)).toEqual({ status: 200, body: expect.objectContaining({ notReady: [] }) });

      await redis.stop();
      expect(await healthz(server.url)).toEqual({ status: 503, body: expect.objectContaining({ notReady: ['store'] }) });

      again = await restartRedisOn(redis.port);
      let back = await healthz(server.url);
      // The client reconnects with a backoff; give it a few probes.
      for (let i = 0; i < 40 && back.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        back = await healthz(server.url);
      }
      expect(back.status).toBe(200);
    } finally {
      await server.close();
      await backend.close();
      await again?.stop();
    }
  });

  it('is ready with the embedded SQLite store and not ready once it is closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-health-sqlite-'));
    const backend = new SqliteBackend(join(dir, 'store.sqlite'));
    const server = await startHttpServer({ port: 0, host: '127.0.0.1', probeTimeoutMs: 500, readiness: { store: storeProbe(backend) } });
    try {
      expect((await healthz(server.url)).status).toBe(200);
      await backend.close();
      expect(await healthz(server.url)).toEqual({ status: 503, body: expect.objectContaining({ notReady: ['store'] }) });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
