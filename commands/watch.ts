// /watch add|list|remove: moderators name price levels (or the map's clusters); the bot tells the chat when
// price comes near one, with the liquidations at stake there, and afterwards how it behaved: accelerated,
// absorbed or rejected.
import type { CommandDefinition, Services } from '../src/core/command.js';
import { destinationOf } from '../src/core/destination.js';
import { UserError } from '../src/errors.js';
import { scheduleOf } from '../src/schedule/services.js';
import { describeWatch, WATCH_FLOORS } from '../src/schedule/watch-rules.js';
import type { WatchSettingsPort } from '../src/schedule/watch-settings.js';
import { formatPrice, priceDecimals } from '../src/analysis/format.js';

function watchesOf(services: Services): WatchSettingsPort {
  const watches = scheduleOf(services).watches;
  if (!watches) throw new UserError('Level watches are off in this bot: it has no market data to follow.');
  return watches;
}

export const watchCommand: CommandDefinition = {
  name: 'watch',
  description: 'Level watch: the bot tells this chat when price nears a level, and whether it accelerated, was absorbed or rejected',
  examples: ['/watch add btc 85000 90000 95000', '/watch add btc clusters', '/watch add eth 4000 near:0.5%', '/watch list', '/watch remove w1'],
  subcommands: [
    {
      name: 'add',
      description: 'Watch price levels, or the word clusters for the map\'s largest clusters (moderators)',
      access: 'moderator',
      options: [
        { name: 'symbol', description: 'coin, e.g. btc', type: 'string', required: true, autocomplete: 'symbol', maxLength: 30 },
        {
          name: 'levels',
          description: `up to ${WATCH_FLOORS.maxLevels} prices, e.g. 85000 90000 95k, or clusters`,
          type: 'string',
          required: true,
          // Telegram: every remaining word fills it, so "85000 90000 95000" is one value.
          rest: true,
          maxLength: 200,
        },
        {
          name: 'near',
          description: `an approach is price within this % of a level (${WATCH_FLOORS.minNearPct}–${WATCH_FLOORS.maxNearPct}%, default ${WATCH_FLOORS.defaultNearPct}%)`,
          type: 'string',
          pattern: /^\d+(\.\d+)?%$/,
          maxLength: 8,
        },
      ],
      async handler({ caller, services, options }) {
        const watches = watchesOf(services);
        const watch = await watches.add(destinationOf(caller), caller.userId, String(options.symbol), String(options.levels), options.near !== undefined ? String(options.near) : undefined);
        const hours = Math.round(watches.cooldownMs / 3_600_000);
        return {
          title: `Level watch ${watch.id} added`,
          text: `${watch.id}: ${describeWatch(watch)}.\nI tell this chat when price comes that near a level (at most once per level every ${hours}h), then how it behaved: accelerated, absorbed or rejected.`,
        };
      },
    },
    {
      name: 'list',
      description: "This chat's level watches",
      async handler({ caller, services }) {
        const { watches, pausedBecause } = await watchesOf(services).list(destinationOf(caller));
        if (watches.length === 0) return { text: 'No level watches in this chat. Moderators: /watch add btc 85000 90000 95000' };
        const lines = watches.map((w) => {
          const d = priceDecimals(w.levels[0]!.price);
          const near = w.levels.filter((l) => l.approachTs !== undefined && !l.verdictDone).map((l) => formatPrice(l.price, d));
          return `${w.id} · ${describeWatch(w)}${near.length ? ` · waiting for the verdict at ${near.join(', ')}` : ''}`;
        });
        if (pausedBecause) lines.push(`Paused: ${pausedBecause}. A moderator's /watch add resumes them.`);
        return { title: `Level watches (${watches.length} of ${WATCH_FLOORS.maxWatchesPerChat})`, text: lines.join('\n') };
      },
    },
    {
      name: 'remove',
      description: 'Remove a level watch by its id (moderators)',
      access: 'moderator',
      options: [{ name: 'id', description: 'the watch id from /watch list, e.g. w1', type: 'string', required: true, maxLength: 8 }],
      async handler({ caller, services, options }) {
        const id = String(options.id).trim().toLowerCase();
        await watchesOf(services).remove(destinationOf(caller), id);
        return { text: `Level watch ${id} removed.` };
      },
    },
  ],
};
