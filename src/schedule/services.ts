// What /digest and /alerts need beyond the core services: two ports, so the commands never touch the
// store. It travels in the one context object as `services.schedule` (built in src/main.ts); commands
// read it through scheduleOf.
import type { AccuracyReport } from '../analysis/accuracy.js';
import type { Services } from '../core/command.js';
import type { AlertSettingsPort } from './alert-settings.js';
import type { DigestSettingsPort } from './digest-settings.js';
import type { WatchSettingsPort } from './watch-settings.js';

/** What /liqmap accuracy asks: the report of a symbol the bot records (src/schedule/accuracy-service.ts). */
export interface AccuracyPort {
  /** Canonical symbols recorded. */
  readonly symbols: readonly string[];
  report(symbol: string): Promise<AccuracyReport>;
}

export interface ScheduleServices {
  digests: DigestSettingsPort;
  alerts: AlertSettingsPort;
  /** Present while the bot listens to the live liquidation streams. */
  accuracy?: AccuracyPort;
  /** Level watches (/watch); present when the bot has a market to read bars from. */
  watches?: WatchSettingsPort;
}

export type ServicesWithSchedule = Services & { schedule?: ScheduleServices };

export function scheduleOf(services: Services): ScheduleServices {
  const schedule = (services as ServicesWithSchedule).schedule;
  // A wiring mistake, not a user's: the runtime answers it with an apology and logs it.
  if (!schedule) throw new Error('services.schedule is not set: digests and alerts are not wired in this bot');
  return schedule;
}
