// Replicas of `liqmap serve` (the built dist/) behind a small round-robin proxy on loopback: the shape
// of a load balancer in front of stateless instances. Used by test/bot-replicas.test.ts and the bot bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';

export const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface Replica {
  child: ChildProcess;
  port: number;
  output(): string;
}

/** Starts `liqmap serve` on a free port with the environment given; resolves once it logs it is running. */
export async function startReplica(env: Record<string, string>, cwd: string, startTimeoutMs = 60_000): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd,
    env: { PATH: process.env.PATH, HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  while (!/liqmap bot running/.test(out)) {
    if (child.exitCode !== null || Date.now() - started > startTimeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`replica did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, output: () => out };
}

export interface Proxy {
  url: string;
  server: Server;
  /** Requests each replica answered. */
  served: number[];
  close(): void;
}

/** Round robin; a replica that refuses or drops the connection is skipped for that request (as a load balancer does). */
export async function startProxy(ports: number[]): Promise<Proxy> {
  let next = 0;
  const served = ports.map(() => 0);
  const forward = (i: number, req: IncomingMessage, body: Buffer): Promise<{ status: number; type: string; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = request({ host: '127.0.0.1', port: ports[i], method: req.method, path: req.url, headers: req.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, type: String(res.headers['content-type'] ?? 'application/json'), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const first = next++;
    for (let tries = 0; tries < ports.length; tries++) {
      const i = (first + tries) % ports.length;
      try {
        const answer = await forward(i, req, body);
        served[i]!++;
        res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
        return;
      } catch {
        // That replica is gone: the next one gets this request.
      }
    }
    res.writeHead(502).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    served,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
