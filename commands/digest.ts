// /digest on|off|status|now: a chat's scheduled digest of the liquidation map, at its local time.
import { WINDOWS } from '../src/analysis/types.js';
import { type CommandDefinition } from '../src/core/command.js';
import { destinationOf } from '../src/core/destination.js';
import type { DigestDays } from '../src/store/records.js';
import { describeSubscription } from '../src/schedule/digest-status.js';
import { scheduleOf } from '../src/schedule/services.js';
import { describeSlot } from '../src/schedule/slots.js';

export const digestCommand: CommandDefinition = {
  name: 'digest',
  description: "A daily digest of the liquidation map, at this chat's local time",
  directMessages: true,
  examples: ['/digest on 08:00 Europe/Berlin btc,eth', '/digest on 7:30 America/New_York btc weekdays', '/digest on 08:00 UTC btc weekly', '/digest status', '/digest off'],
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
        { name: 'accuracy', description: "weekly: Monday's digest also says how well the map scored (live bots)", type: 'string', choices: ['weekly', 'off'], default: 'off' },
      ],
      async handler({ options, caller, services }) {
        const { subscription, nextSlotMs } = await scheduleOf(services).digests.turnOn(destinationOf(caller), caller.userId, {
          time: String(options.time),
          timezone: String(options.timezone ?? 'UTC'),
          symbols: String(options.symbols ?? 'btc'),
          window: String(options.window ?? '7d'),
          days: String(options.days ?? 'daily') as DigestDays,
          accuracy: options.accuracy === 'weekly' ? 'weekly' : 'off',
        });
        const next = nextSlotMs !== undefined ? `\nNext: ${describeSlot(nextSlotMs, subscription.timezone)}.` : '';
        return { title: 'Digest on', text: `Digest ${describeSubscription(subscription)}.${next}` };
      },
    },
    {
      name: 'off',
      description: 'Stop the digest in this chat',
      access: 'moderator',
      async handler({ caller, services }) {
        const removed = await scheduleOf(services).digests.turnOff(destinationOf(caller));
        return { text: removed ? 'Digest off: nothing more will be posted here on a schedule.' : 'There was no digest in this chat.' };
      },
    },
    {
      name: 'status',
      description: "This chat's digest: when, what, and when it was last sent",
      handler: ({ caller, services }) => scheduleOf(services).digests.status(destinationOf(caller)),
    },
    {
      name: 'now',
      description: "Post this chat's digest now (or a BTC digest when none is set up)",
      access: 'moderator',
      produces: 'picture',
      handler: ({ caller, services }) => scheduleOf(services).digests.preview(destinationOf(caller), caller.userId),
    },
  ],
};
