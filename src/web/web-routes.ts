// The web view on the HTTP_PORT server: the page (/m/<symbol> map, /h/<symbol> heatmap), the PNG of a
// map (/m/<symbol>.png), the JSON API (/api/v1/map, /api/v1/heatmap) and the page's static files. Every
// value from a URL goes through the one map pipeline; the API returns the pipeline's cached map itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { formatAccuracyReport, SCORE_INTERVAL_MS } from '../analysis/accuracy.js';
import { MODEL_VERSION } from '../analysis/model-version.js';
import { WINDOW_INTERVAL_MS } from '../analysis/params.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { BusyError, UserError } from '../errors.js';
import type { Route } from '../http/server.js';
import type { MapService, ResolvedQuery } from '../maps/map-pipeline.js';
import { MarketUnavailableError } from '../market/live-market-data.js';
import type { AccuracyPort } from '../schedule/services.js';
import { UnknownSymbolError } from '../market/symbol-catalogue.js';
import { IpRateLimit } from './ip-rate-limit.js';
import { heatmapBody, mapBody } from './map-json.js';
import { compressed, etagMatches, preferredEncoding, sendJsonError, sendRepresentation, type Representation } from './representation.js';
import { loadStaticFiles, pageRepresentation } from './static-files.js';
import { mapInputOf } from './web-query.js';

export interface WebOptions {
  maps: MapService;
  clock: Clock;
  log: Logger;
  /** API and picture requests per minute per client (WEB_RATE_LIMIT). */
  rateLimitPerMinute: number;
  /** Behind one reverse proxy: the client is the last X-Forwarded-For hop, not the proxy (WEB_TRUST_PROXY). */
  trustProxy?: boolean;
  /** The map's own accuracy, when this server keeps it (`liqmap serve` with the live streams). */
  accuracy?: AccuracyPort;
}

/** The web view's settings from the configuration (`liqmap web` and `liqmap serve`). */
export function webOptionsOf(config: Pick<Config, 'web'>): Pick<WebOptions, 'rateLimitPerMinute' | 'trustProxy'> {
  return { rateLimitPerMinute: config.web.rateLimitPerMinute, trustProxy: config.web.trustProxy };
}

type Kind = 'map' | 'heatmap';
const KIND_OF_PATH: Record<string, Kind> = { m: 'map', h: 'heatmap' };
/** Page-only parameter: the top of the colour scale in USD per bucket, so two views compare. */
const PAGE_PARAMS = ['scale'];
const API_BODIES_KEPT = 16;

