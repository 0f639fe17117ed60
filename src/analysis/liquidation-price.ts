import type { Side } from './types.js';

/**
 * Liquidation price of an isolated position with entry `entry`, leverage `leverage` and maintenance
 * margin rate `mmr`: the price at which margin left equals maintenance margin on the position's value.
 * long: E·(1 − 1/L)/(1 − m); short: E·(1 + 1/L)/(1 + m). (Not m/L, and m is not ignored.)
 */
export function liquidationPrice(side: Side, entry: number, leverage: number, mmr: number): number {
  if (!(leverage > 0) || !(entry > 0) || !(mmr >= 0 && mmr < 1)) {
    throw new RangeError(`liquidationPrice: bad input (entry ${entry}, leverage ${leverage}, mmr ${mmr})`);
  }
  return side === 'long'
    ? (entry * (1 - 1 / leverage)) / (1 - mmr)
    : (entry * (1 + 1 / leverage)) / (1 + mmr);
}
