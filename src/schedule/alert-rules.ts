// Alert rules as pure functions: parsing with floors (so nobody can make the bot spam), evaluation with
// hysteresis, and the alert's text. Cooldowns are enforced by the evaluator's claims, not here.
import { baseAsset, formatPct, formatPrice, formatRatio, formatUsd, priceDecimals } from '../analysis/format.js';
import type { Cluster, LiquidationMap } from '../analysis/types.js';
import { showInput, UserError } from '../errors.js';
import type { AlertCondition, AlertRule } from '../store/records.js';
import type { RealizedSums } from './digest-message.js';

/** The ranges a rule's numbers must fall in: floors so nobody can make the bot spam, ceilings beyond any market. */
export const RULE_FLOORS = {
  /** A ratio rule fires only for a clear imbalance: > x with x from 1.5 to 100, or < x from 1:100 to 1:1.5. */
  minRatio: 1.5,
  maxRatio: 100,
  /** Since three quarters of the modelled book became well margined (2026.11.3), a sample BTC cluster is $5–35M. */
  minClusterUsd: 1e6,
  /** Closer than the map's price buckets (0.1% of price at the finest) cannot be told apart. */
  minClusterPct: 0.1,
  maxClusterPct: 50,
  minLiquidationsUsd: 1e6,
  /** More than any one market has held in a cluster or seen liquidated in a day: such a rule could never fire. */
  maxUsd: 10e9,
  minPeriodMs: 5 * 60_000,
  maxPeriodMs: 24 * 3_600_000,
  maxRulesPerChat: 10,
} as const;

/** A ratio rule re-arms only after the ratio falls back below 90% of its threshold (or rises above threshold / 0.9 for <). */
export const HYSTERESIS = 0.9;

/** "500M", "$1.2B", "250k", "10000000" → USD. */
export function parseUsd(text: string): number {
  const m = /^\$?(\d+(?:\.\d+)?)\s*([kmbt])?$/i.exec(text.trim().replace(/,/g, ''));
  if (!m) throw new UserError(`"${showInput(text)}" is not an amount in USD.`, 'Write it like 500M, 1.2B or 250K.');
  const scale = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1;
  return Number(m[1]) * scale;
}

/** "2%", "2" → 2 (percent). */
export function parsePct(text: string): number {
  const t = text.trim().replace(/%$/, '');
  const pct = Number(t);
  if (t === '' || !Number.isFinite(pct)) throw new UserError(`"${showInput(text)}" is not a percentage.`, 'Write it like 2%.');
  const range = `give a distance from ${RULE_FLOORS.minClusterPct}% to ${RULE_FLOORS.maxClusterPct}%.`;
  if (pct > 0 && pct < RULE_FLOORS.minClusterPct) throw new UserError(`${showInput(t)}% is closer than the map can tell: ${range}`);
  if (pct <= 0 || pct > RULE_FLOORS.maxClusterPct) throw new UserError(`${showInput(t)}% is out of bounds: ${range}`);
  return pct;
}

/** "5m", "1h", "90min", "1d" → ms, within the floors. */
export function parsePeriod(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|mins|h|hr|hrs|d)$/i.exec(text.trim());
  if (!m) throw new UserError(`"${showInput(text)}" is not a period.`, 'Write it like 15m, 1h or 4h.');
  const unit = m[2]!.toLowerCase();
  const ms = Number(m[1]) * (unit.startsWith('m') ? 60_000 : unit.startsWith('h') ? 3_600_000 : 86_400_000);
  if (ms < RULE_FLOORS.minPeriodMs) throw new UserError(`A period of ${showInput(text)} is too short: at least 5m, so alerts stay rare.`);
  if (ms > RULE_FLOORS.maxPeriodMs) throw new UserError(`A period of ${showInput(text)} is too long: at most 24h (the live stream keeps one day).`);
  return ms;
}

/** "5", "5:1", "1:3" → a ratio (shorts above / longs below). */
export function parseRatio(text: string): number {
  const t = text.trim();
  const pair = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(t);
  const value = pair ? Number(pair[1]) / Number(pair[2]) : Number(t);
  if (t === '' || !Number.isFinite(value)) throw new UserError(`"${showInput(text)}" is not a ratio.`, 'Write it like 5 or 5:1 (short-heavy), or 1:5 (long-heavy).');
  if (value <= 0) throw new UserError(`A ratio of ${showInput(text)} is impossible: the ratio is shorts above / longs below, always above 0.`);
  return value;
}

