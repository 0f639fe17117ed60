// The one HTTP port (HTTP_PORT): /healthz for orchestrators, /metrics for Prometheus, and optional extra
// routes such as the Telegram webhook.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { checkReadiness } from './readiness.js';
import type { ReadinessProbe } from './readiness.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, without the query string; with `prefix`, every path that starts with it (e.g. `/m/`). */
  path: string;
  /** Matches `path` as a prefix; an exact route of the same path wins, then the longest prefix. */
  prefix?: boolean;
  handler: RouteHandler;
}

export interface HttpServerOptions {
  /** 0 = any free port (tests). */
  port: number;
  /** Default all interfaces, so a container's port mapping and HEALTHCHECK reach it. */
  host?: string;
  /** Everything that must answer for /healthz to say ready: the configured platforms and the store. */
  readiness: Readonly<Record<string, ReadinessProbe>>;
  metrics?: Metrics;
  logger?: Logger;
  /** Secret values to keep out of /healthz reasons (Config.secrets). */
  secrets?: readonly string[];
  probeTimeoutMs?: number;
  /** Extra routes, e.g. `{ method: 'POST', path: '/telegram', handler: webhookCallback(bot, 'http') }`. */
  routes?: readonly Route[];
}

export interface HttpServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, for tests and the HEALTHCHECK. */
  readonly url: string;
  readonly server: Server;
  /** Mounts a route after start, e.g. the Telegram webhook once the bot has registered it. */
  addRoute(route: Route): void;
  /**
   * Stops listening; requests under way get `graceMs` to finish, then every connection is closed, so a
   * hanging client cannot hold the process open.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const routes = new Map<string, Route>();
  // Key `METHOD path`, with a trailing `*` for a prefix route so it never shadows an exact one.
  for (const route of options.routes ?? []) routes.set(`${route.method} ${route.path}${route.prefix ? '*' : ''}`, route);
  // Logged when readiness changes, not on every probe (orchestrators ask every few seconds).
  let lastNotReady = '';
  routes.set('GET /healthz', {
    method: 'GET',
    path: '/healthz',
    handler: async (_req, res) => {
      const readiness = await checkReadiness(options.readiness, { timeoutMs: options.probeTimeoutMs, secrets: options.secrets });
      const notReady = readiness.notReady.join(',');
      if (notReady !== lastNotReady) {
        if (readiness.ready) options.logger?.info('ready again');
        else options.logger?.warn({ notReady: readiness.notReady, checks: readiness.checks }, 'not ready');
        lastNotReady = notReady;
      }
      sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not ready', notReady: readiness.notReady, checks: readiness.checks });
    },
  });
  // Liveness only: the process answers. Restarting a bot because Discord is down would not help.
  routes.set('GET /livez', { method: 'GET', path: '/livez', handler: (_req, res) => sendJson(res, 200, { status: 'alive' }) });
  const metrics = options.metrics;
  if (metrics) {
    routes.set('GET /metrics', {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        const { contentType, body } = await metrics.exposition();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
      },
    });
  }

  const matches = (r: Route, path: string) => (r.prefix ? path.startsWith(r.path) : r.path === path);
  const find = (method: string, path: string): Route | undefined =>
    routes.get(`${method} ${path}`) ??
    [...routes.values()].filter((r) => r.prefix && r.method === method && path.startsWith(r.path)).sort((a, b) => b.path.length - a.path.length)[0];

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const route = find(method, path);
    if (!route) {
      const allowed = [...new Set([...routes.values()].filter((r) => matches(r, path)).map((r) => r.method))];
      if (allowed.length > 0) {
        res.setHeader('allow', allowed.join(', '));
        sendJson(res, 405, { error: `use ${allowed.join(' or ')}` });
      } else {
        // No list of paths: the webhook's path is nobody's business.
        sendJson(res, 404, { error: 'not found' });
      }
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, res))
      .catch((err: unknown) => {
        options.logger?.error({ err, path }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  // Keep-alive sockets of Prometheus scrapers must not hold a shutdown open.
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    const onListenError = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`HTTP_PORT ${options.port} is already in use: stop the other process or set another HTTP_PORT`) : err);
    server.once('error', onListenError);
    server.listen(options.port, options.host, () => {
      server.off('error', onListenError);
      server.on('error', (err) => options.logger?.error({ err }, 'http endpoint error'));
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger?.info({ port }, 'http endpoint listening (/healthz, /metrics)');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    addRoute: (route) => void routes.set(`${route.method} ${route.path}${route.prefix ? '*' : ''}`, route),
    close: (graceMs = 2_000) =>
      new Promise<void>((resolve, reject) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close((err) => {
          clearTimeout(force);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
}