export async function webRoutes(o: WebOptions): Promise<Route[]> {
  const files = await loadStaticFiles();
  // A server that keeps the map's accuracy names its symbols on the page, which then asks for the report
  // (and only then: a page elsewhere makes no request that can only fail).
  const page = o.accuracy ? await pageRepresentation(Buffer.from(files.pageHtml.replace('<body data-state="loading">', `<body data-state="loading" data-accuracy="${o.accuracy.symbols.join(' ')}">`))) : files.page;
  const limit = new IpRateLimit({ perMinute: o.rateLimitPerMinute }, o.clock);
  // Serialized API bodies by map id, and their compressed forms by id and encoding: a warm request is a
  // lookup, not a 1 MB JSON.stringify and a compression.
  const serialized = new Map<string, Promise<Buffer>>();
  const bodies = new Map<string, Promise<Representation>>();

  /** 429 with Retry-After when the client is over its budget; true when the request may go on. */
  const admitted = (req: IncomingMessage, res: ServerResponse): boolean => {
    const retryAfter = limit.take(clientOf(req, o.trustProxy ?? false));
    if (retryAfter === 0) return true;
    sendJsonError(res, 429, { error: `too many requests: try again in ${retryAfter} s` }, { 'retry-after': String(retryAfter) });
    return false;
  };

  /** Caching by the map's bar: a map pinned to a past bar never changes; the current one until the next bar closes. */
  const cacheControl = (query: ResolvedQuery): string => {
    const now = o.clock.now();
    if (query.at !== undefined && query.at <= now) return 'public, max-age=31536000, immutable';
    const interval = WINDOW_INTERVAL_MS[query.window];
    return `public, max-age=${Math.max(1, Math.ceil((interval - (now % interval)) / 1000))}`;
  };
  const etagOf = (id: string) => `W/"${id};${MODEL_VERSION}"`;

  const apiRoute = (kind: Kind): Route => ({
    method: 'GET',
    path: `/api/v1/${kind}`,
    handler: async (req, res) => {
      if (!admitted(req, res)) return;
      await answering(res, o.log, async () => {
        const search = searchOf(req);
        const symbol = search.get('symbol');
        if (!symbol) throw new UserError('symbol is missing: add ?symbol=btc');
        if (search.getAll('symbol').length > 1) throw new UserError('parameter "symbol" is given twice: give it once');
        search.delete('symbol');
        const query = await o.maps.resolve(mapInputOf(symbol, search).input);
        const id = o.maps.idOf(kind, query);
        const etag = etagOf(id);
        if (etagMatches(req.headers['if-none-match'], etag)) {
          sendRepresentation(req, res, { body: Buffer.alloc(0), type: 'application/json; charset=utf-8', etag }, cacheControl(query));
          return;
        }
        // One serialization per id, one compression per id and encoding the clients use.
        const encoding = preferredEncoding(req);
        const key = `${etag} ${encoding ?? 'identity'}`;
        let body = bodies.get(key);
        if (!body) {
          const json = serialized.get(etag) ?? remember(serialized, etag, (async () => {
            const data = kind === 'map' ? mapBody(id, query, (await o.maps.map(query)).map) : heatmapBody(id, query, (await o.maps.heatmap(query)).heatmap);
            return Buffer.from(JSON.stringify(data));
          })());
          body = remember(bodies, key, json.then((bytes) => compressed(bytes, 'application/json; charset=utf-8', etag, { quality: 'fast', encodings: encoding ? [encoding] : [] })));
        }
        sendRepresentation(req, res, await body, cacheControl(query));
      });
    },
  });

  /** /api/v1/accuracy?symbol=btc: the report /liqmap accuracy shows, as JSON, until the next half-hour. */
  const accuracyRoute: Route = {
    method: 'GET',
    path: '/api/v1/accuracy',
    handler: async (req, res) => {
      if (!admitted(req, res)) return;
      await answering(res, o.log, async () => {
        const search = searchOf(req);
        const names = [...search.keys()];
        const unknown = names.find((n) => n !== 'symbol');
        if (unknown !== undefined) throw new UserError(`unknown parameter "${unknown.slice(0, 24)}": give only symbol`);
        if (names.length > 1) throw new UserError('parameter "symbol" is given twice: give it once');
        const symbol = search.get('symbol');
        if (!symbol) throw new UserError('symbol is missing: add ?symbol=btc');
        if (!o.accuracy) {
          sendJsonError(res, 404, { error: 'this server does not score its map: that needs liqmap serve with the live liquidation streams' });
          return;
        }
        const { symbol: canonical } = await o.maps.resolve({ symbol });
        if (!o.accuracy.symbols.includes(canonical)) {
          sendJsonError(res, 404, { error: `the map's accuracy is recorded for ${o.accuracy.symbols.join(', ')}, not ${canonical}` });
          return;
        }
        const report = await o.accuracy.report(canonical);
        const next = report.through + SCORE_INTERVAL_MS;
        const body = Buffer.from(JSON.stringify({ kind: 'accuracy', modelVersion: MODEL_VERSION, report, text: formatAccuracyReport(report) }));
        sendRepresentation(req, res, { body, type: 'application/json; charset=utf-8', etag: `W/"accuracy:${canonical}:${report.through};${MODEL_VERSION}"` }, `public, max-age=${Math.max(1, Math.ceil((next - o.clock.now()) / 1000))}`);
      });
    },
  };

  const pageRoute = (letter: 'm' | 'h'): Route => ({
    method: 'GET',
    path: `/${letter}/`,
    prefix: true,
    handler: async (req, res) => {
      const kind = KIND_OF_PATH[letter]!;
      const name = req.url!.split('?')[0]!.slice(3);
      await answering(res, o.log, async () => {
        const symbol = decodeSymbol(name.endsWith('.png') ? name.slice(0, -4) : name);
        if (name.endsWith('.png')) {
          if (!admitted(req, res)) return;
          const input = mapInputOf(symbol, searchOf(req)).input;
          const query = await o.maps.resolve(input);
          const etag = etagOf(o.maps.idOf(kind, query));
          if (etagMatches(req.headers['if-none-match'], etag)) {
            sendRepresentation(req, res, { body: Buffer.alloc(0), type: 'image/png', etag }, cacheControl(query));
            return;
          }
          const picture = kind === 'map' ? await o.maps.mapPicture(query) : await o.maps.heatmapPicture(query);
          sendRepresentation(req, res, { body: picture.png, type: 'image/png', etag: etagOf(picture.id) }, cacheControl(query));
          return;
        }
        // The page validates what it can at once, so a bad link answers 400/404 (the page then shows why).
        const search = searchOf(req);
        try {
          await o.maps.resolve(mapInputOf(symbol, search, PAGE_PARAMS).input);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          sendRepresentation(req, res, page, 'no-store', statusOf(err));
          return;
        }
        // The browser fetches the data while it loads the scripts: the URL is the one app.js will ask.
        sendRepresentation(req, res, page, 'no-cache', 200, { link: `<${apiPathOf(kind, symbol, search)}>; rel=preload; as=fetch; crossorigin` });
      });
    },
  });

  return [
    apiRoute('map'),
    apiRoute('heatmap'),
    accuracyRoute,
    pageRoute('m'),
    pageRoute('h'),
    {
      method: 'GET',
      path: '/assets/',
      prefix: true,
      handler: (req, res) => {
        const file = files.byPath.get(req.url!.split('?')[0]!);
        if (!file) return sendJsonError(res, 404, { error: 'not found' });
        // Not content-hashed URLs: a short max-age, then a 304 by ETag.
        sendRepresentation(req, res, file, 'public, max-age=300');
      },
    },
    {
      method: 'GET',
      path: '/',
      handler: (_req, res) => void res.writeHead(302, { location: 'm/btc', 'cache-control': 'no-store' }).end(),
    },
  ];
}

