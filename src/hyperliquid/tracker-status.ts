// One line of what the tracker holds and spends, for `liqmap track` and the bot's logs.
import { formatPrice, formatUsd } from '../analysis/format.js';
import { formatCoverage } from './coverage.js';
import type { PositionTracker } from './tracker.js';

const int = (n: number) => n.toLocaleString('en-US');

export function formatTrackerStatus(tracker: PositionTracker, nowMs?: number): string {
  const s = tracker.status(nowMs);
  const parts = [
    `addresses ${int(s.addresses)} (polled ${int(s.polledEver)}, ${int(s.withPositions)} with positions; ${int(s.freshPositions)} fresh, ${int(s.stalePositions)} stale)`,
    `${int(s.pollsLastMinute)} polls/min`,
    `weight ${int(s.weightUsedByTracker)}/${int(s.weightCap)} (IP ${int(s.weightUsedByAll)}/${int(s.weightLimit)})`,
  ];
  if (s.stats.malformed + s.stats.pollErrors + s.stats.rateLimited > 0) {
    parts.push(`skipped: ${s.stats.malformed} malformed, ${s.stats.pollErrors} failed, ${s.stats.rateLimited} rate-limited`);
  }
  for (const coin of tracker.settings.coins) {
    const c = tracker.coverage(coin, nowMs);
    if (!c) {
      parts.push(`${coin}: no market data yet`);
      continue;
    }
    const sided = c.sidedness.sidedness === 'unknown' ? ' (OI sidedness unknown: one-sided–two-sided reading)' : ` (OI ${c.sidedness.sidedness}, ${c.sidedness.basis})`;
    parts.push(
      `${coin} ${formatPrice(c.markPx)} OI ${int(Math.round(c.openInterestCoins))} (${formatUsd(c.openInterestCoins * c.markPx)}): tracked longs ${formatUsd(c.long.trackedUsd)} = ${formatCoverage(c.long)}, shorts ${formatUsd(c.short.trackedUsd)} = ${formatCoverage(c.short)}${sided}`,
    );
  }
  return parts.join(' · ');
}
