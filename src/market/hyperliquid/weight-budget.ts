// Hyperliquid's one-IP weight budget, enforced on our side: a sliding window of the weights spent, so
// the sum over any window never passes the limit, shared by lanes (the position tracker, the market
// data) of which each may be capped to a share, so the tracker leaves room for the rest of the bot.
import type { Clock } from '../clock.js';
import { HL_WEIGHT_PER_MINUTE } from './weights.js';

export interface WeightBudgetOptions {
  clock: Clock;
  /** Weight allowed per window (1200 per minute per IP). */
  perWindow?: number;
  /** 60 s, plus a margin for the time a request takes to reach the venue (its window is its own). */
  windowMs?: number;
}

interface Spend {
  at: number;
  weight: number;
  lane: string;
}

/** Weight could not be had: the caller's signal ended the wait, or the venue blocked us for longer. */
export class WeightBudgetAborted extends Error {
  override name = 'WeightBudgetAborted';
}

export class WeightBudget {
  readonly perWindow: number;
  readonly windowMs: number;
  private spends: Spend[] = [];
  private blockedUntil = 0;
  private readonly caps = new Map<string, number>();

  constructor(private readonly options: WeightBudgetOptions) {
    this.perWindow = options.perWindow ?? HL_WEIGHT_PER_MINUTE;
    this.windowMs = options.windowMs ?? 61_000;
    if (!(this.perWindow > 0)) throw new RangeError(`weight budget: perWindow ${this.perWindow} must be above 0`);
  }

  /** A lane that may spend at most `share` of the window's weight (1 = all that is left by the others). */
  lane(name: string, share = 1): WeightLane {
    if (!(share > 0 && share <= 1)) throw new RangeError(`weight lane ${name}: share ${share} must be above 0 and at most 1`);
    this.caps.set(name, Math.floor(this.perWindow * share));
    return new WeightLane(this, name);
  }

  capOf(lane: string): number {
    return this.caps.get(lane) ?? this.perWindow;
  }

  /** Weight spent within the window ending now, by every lane or one. */
  used(lane?: string): number {
    this.prune();
    let sum = 0;
    for (const s of this.spends) if (lane === undefined || s.lane === lane) sum += s.weight;
    return sum;
  }

  /** Nothing goes out before `untilMs` (a 429 from the venue). */
  block(untilMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, untilMs);
  }

  /**
   * Waits until `weight` fits both the lane's cap and the whole budget, then spends it. Returns the
   * spend so the caller can settle it to the weight the answer really cost.
   */
  async acquire(lane: string, weight: number, signal?: AbortSignal): Promise<Spend> {
    const cap = this.capOf(lane);
    if (weight > cap) throw new RangeError(`weight ${weight} exceeds lane ${lane}'s cap of ${cap}`);
    for (;;) {
      if (signal?.aborted) throw new WeightBudgetAborted(`weight wait for ${lane} stopped`);
      const now = this.options.clock.now();
      const waitMs = Math.max(this.blockedUntil - now, this.waitFor(lane, weight, cap, now));
      if (waitMs <= 0) {
        const spend = { at: now, weight, lane };
        this.spends.push(spend);
        return spend;
      }
      await this.options.clock.sleep(Math.min(waitMs, 1000));
    }
  }

  /** The answer told us what the request really weighed (rows returned): record that. */
  settle(spend: Spend, weight: number): void {
    spend.weight = weight;
  }

  /** How long until `weight` more fits under both limits. */
  private waitFor(lane: string, weight: number, cap: number, now: number): number {
    this.prune(now);
    return Math.max(this.waitUnder(this.spends, this.perWindow, weight, now), this.waitUnder(this.spends.filter((s) => s.lane === lane), cap, weight, now));
  }

  private waitUnder(spends: Spend[], limit: number, weight: number, now: number): number {
    let total = 0;
    for (const s of spends) total += s.weight;
    if (total + weight <= limit) return 0;
    // Oldest first: the time when enough of them will have left the window.
    let excess = total + weight - limit;
    for (const s of spends) {
      excess -= s.weight;
      if (excess <= 0) return s.at + this.windowMs - now;
    }
    return this.windowMs;
  }

  private prune(now = this.options.clock.now()): void {
    let i = 0;
    while (i < this.spends.length && this.spends[i]!.at + this.windowMs <= now) i++;
    if (i > 0) this.spends.splice(0, i);
  }
}

/** One user of the budget, with its own cap. */
export class WeightLane {
  constructor(
    readonly budget: WeightBudget,
    readonly name: string,
  ) {}

  get cap(): number {
    return this.budget.capOf(this.name);
  }

  acquire(weight: number, signal?: AbortSignal) {
    return this.budget.acquire(this.name, weight, signal);
  }

  used(): number {
    return this.budget.used(this.name);
  }
}
