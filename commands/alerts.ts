// /alerts add|list|remove: moderators set thresholds; the bot posts here when the market crosses one.
import { type CommandDefinition, type CommandNode, type CommandRequest, type OptionSpec } from '../src/core/command.js';
import { destinationOf } from '../src/core/destination.js';
import { clusterCondition, describeCondition, liquidationsCondition, ratioCondition, RULE_FLOORS } from '../src/schedule/alert-rules.js';
import { scheduleOf } from '../src/schedule/services.js';
import type { AlertCondition } from '../src/store/records.js';

const symbol: OptionSpec = { name: 'symbol', description: 'coin, e.g. btc', type: 'string', required: true, autocomplete: 'symbol', maxLength: 30 };
const usd = (description: string): OptionSpec => ({ name: 'usd', description, type: 'string', required: true, pattern: /^\$?\d[\d,]*(\.\d+)?[kmbt]?$/i, maxLength: 20 });

async function addRule(request: CommandRequest, condition: AlertCondition): Promise<{ text: string; title: string }> {
  const { caller, services, options } = request;
  const alerts = scheduleOf(services).alerts;
  const rule = await alerts.add(destinationOf(caller), caller.userId, String(options.symbol), condition);
  const cooldownH = Math.round(alerts.cooldownMs / 3_600_000);
  return { title: `Alert rule ${rule.id} added`, text: `${rule.id}: ${describeCondition(rule.symbol, rule.condition)}.\nAt most one alert per ${cooldownH}h from this rule.` };
}

const add: CommandNode = {
  name: 'add',
  description: 'Add an alert rule (moderators)',
  access: 'moderator',
  subcommands: [
    {
      name: 'ratio',
      description: 'When the short/long ratio crosses a threshold, e.g. > 5 or < 1:3',
      options: [
        symbol,
        { name: 'op', description: '> (short-heavy) or < (long-heavy)', type: 'string', choices: ['>', '<'], required: true },
        { name: 'threshold', description: `ratio, e.g. 5 or 5:1; at least ${RULE_FLOORS.minRatio} for >, at most 1:${RULE_FLOORS.minRatio} for <`, type: 'string', required: true, pattern: /^[+-]?\d+(\.\d+)?(:\d+(\.\d+)?)?$/, maxLength: 16 },
      ],
      handler: (r) => addRule(r, ratioCondition(String(r.options.op), String(r.options.threshold))),
    },
    {
      name: 'cluster',
      description: 'When price comes within a distance of a large cluster, e.g. 25M 2%',
      options: [
        symbol,
        usd('smallest cluster in USD, e.g. 25M (at least 1M)'),
        { name: 'pct', description: 'distance from price in %, e.g. 2%', type: 'string', required: true, pattern: /^\d+(\.\d+)?%?$/, maxLength: 8 },
      ],
      handler: (r) => addRule(r, clusterCondition(String(r.options.usd), String(r.options.pct))),
    },
    {
      name: 'liquidations',
      description: 'When realized liquidations over a period reach an amount, e.g. 50M 1h',
      options: [
        symbol,
        usd('liquidated USD, e.g. 50M (at least 1M)'),
        { name: 'period', description: 'period, e.g. 15m, 1h, 4h (5m to 24h)', type: 'string', required: true, pattern: /^\d+(\.\d+)?\s*(m|min|mins|h|hr|hrs|d)$/i, maxLength: 8 },
      ],
      handler: (r) => addRule(r, liquidationsCondition(String(r.options.usd), String(r.options.period))),
    },
  ],
};

export const alertsCommand: CommandDefinition = {
  name: 'alerts',
  description: 'Alert rules: the bot posts here when the market crosses a threshold',
  examples: ['/alerts add ratio btc > 5', '/alerts add cluster btc 25M 2%', '/alerts add liquidations btc 50M 1h', '/alerts list', '/alerts remove a2'],
  subcommands: [
    add,
    {
      name: 'list',
      description: "This chat's alert rules",
      async handler({ caller, services }) {
        const { rules, pausedBecause } = await scheduleOf(services).alerts.list(destinationOf(caller));
        if (rules.length === 0) return { text: 'No alert rules in this chat. Moderators: /alerts add ratio btc > 5' };
        const lines = rules.map((r) => `${r.id} · ${describeCondition(r.symbol, r.condition)} · ${r.armed ? 'armed' : 'fired, waiting to re-arm'}`);
        if (pausedBecause) lines.push(`Paused: ${pausedBecause}. A moderator's /digest on or /alerts add resumes them.`);
        return { title: `Alert rules (${rules.length} of ${RULE_FLOORS.maxRulesPerChat})`, text: lines.join('\n') };
      },
    },
    {
      name: 'remove',
      description: 'Remove an alert rule by its id (moderators)',
      access: 'moderator',
      options: [{ name: 'id', description: 'the rule id from /alerts list, e.g. a2', type: 'string', required: true, maxLength: 8 }],
      async handler({ caller, services, options }) {
        const id = String(options.id).trim().toLowerCase();
        await scheduleOf(services).alerts.remove(destinationOf(caller), id);
        return { text: `Alert rule ${id} removed.` };
      },
    },
  ],
};
