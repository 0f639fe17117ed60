// /digest on|off|status|now: a chat's scheduled digest of the liquidation map, at its local time.
import { WINDOWS } from '../src/analysis/types.js';
import { destinationKey, destinationOf, type CommandDefinition, type CommandRequest } from '../src/core/command.js';
import { UserError } from '../src/errors.js';
import { describeSubscription, digestStatus } from '../src/schedule/digest-status.js';
import { clearDestinationGone } from '../src/schedule/gone.js';
import { scheduleOf } from '../src/schedule/services.js';
import { describeSlot, nextSlot, parseTimeOfDay, parseTimezone } from '../src/schedule/slots.js';
import type { DigestDays, Subscription } from '../src/store/records.js';

/** Several pictures and their lines must fit one Telegram caption (1,024 characters). */
export const MAX_DIGEST_SYMBOLS = 4;

async function parseSymbols(text: string, request: CommandRequest): Promise<string[]> {
  const words = text.split(/[,+\s]+/).filter(Boolean);
  if (words.length === 0) throw new UserError('Give at least one symbol, e.g. btc or btc,eth.');
  if (new Set(words.map((w) => w.toLowerCase())).size > MAX_DIGEST_SYMBOLS) throw new UserError(`At most ${MAX_DIGEST_SYMBOLS} symbols per digest.`);
  const resolved = await Promise.all(words.map((symbol) => request.services.maps.resolve({ symbol })));
  return [...new Set(resolved.map((q) => q.symbol))];
}

export const digestCommand: CommandDefinition = {
  name: 'digest',
  description: "A daily digest of the liquidation map, at this chat's local time",
  directMessages: true,
  examples: ['/digest on 08:00 Europe/Berlin btc,eth', '/digest on 7:30 America/New_York btc weekdays', '/digest status', '/digest off'],
  subcommands: [
    {
      name: 'on',
      description: 'Post a digest here every day (or weekday) at a local time',
      access: 'moderator',
      options: [
        { name: 'time', description: 'local time of day, HH:MM (00:00–23:59)', type: 'string', required: true, pattern: /^\d{1,2}(:?\d{2})?h?$/i, maxLength: 8 },
        { name: 'timezone', description: 'IANA time zone, e.g. Europe/Berlin (default UTC)', type: 'string', pattern: /^(utc|gmt|[a-z_]+\/[a-z0-9_+/-]+)$/i, default: 'UTC', maxLength: 40 },
        { name: 'symbols', description: 'coins, comma-separated, e.g. btc,eth (default btc)', type: 'string', default: 'btc', maxLength: 60 },
        { name: 'window', description: 'how far back positions are followed', type: 'string', choices: WINDOWS, default: '7d' },
        { name: 'days', description: 'daily or weekdays (Monday–Friday)', type: 'string', choices: ['daily', 'weekdays'], default: 'daily' },
      ],
      async handler(request) {
        const { options, caller, services } = request;
        const schedule = scheduleOf(services);
        const time = parseTimeOfDay(String(options.time));
        const timezone = parseTimezone(String(options.timezone ?? 'UTC'));
        const symbols = await parseSymbols(String(options.symbols ?? 'btc'), request);
        const destination = destinationKey(destinationOf(caller));
        const previous = await schedule.store.subscriptions.get(destination);
        const sub: Subscription = {
          v: 1,
          destination,
          platform: caller.platform,
          time,
          timezone,
          days: String(options.days ?? 'daily') as DigestDays,
          symbols,
          window: String(options.window ?? '7d'),
          createdBy: caller.userId,
          updatedAtMs: services.clock.now(),
          enabled: true,
          ...(previous?.lastSlotMs !== undefined ? { lastSlotMs: previous.lastSlotMs } : {}),
          ...(previous?.lastSentAtMs !== undefined ? { lastSentAtMs: previous.lastSentAtMs } : {}),
        };
        await schedule.store.subscriptions.put(destination, sub);
        await clearDestinationGone(schedule.store, destination);
        const next = nextSlot(sub, sub.updatedAtMs);
        return {
          title: 'Digest on',
          text: `Digest ${describeSubscription(sub)}.${next !== undefined ? `\nNext: ${describeSlot(next, timezone)}.` : ''}`,
        };
      },
    },
    {
      name: 'off',
      description: 'Stop the digest in this chat',
      access: 'moderator',
      async handler({ caller, services }) {
        const schedule = scheduleOf(services);
        const removed = await schedule.store.subscriptions.delete(destinationKey(destinationOf(caller)));
        return { text: removed ? 'Digest off: nothing more will be posted here on a schedule.' : 'There was no digest in this chat.' };
      },
    },
    {
      name: 'status',
      description: "This chat's digest: when, what, and when it was last sent",
      handler: ({ caller, services }) => digestStatus(scheduleOf(services).store, destinationKey(destinationOf(caller)), services.clock.now()),
    },
    {
      name: 'now',
      description: "Post this chat's digest now (or a BTC digest when none is set up)",
      access: 'moderator',
      async handler({ caller, services }) {
        const schedule = scheduleOf(services);
        const destination = destinationKey(destinationOf(caller));
        const sub = (await schedule.store.subscriptions.get(destination)) ?? {
          v: 1 as const,
          destination,
          platform: caller.platform,
          time: '00:00',
          timezone: 'UTC',
          days: 'daily' as const,
          symbols: ['BTCUSDT'],
          window: '7d',
          createdBy: caller.userId,
          updatedAtMs: services.clock.now(),
          enabled: false,
        };
        const { reply } = await schedule.digests.buildDigest(sub);
        return reply;
      },
    },
  ],
};
