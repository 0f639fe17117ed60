// The web view's URL parameters ↔ the map pipeline's input. Names only are checked here (an unknown or
// repeated parameter is refused, so a typo never silently shows another map); every value is validated
// by the pipeline itself (maps/map-query.ts), the same as for the CLI and the chat commands.
import type { MapQuery, MapQueryInput } from '../maps/map-query.js';
import { showInput, UserError } from '../errors.js';

/** Parameters of a map: the page, the PNG and the API take the same ones. */
const MAP_PARAMS = ['venue', 'window', 'range', 'at'] as const;

/** Reads `venue`, `window`, `range`, `at` (and `extra`, returned as is) from a query string. */
export function mapInputOf(symbol: string, search: URLSearchParams, extra: readonly string[] = []): { input: MapQueryInput; extra: Record<string, string> } {
  const allowed: readonly string[] = [...MAP_PARAMS, ...extra];
  const seen = new Set<string>();
  for (const name of search.keys()) {
    if (!allowed.includes(name)) throw new UserError(`unknown parameter "${showInput(name)}": use ${allowed.join(', ')}`);
    if (seen.has(name)) throw new UserError(`parameter "${name}" is given twice: give it once`);
    seen.add(name);
  }
  const get = (name: string) => search.get(name) ?? undefined;
  return {
    input: { symbol, venues: get('venue'), window: get('window'), range: get('range'), at: get('at') },
    extra: Object.fromEntries(extra.flatMap((name) => (search.has(name) ? [[name, search.get(name)!]] : []))),
  };
}

/** The query string that names a map: `venue=…&window=…&range=…` (and `at` when pinned). */
export function searchOf(query: Pick<MapQuery, 'venues' | 'window' | 'rangePct' | 'at'>): string {
  const params = new URLSearchParams({ venue: query.venues?.join(',') ?? 'all', window: query.window, range: String(query.rangePct) });
  if (query.at !== undefined) params.set('at', new Date(query.at).toISOString());
  // `,` and `:` are legal in a query string: keep links readable (venue=binance,okx&at=2026-06-08T12:00:00.000Z).
  return params.toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
}
