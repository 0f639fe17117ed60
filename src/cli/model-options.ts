// Model parameters as command-line options, shared by `liqmap backtest` and `liqmap cascades`.
import { defaultParams } from '../analysis/params.js';
import type { LeverageTier, ModelParams, SeedMode, SideAttribution } from '../analysis/types.js';
import { UserError } from '../errors.js';
import type { OptionSpec } from './args.js';

export const modelOptions: Record<string, OptionSpec> = {
  leverage: { type: 'string', description: 'leverage tiers and weights in %, e.g. 5:15,10:30,25:25,50:20,100:5,125:5' },
  churn: { type: 'string', description: 'share of open interest closed and re-opened per hour, in % (default 2)' },
  seed: { type: 'string', description: 'start state: oi (open interest spread around the start price) or empty' },
  'seed-spread': { type: 'string', description: 'half-width of the seeded band in % of price (default 3)' },
  'entry-points': { type: 'string', description: 'entry prices per bar across its range (default 5)' },
  'entry-spread': { type: 'string', description: 'entries reach this % of price beyond each bar\'s low and high (default 0.1)' },
  'leverage-spread': { type: 'string', description: 'each tier spread over [L / x, L × x], e.g. 1.5; 1 = exact tiers (default 1.5)' },
  side: { type: 'string', description: 'side attribution: taker, candle or neutral (default taker)' },
};

function number(name: string, text: string): number {
  const v = Number(text.trim().replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(v)) throw new UserError(`--${name} "${text.slice(0, 30)}" is not a number`);
  return v;
}

/** "5:15,10:30" → tiers with weights as fractions. */
export function parseLeverageTiers(text: string): LeverageTier[] {
  const tiers = text.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)x?\s*:\s*(\d+(?:\.\d+)?)%?\s*$/.exec(part);
    if (!m) throw new UserError(`--leverage "${part.slice(0, 30)}": write tiers as leverage:weight%, e.g. 10:30`);
    return { leverage: Number(m[1]), weight: Number(m[2]) / 100 };
  });
  return tiers;
}

/** The model options given on the command line, as parameter overrides (validated later by the model). */
export function modelParamsFromArgs(options: Record<string, string | true>): Partial<ModelParams> {
  const get = (k: string) => (typeof options[k] === 'string' ? (options[k] as string) : undefined);
  const p: Partial<ModelParams> = {};
  const leverage = get('leverage');
  if (leverage !== undefined) p.leverageTiers = parseLeverageTiers(leverage);
  const churn = get('churn');
  if (churn !== undefined) p.churnPerHour = number('churn', churn) / 100;
  const seed = get('seed');
  if (seed !== undefined) {
    if (seed !== 'oi' && seed !== 'empty') throw new UserError(`--seed "${seed.slice(0, 20)}" is not one of oi, empty`);
    p.seed = seed as SeedMode;
  }
  const spread = get('seed-spread');
  if (spread !== undefined) p.seedSpread = number('seed-spread', spread) / 100;
  const entries = get('entry-points');
  if (entries !== undefined) p.entryPoints = number('entry-points', entries);
  const entrySpread = get('entry-spread');
  if (entrySpread !== undefined) p.entrySpread = number('entry-spread', entrySpread) / 100;
  const leverageSpread = get('leverage-spread');
  if (leverageSpread !== undefined) p.leverageSpread = number('leverage-spread', leverageSpread.replace(/x$/i, ''));
  const side = get('side');
  if (side !== undefined) {
    if (!['taker', 'candle', 'neutral'].includes(side)) throw new UserError(`--side "${side.slice(0, 20)}" is not one of taker, candle, neutral`);
    p.sideAttribution = side as SideAttribution;
  }
  return p;
}

/** "5:15,10:30,…" of a parameter set, for printing what was run. */
export function describeTiers(params: ModelParams = defaultParams()): string {
  return params.leverageTiers.map((t) => `${t.leverage}:${Number((t.weight * 100).toFixed(4))}`).join(',');
}
