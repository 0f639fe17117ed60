// A response body with its compressed variants, its ETag and its caching rule, sent with the web view's
// security headers: the one way src/web answers, so every page, asset, picture and API body gets
// compression, ETag / If-None-Match → 304 and the Content-Security-Policy alike.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

/**
 * No inline script or style, no eval, nothing from another origin: a symbol name that slipped into the
 * page as markup still could not run. uPlot sets element styles through the CSSOM, which CSP allows.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface Representation {
  body: Buffer;
  type: string;
  /** Quoted, e.g. W/"map:BTCUSDT:all:7d:…;2026.11.1". */
  etag: string;
  br?: Buffer;
  gzip?: Buffer;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = 'br' | 'gzip';

/**
 * The body with the given compressed variants (kept only when smaller). Static files get both at the
 * best ratio once at start; an API body gets the one its client asked for, at a fast setting.
 */
export async function compressed(body: Buffer, type: string, etag: string, options: { quality: 'fast' | 'best'; encodings: readonly Encoding[] }): Promise<Representation> {
  if (body.length < 512) return { body, type, etag };
  const best = options.quality === 'best';
  const variants = await Promise.all(
    options.encodings.map(async (encoding) => {
      const bytes =
        encoding === 'br'
          ? await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: best ? 11 : 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
          : await gzipAsync(body, { level: best ? 9 : 6 });
      return bytes.length < body.length ? { [encoding]: bytes } : {};
    }),
  );
  return Object.assign({ body, type, etag }, ...variants) as Representation;
}

/** The compression this client takes best: brotli, else gzip, else none. */
export function preferredEncoding(req: IncomingMessage): Encoding | undefined {
  const accepted = acceptedEncodings(req.headers['accept-encoding']);
  return accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : undefined;
}

export function contentEtag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/** Sends a representation: 304 when the client's If-None-Match holds its ETag, else the best encoding it accepts. */
export function sendRepresentation(req: IncomingMessage, res: ServerResponse, rep: Representation, cacheControl: string, status = 200, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, ...extra, 'cache-control': cacheControl, etag: rep.etag, vary: 'accept-encoding' };
  if (status === 200 && etagMatches(req.headers['if-none-match'], rep.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const accepted = acceptedEncodings(req.headers['accept-encoding']);
  const [encoding, body] = rep.br && accepted.has('br') ? ['br', rep.br] : rep.gzip && accepted.has('gzip') ? ['gzip', rep.gzip] : [undefined, rep.body];
  res
    .writeHead(status, { ...headers, 'content-type': rep.type, 'content-length': String(body.length), ...(encoding ? { 'content-encoding': encoding } : {}) })
    .end(body);
}

/** A JSON answer that is not cached (errors, 429). */
export function sendJsonError(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(`${JSON.stringify(body)}\n`);
}

/** Weak comparison, as If-None-Match asks (RFC 9110 §13.1.2): W/"x" matches "x". */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const accepted = new Set<string>();
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}
