// /alerts add|list|remove: moderators set thresholds; the bot posts here when the market crosses one.
import { destinationKey, destinationOf, type CommandDefinition, type CommandNode, type CommandRequest, type OptionSpec } from '../src/core/command.js';
import { showInput, UserError } from '../src/errors.js';
import { clusterCondition, describeCondition, liquidationsCondition, ratioCondition, RULE_FLOORS } from '../src/schedule/alert-rules.js';
import { scheduleOf } from '../src/schedule/services.js';
import type { AlertCondition, AlertRule } from '../src/store/records.js';

const symbol: OptionSpec = { name: 'symbol', description: 'coin, e.g. btc', type: 'string', required: true, autocomplete: 'symbol', maxLength: 30 };
const usd = (description: string): OptionSpec => ({ name: 'usd', description, type: 'string', required: true, pattern: /^\$?\d[\d,]*(\.\d+)?[kmbt]?$/i, maxLength: 20 });

async function addRule(request: CommandRequest, condition: AlertCondition): Promise<{ text: string; title: string }> {
  const { caller, services, options } = request;
  const schedule = scheduleOf(services);
  const canonical = (await services.maps.resolve({ symbol: String(options.symbol) })).symbol;
  const destination = destinationKey(destinationOf(caller));
  const existing = await schedule.store.alertRules.list(`${destination}/`);
  if (existing.length >= RULE_FLOORS.maxRulesPerChat) {
    throw new UserError(`This chat already has ${existing.length} alert rules, the most allowed.`, 'Remove one first: /alerts list, then /alerts remove <id>.');
  }
  const chat = await schedule.store.chats.get(destination);
  const next = 1 + Math.max(chat?.lastRuleNumber ?? 0, ...existing.map((r) => Number(r.id.replace(/^a/, '')) || 0));
  const rule: AlertRule = {
    v: 1,
    id: `a${next}`,
    destination,
    platform: caller.platform,
    symbol: canonical,
    condition,
    createdBy: caller.userId,
    createdAtMs: services.clock.now(),
    armed: true,
  };
  await schedule.store.alertRules.put(`${destination}/${rule.id}`, rule);
  // The moderator's command shows the bot can post here again: the chat is no longer gone.
  const { gone: _gone, ...chatRest } = chat ?? { v: 1 as const, destination };
  await schedule.store.chats.put(destination, { ...chatRest, lastRuleNumber: next });
  const cooldownH = Math.round(schedule.alerts.cooldownMs / 3_600_000);
  return { title: `Alert rule ${rule.id} added`, text: `${rule.id}: ${describeCondition(rule.symbol, condition)}.\nAt most one alert per ${cooldownH}h from this rule.` };
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
      description: 'When price comes within a distance of a large cluster, e.g. 500M 2%',
      options: [
        symbol,
        usd('smallest cluster in USD, e.g. 500M (at least 10M)'),
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
      handler: (r) => {
        if (!scheduleOf(r.services).liquidations) {
          throw new UserError('Liquidation alerts need the live liquidation stream, which is off in this bot.', 'Ratio and cluster alerts work: /help alerts');
        }
        return addRule(r, liquidationsCondition(String(r.options.usd), String(r.options.period)));
      },
    },
  ],
};

export const alertsCommand: CommandDefinition = {
  name: 'alerts',
  description: 'Alert rules: the bot posts here when the market crosses a threshold',
  examples: ['/alerts add ratio btc > 5', '/alerts add cluster btc 500M 2%', '/alerts add liquidations btc 50M 1h', '/alerts list', '/alerts remove a2'],
  subcommands: [
    add,
    {
      name: 'list',
      description: "This chat's alert rules",
      async handler({ caller, services }) {
        const schedule = scheduleOf(services);
        const destination = destinationKey(destinationOf(caller));
        const rules = (await schedule.store.alertRules.list(`${destination}/`)).sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
        if (rules.length === 0) return { text: 'No alert rules in this chat. Moderators: /alerts add ratio btc > 5' };
        const gone = (await schedule.store.chats.get(destination))?.gone;
        const lines = rules.map((r) => `${r.id} · ${describeCondition(r.symbol, r.condition)} · ${r.armed ? 'armed' : 'fired, waiting to re-arm'}`);
        if (gone) lines.push(`Paused: ${gone.reason}. A moderator's /digest on or /alerts add resumes them.`);
        return { title: `Alert rules (${rules.length} of ${RULE_FLOORS.maxRulesPerChat})`, text: lines.join('\n') };
      },
    },
    {
      name: 'remove',
      description: 'Remove an alert rule by its id (moderators)',
      access: 'moderator',
      options: [{ name: 'id', description: 'the rule id from /alerts list, e.g. a2', type: 'string', required: true, maxLength: 8 }],
      async handler({ caller, services, options }) {
        const schedule = scheduleOf(services);
        const destination = destinationKey(destinationOf(caller));
        const id = String(options.id).trim().toLowerCase();
        if (!(await schedule.store.alertRules.delete(`${destination}/${id}`))) {
          const ids = (await schedule.store.alertRules.list(`${destination}/`)).map((r) => r.id);
          throw new UserError(`There is no alert rule ${showInput(id)} in this chat.`, ids.length ? `Rules here: ${ids.join(', ')}` : 'This chat has no alert rules.');
        }
        return { text: `Alert rule ${id} removed.` };
      },
    },
  ],
};
