// The page's files, read and compressed once at start: the page shell, its scripts and styles from
// assets/web/, and uPlot's ESM build and stylesheet straight from node_modules (no CDN, no build step).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { ASSETS_DIR } from '../paths.js';
import { compressed, contentEtag, type Representation } from './representation.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFiles {
  /** The page shell served at /m/<symbol> and /h/<symbol>. */
  page: Representation;
  /** Its HTML, for a server that marks it (e.g. the symbols whose accuracy it keeps). */
  pageHtml: string;
  /** By URL path, e.g. /assets/web/app.js, /assets/lib/uPlot.esm.js. */
  byPath: ReadonlyMap<string, Representation>;
}

/** Only these files are served: a fixed list read at start, never a path taken from the request. */
export async function loadStaticFiles(): Promise<StaticFiles> {
  const webDir = join(ASSETS_DIR, 'web');
  const uplotDir = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  const files: Array<[string, string]> = [
    ...readdirSync(webDir)
      .filter((name) => TYPES[extname(name)] !== undefined && name !== 'page.html')
      .map((name): [string, string] => [`/assets/web/${name}`, join(webDir, name)]),
    ['/assets/lib/uPlot.esm.js', join(uplotDir, 'uPlot.esm.js')],
    ['/assets/lib/uPlot.min.css', join(uplotDir, 'uPlot.min.css')],
  ];
  const byPath = new Map<string, Representation>();
  await Promise.all(
    files.map(async ([path, file]) => {
      const body = readFileSync(file);
      byPath.set(path, await compressed(body, TYPES[extname(file)]!, contentEtag(body), { quality: 'best', encodings: ['br', 'gzip'] }));
    }),
  );
  const pageBody = readFileSync(join(webDir, 'page.html'));
  return { page: await pageRepresentation(pageBody), pageHtml: pageBody.toString('utf8'), byPath };
}

export function pageRepresentation(body: Buffer): Promise<Representation> {
  return compressed(body, TYPES['.html']!, contentEtag(body), { quality: 'best', encodings: ['br', 'gzip'] });
}

