// What /digest and /alerts need beyond the core services. It travels in the one context object as
// `services.schedule` (built in src/main.ts); commands read it through scheduleOf.
import type { Services } from '../core/services.js';
import type { Store } from '../store/store.js';
import type { AlertEvaluator } from './alert-evaluator.js';
import type { DigestScheduler, RealizedLiquidations } from './digest-scheduler.js';

export interface ScheduleServices {
  store: Store;
  digests: DigestScheduler;
  alerts: AlertEvaluator;
  /** Present when the live liquidation streams run (liquidation alerts and the digest's realized line need it). */
  liquidations?: RealizedLiquidations;
}

export type ServicesWithSchedule = Services & { schedule?: ScheduleServices };

export function scheduleOf(services: Services): ScheduleServices {
  const schedule = (services as ServicesWithSchedule).schedule;
  // A wiring mistake, not a user's: the runtime answers it with an apology and logs it.
  if (!schedule) throw new Error('services.schedule is not set: digests and alerts are not wired in this bot');
  return schedule;
}