export function ratioCondition(op: string, thresholdText: string): AlertCondition {
  if (op !== '>' && op !== '<') throw new UserError(`"${showInput(op)}" is not a comparison: use > or <.`, 'Example: /alerts add ratio btc > 5');
  const threshold = parseRatio(thresholdText);
  if (op === '>' && threshold < RULE_FLOORS.minRatio) {
    throw new UserError(`> ${showInput(thresholdText)} would fire on ordinary markets: the threshold must be at least ${RULE_FLOORS.minRatio}.`, 'Example: /alerts add ratio btc > 5');
  }
  if (op === '<' && threshold > 1 / RULE_FLOORS.minRatio) {
    throw new UserError(`< ${showInput(thresholdText)} would fire on ordinary markets: the threshold must be at most 1:${RULE_FLOORS.minRatio} (0.67).`, 'Example: /alerts add ratio btc < 1:3');
  }
  // Beyond these only a map with one side empty qualifies, and that is no threshold.
  if (op === '>' && threshold > RULE_FLOORS.maxRatio) {
    throw new UserError(`> ${showInput(thresholdText)} is beyond any market: the threshold must be from ${RULE_FLOORS.minRatio} to ${RULE_FLOORS.maxRatio} (${RULE_FLOORS.maxRatio}:1).`, 'Example: /alerts add ratio btc > 5');
  }
  if (op === '<' && threshold < 1 / RULE_FLOORS.maxRatio) {
    throw new UserError(`< ${showInput(thresholdText)} is beyond any market: the threshold must be from 1:${RULE_FLOORS.maxRatio} (${1 / RULE_FLOORS.maxRatio}) to 1:${RULE_FLOORS.minRatio} (0.67).`, 'Example: /alerts add ratio btc < 1:3');
  }
  return { kind: 'ratio', op, threshold };
}

/** A round bound as people write it: $10B, not $10.0B. */
function usdBound(usd: number): string {
  return formatUsd(usd).replace(/\.0(?=[KMBT]$)/, '');
}

export function clusterCondition(usdText: string, pctText: string): AlertCondition {
  const minUsd = parseUsd(usdText);
  if (minUsd < RULE_FLOORS.minClusterUsd) throw new UserError(`A cluster of ${formatUsd(minUsd)} is too small to alert on: at least $1M.`, 'Example: /alerts add cluster btc 25M 2%');
  if (minUsd > RULE_FLOORS.maxUsd) {
    throw new UserError(`A cluster of ${showInput(usdText)} is beyond any market: give from ${usdBound(RULE_FLOORS.minClusterUsd)} to ${usdBound(RULE_FLOORS.maxUsd)}.`, 'Example: /alerts add cluster btc 25M 2%');
  }
  return { kind: 'cluster', minUsd, withinPct: parsePct(pctText) };
}

export function liquidationsCondition(usdText: string, periodText: string): AlertCondition {
  const minUsd = parseUsd(usdText);
  if (minUsd < RULE_FLOORS.minLiquidationsUsd) throw new UserError(`${formatUsd(minUsd)} of liquidations is too little to alert on: at least $1M.`, 'Example: /alerts add liquidations btc 50M 1h');
  if (minUsd > RULE_FLOORS.maxUsd) {
    throw new UserError(`${showInput(usdText)} of liquidations is beyond any market: give from ${usdBound(RULE_FLOORS.minLiquidationsUsd)} to ${usdBound(RULE_FLOORS.maxUsd)}.`, 'Example: /alerts add liquidations btc 50M 1h');
  }
  return { kind: 'liquidations', minUsd, periodMs: parsePeriod(periodText) };
}

export function describeCondition(symbol: string, c: AlertCondition): string {
  const base = baseAsset(symbol);
  switch (c.kind) {
    case 'ratio':
      return `${base} ratio ${c.op} ${formatRatio({ ratio: c.threshold, ratioKind: 'finite' }).replace(/ .*$/, '')}`;
    case 'cluster':
      return `${base} price within ${c.withinPct}% of a cluster of at least ${formatUsd(c.minUsd)}`;
    case 'liquidations':
      return `${base} realized liquidations of at least ${formatUsd(c.minUsd)} in ${formatPeriod(c.periodMs)}`;
  }
}

