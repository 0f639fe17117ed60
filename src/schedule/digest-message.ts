// The digest's text: per symbol the ratio and its change since this chat's previous digest, the USD on
// each side, the densest cluster each side, and realized liquidations when the live stream runs.
import { baseAsset, formatPct, formatPrice, formatRatio, formatUsd, priceDecimals, venueName } from '../analysis/format.js';
import type { Crossing } from '../analysis/cascades.js';
import type { LiquidationMap } from '../analysis/types.js';
import type { DigestSnapshot } from '../store/records.js';

export interface RealizedSums {
  longUsd: number;
  shortUsd: number;
  /** How much of the period the stream actually watched (less after a restart); absent = all of it. */
  coveredMs?: number;
}

export interface DigestSection {
  map: LiquidationMap;
  /** This chat's figures from its previous digest, if any. */
  previous?: Pick<DigestSnapshot, 'ratio' | 'ratioKind'>;
  /** Realized liquidations over the last 24 h; absent when the live stream is off. */
  realized24h?: RealizedSums;
  /** Clusters price crossed over the last day (cascade watch), oldest first. */
  crossings?: Crossing[];
}

const DAY_MS = 86_400_000;

/** "14:1", "1:3.2", "1:1", or the words for an empty side. */
export function compactRatio(r: Pick<LiquidationMap, 'ratio' | 'ratioKind'>): string {
  return formatRatio(r).replace(/ (short|long)-heavy$| balanced$/, '');
}

/** "14:1 short-heavy ↑ from 9:1": ↑ more short-heavy than last time, ↓ less, → the same as shown. */
export function ratioWithChange(now: Pick<LiquidationMap, 'ratio' | 'ratioKind'>, previous?: Pick<DigestSnapshot, 'ratio' | 'ratioKind'>): string {
  const text = formatRatio(now);
  if (!previous) return text;
  const before = compactRatio({ ratio: previous.ratio, ratioKind: previous.ratioKind as LiquidationMap['ratioKind'] });
  if (before === compactRatio(now)) return `${text} → unchanged`;
  if (now.ratio === null || previous.ratio === null) return `${text} (was ${before})`;
  return `${text} ${now.ratio > previous.ratio ? '↑' : '↓'} from ${before}`;
}

export function digestSectionText(section: DigestSection): string {
  const { map } = section;
  const d = priceDecimals(map.price);
  const lines = [`${baseAsset(map.meta.symbol)} ${formatPrice(map.price, d)} · ${ratioWithChange(map, section.previous)}`];
  lines.push(`shorts ${formatUsd(map.shortAbove)} above · longs ${formatUsd(map.longBelow)} below (±${Math.round(map.meta.params.range * 100)}%)`);
  const densest = [map.shortClusters[0], map.longClusters[0]]
    .filter((c) => c !== undefined)
    .map((c) => `densest ${c.side} cluster ${formatPrice(c.price, d)} (${formatPct(c.distancePct)}) ${formatUsd(c.usd)}`);
  if (densest.length) lines.push(densest.join(' · '));
  const r = section.realized24h;
  if (r) {
    // After a restart the stream has watched less than a day: say so rather than call it 24h.
    const covered = r.coveredMs ?? DAY_MS;
    const label = covered >= DAY_MS - 60_000 ? '24h' : `last ${Math.max(1, Math.floor(covered / 3_600_000))}h (stream started since)`;
    lines.push(`realized liquidations ${label}: longs ${formatUsd(r.longUsd)} · shorts ${formatUsd(r.shortUsd)}`);
  }
  const crossed = section.crossings ?? [];
  if (crossed.length > 0) {
    // The three most recent, newest first: what the chat most likely saw happen.
    const shown = crossed.slice(-3).reverse().map((c) => `${c.side} ${formatPrice(c.price, d)} ${formatUsd(c.clusterUsd)} → ${c.verdict}`);
    const more = crossed.length > 3 ? ` (+${crossed.length - 3} more)` : '';
    lines.push(`clusters crossed in 24h: ${shown.join(' · ')}${more}`);
  }
  return lines.join('\n');
}

export function digestText(sections: DigestSection[]): { title: string; text: string } {
  const first = sections[0]?.map;
  const venues = first ? first.meta.venues.map((v) => venueName(v.venue)).join('+') : '';
  const body = sections.map(digestSectionText).join('\n\n');
  const footer = `Estimated from ${venues}, ${first?.meta.window ?? ''} window — not financial advice.`;
  return { title: 'Liquidation map digest', text: `${body}\n\n${footer}` };
}
