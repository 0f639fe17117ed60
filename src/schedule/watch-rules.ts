// Level watches (issue 14 part 4) as pure functions: the moderator's words → levels within floors, and
// the messages a chat gets. The verdicts themselves are analysis/level-watch.ts's; the cooldown is the
// evaluator's claim, as for alerts.
import { describeLevelEvent, type LevelEvent } from '../analysis/level-watch.js';
import { baseAsset, formatForcedFlow, formatPct, formatPrice, formatUsd, priceDecimals } from '../analysis/format.js';
import type { ForcedFlowEstimate, LiquidationMap } from '../analysis/types.js';
import { showInput, UserError } from '../errors.js';
import { formatUtcMinute } from '../analysis/utc-time.js';
import { parseLevel } from '../maps/map-query.js';
import type { WatchRule } from '../store/records.js';

/** The ranges a watch must fall in, like the alert rules' RULE_FLOORS (and the same cap per chat). */
export const WATCH_FLOORS = {
  maxLevels: 10,
  maxWatchesPerChat: 10,
  /** Approach distance, % of the level: closer than the map's buckets cannot be told apart; wider is no approach. */
  minNearPct: 0.1,
  maxNearPct: 5,
  defaultNearPct: 1,
  /** A level further than this from the price is beyond any move worth watching (as maxClusterPct). */
  maxLevelDistancePct: 50,
  /** `clusters`: the largest clusters each side, at most this many. */
  clustersPerSide: 2,
} as const;

/** "85000 90000 95k", "85,000 90,000", "85000,90000" → prices (parseLevel's forms), at most maxLevels. */
export function parseWatchLevels(text: string): number[] {
  const words = text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    // "90,000" is one level; "85000,90000" two.
    .flatMap((w) => (/^\$?\d{1,3}(,\d{3})+(\.\d+)?[kKmM]?$/.test(w) ? [w] : w.split(',').filter(Boolean)));
  if (words.length === 0) throw new UserError('Give at least one level, e.g. 85000 90000 95000, or the word clusters.');
  const levels = [...new Set(words.map((w) => parseLevel(w)))].sort((a, b) => a - b);
  if (levels.length > WATCH_FLOORS.maxLevels) throw new UserError(`${levels.length} levels is too many: at most ${WATCH_FLOORS.maxLevels} per watch.`);
  return levels;
}

/** "1%", "0.5" → percent, within the floors. */
export function parseNearPct(text: string): number {
  const t = text.trim().replace(/%$/, '');
  const pct = Number(t);
  if (t === '' || !Number.isFinite(pct) || pct < WATCH_FLOORS.minNearPct || pct > WATCH_FLOORS.maxNearPct) {
    throw new UserError(`An approach distance of ${showInput(text)} is out of bounds: give ${WATCH_FLOORS.minNearPct}% to ${WATCH_FLOORS.maxNearPct}%.`, 'Example: /watch add btc 90000 near:0.5%');
  }
  return pct;
}

/** Every level within maxLevelDistancePct of the price, or a UserError naming the ones beyond. */
export function checkLevelsNearPrice(levels: readonly number[], price: number): void {
  const far = levels.filter((l) => Math.abs(l / price - 1) * 100 > WATCH_FLOORS.maxLevelDistancePct);
  if (far.length > 0) {
    const d = priceDecimals(price);
    throw new UserError(
      `${far.map((l) => formatPrice(l, d)).join(', ')} ${far.length > 1 ? 'are' : 'is'} more than ${WATCH_FLOORS.maxLevelDistancePct}% from the price (${formatPrice(price, d)}): no move worth watching.`,
      'Name levels nearer the price.',
    );
  }
}

/** The map's largest clusters, clustersPerSide each side, as levels. */
export function clusterLevels(map: LiquidationMap): number[] {
  const largest = (clusters: LiquidationMap['longClusters']) => [...clusters].sort((a, b) => b.usd - a.usd).slice(0, WATCH_FLOORS.clustersPerSide);
  const levels = [...new Set([...largest(map.longClusters), ...largest(map.shortClusters)].map((c) => c.price))].sort((a, b) => a - b);
  if (levels.length === 0) throw new UserError(`The ${baseAsset(map.meta.symbol)} map shows no cluster within its range now.`, 'Name levels instead, e.g. /watch add btc 85000 90000');
  return levels;
}

export function describeWatch(w: WatchRule): string {
  const d = priceDecimals(w.levels[0]?.price ?? 1);
  const levels = w.levels.map((l) => formatPrice(l.price, d)).join(', ');
  return `${baseAsset(w.symbol)} ${levels}${w.origin === 'clusters' ? " (the map's clusters when added)" : ''} · approach within ${w.nearPct}%`;
}

/**
 * "BTC came within 1% of 90,000 ↑ in the bar of …; now 89,420 (+0.65% to the level)" and what is at stake there: the modelled USD a move to
 * the level sweeps and, when the map is calibrated, the forced flow with its band.
 */
export function approachText(w: WatchRule, event: LevelEvent, map: LiquidationMap, flow: ForcedFlowEstimate | undefined): { title: string; text: string } {
  const d = priceDecimals(map.price);
  const arrow = event.direction === 'up' ? '↑' : '↓';
  // The approach's bar may be a few bars old (after a restart): say when, and where price is now.
  const lines = [
    `${baseAsset(w.symbol)} came within ${w.nearPct}% of ${formatPrice(event.level)} ${arrow} in the bar of ${formatUtcMinute(event.approachTs)}; now ${formatPrice(map.price, d)} (${formatPct(100 * (event.level / map.price - 1))} to the level).`,
  ];
  if (flow) {
    lines.push(`Modelled: ${formatUsd(flow.modelledUsd)} of ${flow.side} positions between here and ${formatPrice(event.level)} (the map's bars).`);
    lines.push(`Calibrated forced flow ${formatForcedFlow(flow, d)}.`);
  } else {
    const unavailable = map.forcedFlow && 'unavailable' in map.forcedFlow ? `: ${map.forcedFlow.unavailable}` : '';
    lines.push(`No calibrated forced flow for this level${unavailable}.`);
  }
  lines.push(`Watch ${w.id}: the verdict (accelerated, absorbed or rejected) follows. Estimated levels, not financial advice.`);
  return { title: `${baseAsset(w.symbol)} approaching ${formatPrice(event.level)}`, text: lines.join('\n') };
}

/** The verdict of an approach the chat was told about: analysis/level-watch.ts's line and a headline. */
export function verdictText(w: WatchRule, event: LevelEvent, lookbackDays: number): { title: string; text: string } {
  const d = priceDecimals(event.level);
  return {
    title: `${baseAsset(w.symbol)} at ${formatPrice(event.level, d)}: ${event.verdict}`,
    text: `${describeLevelEvent(event, lookbackDays)}\nWatch ${w.id}. A description of what happened, not advice.`,
  };
}