export function formatPeriod(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`;
}

/** What one evaluation sees. */
export interface AlertInputs {
  map?: LiquidationMap;
  /** Realized liquidations over the rule's period; undefined when no live stream covers the symbol. */
  realized?: RealizedSums;
}

export interface Evaluation {
  /** Whether the condition holds now; undefined when the inputs cannot tell. */
  holds: boolean | undefined;
  /** Whether the value is back far enough for the rule to fire again. */
  rearms: boolean;
  /** The figures behind the verdict, for the alert's text. */
  figures?: string;
  cluster?: Cluster;
}

function ratioValue(map: LiquidationMap): number | undefined {
  if (map.ratioKind === 'finite') return map.ratio ?? undefined;
  if (map.ratioKind === 'no-longs') return Infinity;
  if (map.ratioKind === 'no-shorts') return 0;
  return undefined;
}

export function evaluateCondition(c: AlertCondition, inputs: AlertInputs): Evaluation {
  switch (c.kind) {
    case 'ratio': {
      const value = inputs.map ? ratioValue(inputs.map) : undefined;
      if (value === undefined) return { holds: undefined, rearms: false };
      const figures = `ratio ${formatRatio(inputs.map!)} (shorts ${formatUsd(inputs.map!.shortAbove)} above vs longs ${formatUsd(inputs.map!.longBelow)} below)`;
      return c.op === '>'
        ? { holds: value > c.threshold, rearms: value < c.threshold * HYSTERESIS, figures }
        : { holds: value < c.threshold, rearms: value > c.threshold / HYSTERESIS, figures };
    }
    case 'cluster': {
      const map = inputs.map;
      if (!map) return { holds: undefined, rearms: false };
      const big = [...map.shortClusters, ...map.longClusters].filter((k) => k.usd >= c.minUsd).sort((a, b) => Math.abs(a.distancePct) - Math.abs(b.distancePct));
      const nearest = big[0];
      const holds = nearest !== undefined && Math.abs(nearest.distancePct) <= c.withinPct;
      const rearms = nearest === undefined || Math.abs(nearest.distancePct) > c.withinPct / HYSTERESIS;
      const d = priceDecimals(map.price);
      const figures = nearest
        ? `${nearest.side} cluster ${formatPrice(nearest.price, d)} (${formatPct(nearest.distancePct)}) ${formatUsd(nearest.usd)}, price ${formatPrice(map.price, d)}`
        : undefined;
      return { holds, rearms, ...(figures ? { figures } : {}), ...(nearest ? { cluster: nearest } : {}) };
    }
    case 'liquidations': {
      const r = inputs.realized;
      if (!r) return { holds: undefined, rearms: false };
      const total = r.longUsd + r.shortUsd;
      return {
        holds: total >= c.minUsd,
        rearms: total < c.minUsd * HYSTERESIS,
        figures: `${formatUsd(total)} liquidated in ${formatPeriod(c.periodMs)} (longs ${formatUsd(r.longUsd)}, shorts ${formatUsd(r.shortUsd)})`,
      };
    }
  }
}

export interface Step {
  /** Fire now (the evaluator still needs the cooldown claim). */
  fire: boolean;
  /** The rule's armed state after this evaluation. */
  armed: boolean;
  evaluation: Evaluation;
}

/** One evaluation of a rule: fires when armed and the condition holds; after firing it waits to re-arm. */
export function stepRule(rule: Pick<AlertRule, 'condition' | 'armed'>, inputs: AlertInputs): Step {
  const evaluation = evaluateCondition(rule.condition, inputs);
  if (evaluation.holds === undefined) return { fire: false, armed: rule.armed, evaluation };
  if (!rule.armed) return { fire: false, armed: evaluation.rearms, evaluation };
  return { fire: evaluation.holds, armed: true, evaluation };
}

export function alertText(rule: AlertRule, evaluation: Evaluation): { title: string; text: string } {
  return {
    title: `Alert ${rule.id}: ${describeCondition(rule.symbol, rule.condition)}`,
    text: `${evaluation.figures ?? ''}\nEstimated from public exchange data — not financial advice. /alerts list shows the rules.`,
  };
}
