// What /digest and /alerts need beyond the core services: two ports, so the commands never touch the
// store. It travels in the one context object as `services.schedule` (built in src/main.ts); commands
// read it through scheduleOf.
import type { Services } from '../core/command.js';
import type { AlertSettingsPort } from './alert-settings.js';
import type { DigestSettingsPort } from './digest-settings.js';

export interface ScheduleServices {
  digests: DigestSettingsPort;
  alerts: AlertSettingsPort;
}

export type ServicesWithSchedule = Services & { schedule?: ScheduleServices };

export function scheduleOf(services: Services): ScheduleServices {
  const schedule = (services as ServicesWithSchedule).schedule;
  // A wiring mistake, not a user's: the runtime answers it with an apology and logs it.
  if (!schedule) throw new Error('services.schedule is not set: digests and alerts are not wired in this bot');
  return schedule;
}
