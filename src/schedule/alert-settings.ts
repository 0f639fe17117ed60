// What /alerts asks of the schedules: add, list and remove a chat's alert rules. Rule ids, the cap per
// chat, the symbol check and the gone state are kept here; the command only reads words and writes
// sentences.
import { encodeDestination, type Destination } from '../core/destination.js';
import type { Clock } from '../clock.js';
import { showInput, UserError } from '../errors.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { AlertCondition, AlertRule } from '../store/records.js';
import type { Store } from '../store/store.js';
import { RULE_FLOORS } from './alert-rules.js';

export interface AlertList {
  /** By id number: a1, a2, … */
  rules: AlertRule[];
  /** Why the chat's rules are paused (the bot could no longer post here), if they are. */
  pausedBecause?: string;
}

/** The port /alerts calls. */
export interface AlertSettingsPort {
  /** Minimum time between two firings of one rule. */
  readonly cooldownMs: number;
  /** Whether realized-liquidation rules can be evaluated (the live stream runs). */
  readonly liquidationsAvailable: boolean;
  add(destination: Destination, by: string, symbol: string, condition: AlertCondition): Promise<AlertRule>;
  list(destination: Destination): Promise<AlertList>;
  /** A UserError naming the rules there are when the id is not one of them. */
  remove(destination: Destination, id: string): Promise<void>;
}

export interface AlertSettingsOptions {
  store: Store;
  maps: MapService;
  clock: Clock;
  cooldownMs: number;
  liquidationsAvailable: boolean;
}

export class AlertSettings implements AlertSettingsPort {
  readonly cooldownMs: number;
  readonly liquidationsAvailable: boolean;

  constructor(private readonly o: AlertSettingsOptions) {
    this.cooldownMs = o.cooldownMs;
    this.liquidationsAvailable = o.liquidationsAvailable;
  }

  async add(destination: Destination, by: string, symbolText: string, condition: AlertCondition): Promise<AlertRule> {
    if (condition.kind === 'liquidations' && !this.liquidationsAvailable) {
      throw new UserError('Liquidation alerts need the live liquidation stream, which is off in this bot.', 'Ratio and cluster alerts work: /help alerts');
    }
    const symbol = (await this.o.maps.resolve({ symbol: symbolText })).symbol;
    const key = encodeDestination(destination);
    const existing = await this.o.store.alertRules.list(`${key}/`);
    if (existing.length >= RULE_FLOORS.maxRulesPerChat) {
      throw new UserError(`This chat already has ${existing.length} alert rules, the most allowed.`, 'Remove one first: /alerts list, then /alerts remove <id>.');
    }
    const chat = await this.o.store.chats.get(key);
    // Never reused: a removed rule's cooldown claim must not pass to a new rule with its id.
    const number = 1 + Math.max(chat?.lastRuleNumber ?? 0, ...existing.map((r) => ruleNumber(r.id)));
    const rule: AlertRule = {
      v: 1,
      id: `a${number}`,
      destination: key,
      platform: destination.platform,
      symbol,
      condition,
      createdBy: by,
      createdAtMs: this.o.clock.now(),
      armed: true,
    };
    await this.o.store.alertRules.put(`${key}/${rule.id}`, rule);
    // A moderator's command shows the bot can post here again: the chat is no longer gone.
    const { gone: _gone, ...chatRest } = chat ?? { v: 1 as const, destination: key };
    await this.o.store.chats.put(key, { ...chatRest, lastRuleNumber: number });
    return rule;
  }

  async list(destination: Destination): Promise<AlertList> {
    const key = encodeDestination(destination);
    const rules = (await this.o.store.alertRules.list(`${key}/`)).sort((a, b) => ruleNumber(a.id) - ruleNumber(b.id));
    const gone = rules.length > 0 ? (await this.o.store.chats.get(key))?.gone : undefined;
    return { rules, ...(gone ? { pausedBecause: gone.reason } : {}) };
  }

  async remove(destination: Destination, idText: string): Promise<void> {
    const key = encodeDestination(destination);
    const id = idText.trim().toLowerCase();
    if (await this.o.store.alertRules.delete(`${key}/${id}`)) return;
    const ids = (await this.list(destination)).rules.map((r) => r.id);
    throw new UserError(`There is no alert rule ${showInput(id)} in this chat.`, ids.length ? `Rules here: ${ids.join(', ')}` : 'This chat has no alert rules.');
  }
}

function ruleNumber(id: string): number {
  return Number(id.replace(/^a/, '')) || 0;
}
