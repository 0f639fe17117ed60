// A whole bot with digests and alerts wired, over fakes and a controllable clock: the contract tests of
// /digest and /alerts run commands through the real runtime against it.
import { pino } from 'pino';
import { alertsCommand } from '../../commands/alerts.js';
import { digestCommand } from '../../commands/digest.js';
import { BOT_COMMANDS } from '../../commands/index.js';
import type { Caller, Role } from '../../src/core/caller.js';
import { CommandRuntime } from '../../src/core/runtime.js';
import { AlertEvaluator } from '../../src/schedule/alert-evaluator.js';
import { DigestScheduler, type RealizedLiquidations } from '../../src/schedule/digest-scheduler.js';
import type { ServicesWithSchedule } from '../../src/schedule/services.js';
import { scheduleServicesOf } from '../../src/schedule/start-schedule.js';
import { MemoryBackend } from '../../src/store/memory-backend.js';
import { createStore } from '../../src/store/store.js';
import { testServices } from '../fakes/bot-services.js';
import { FakeClock, RecordingSender } from './schedule-fakes.js';

export function caller(role: Role, chatId = '-1001', userId = 'u1'): Caller {
  return { platform: 'telegram', userId, chatId, chatKind: 'group', role: async () => role };
}

export function scheduleBot(startIso = '2026-06-10T05:00:00Z', liquidations?: RealizedLiquidations) {
  const clock = new FakeClock(Date.parse(startIso));
  const commands = [...BOT_COMMANDS.filter((c) => c.name !== 'digest' && c.name !== 'alerts'), digestCommand, alertsCommand];
  const bot = testServices({ clock, commands });
  const log = pino({ level: 'silent' });
  const store = createStore(new MemoryBackend(clock.now), log);
  const sender = new RecordingSender('telegram', clock);
  const digests = new DigestScheduler({ store, maps: bot.maps, senders: { telegram: sender }, clock, log, instanceId: 'test' });
  const alerts = new AlertEvaluator({ store, maps: bot.maps, senders: { telegram: sender }, clock, log, instanceId: 'test', ...(liquidations ? { liquidations } : {}) });
  const schedule = scheduleServicesOf({ store, maps: bot.maps, clock, scheduler: digests, evaluator: alerts, liquidationsAvailable: Boolean(liquidations) });
  const services: ServicesWithSchedule = { ...bot.services, schedule };
  // Contract tests of the commands, not of the limits: many commands from one moderator in no time.
  const runtime = new CommandRuntime(services, { pictures: { burst: 1_000, intervalMs: 1 }, commands: { burst: 1_000, intervalMs: 1 } });
  const run = (text: string, who: Caller = caller('moderator')) => {
    const [name, ...rest] = text.replace(/^\//, '').split(' ');
    return runtime.execute(name!, { kind: 'text', args: rest.join(' ') }, who);
  };
  return { clock, store, sender, digests, alerts, run, bot, schedule };
}