/** Keeps a promise in a small insertion-ordered cache (dropped if it fails) and returns it. */
function remember<T>(cache: Map<string, Promise<T>>, key: string, value: Promise<T>): Promise<T> {
  cache.set(key, value);
  value.catch(() => cache.delete(key));
  for (const k of cache.keys()) if (cache.size > API_BODIES_KEPT) cache.delete(k);
  return value;
}

/** Runs a handler; a person's mistake is a 400 (404 for an unknown symbol) with the pipeline's message as JSON. */
async function answering(res: ServerResponse, log: Logger, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    log.debug({ err: err.message }, 'web: refused');
    sendJsonError(res, statusOf(err), {
      error: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err instanceof UnknownSymbolError ? { closest: err.suggestions } : {}),
    });
  }
}

function statusOf(err: UserError): number {
  if (err instanceof UnknownSymbolError) return 404;
  // No venue answered, or the workers are full: the request was fine, the service cannot serve it now.
  if (err instanceof MarketUnavailableError || err instanceof BusyError) return 503;
  return 400;
}

/** The API request the page makes first (assets/web/app.js: apiUrl), relative to the page. */
function apiPathOf(kind: Kind, symbol: string, page: URLSearchParams): string {
  const q = new URLSearchParams({ symbol, venue: page.get('venue') ?? 'all', window: page.get('window') ?? '7d', range: page.get('range') ?? '15' });
  const at = page.get('at');
  if (at) q.set('at', at);
  return `../api/v1/${kind}?${q.toString()}`;
}

function searchOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
}

function decodeSymbol(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UserError('the symbol in the address is not valid URL encoding');
  }
}

/** The peer address; behind a trusted proxy, the address that proxy saw (the last X-Forwarded-For hop). */
function clientOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
