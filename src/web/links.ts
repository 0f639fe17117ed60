// Public URLs of the web view (PUBLIC_URL): what a chat reply's button and a digest's picture point at.
// The query string is the one the page and the API read (web-query.ts), so a link reproduces the view.
import type { PageLinks } from '../core/command.js';
import { searchOf } from './web-query.js';

export function createPageLinks(publicUrl: string): PageLinks {
  const base = publicUrl.replace(/\/+$/, '');
  const path = (kind: 'map' | 'heatmap') => (kind === 'map' ? 'm' : 'h');
  return {
    page: (kind, query) => `${base}/${path(kind)}/${encodeURIComponent(query.symbol)}?${searchOf(query)}`,
    // Pinned to the map's bar (`at`), so the URL names these bytes for good and may be cached forever.
    picture: (kind, query, id) => `${base}/${path(kind)}/${encodeURIComponent(query.symbol)}.png?${searchOf({ ...query, at: barOfId(id) })}`,
  };
}

/** The last closed bar a map id names (`kind:SYMBOL:venues:window:bar:range`). */
export function barOfId(id: string): number {
  const parts = id.split(':');
  const bar = Number(parts[parts.length - 2]);
  if (!Number.isSafeInteger(bar)) throw new Error(`not a map id: ${id}`);
  return bar;
}
