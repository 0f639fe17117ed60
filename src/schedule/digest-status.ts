// What /digest status says about a chat's digest: when, what, next, last sent, and a send whose outcome is
// not known (begun, never answered: possibly posted, and therefore not repeated).
import { baseAsset } from '../analysis/format.js';
import type { Reply } from '../core/command.js';
import type { DigestAttempt, Subscription } from '../store/records.js';
import type { Store } from '../store/store.js';
import { describeSlot, nextSlot } from './slots.js';

const PLATFORM_NAMES = { telegram: 'Telegram', discord: 'Discord' } as const;

/** "every weekday at 08:00 Europe/Berlin · BTC, ETH · 7d window". */
export function describeSubscription(sub: Subscription): string {
  const when = sub.days === 'weekdays' ? 'every weekday' : 'every day';
  const accuracy = sub.accuracy === 'weekly' ? " · the map's accuracy on Mondays" : '';
  return `${when} at ${sub.time} ${sub.timezone} · ${sub.symbols.map(baseAsset).join(', ')} · ${sub.window} window${accuracy}`;
}

/** The lines about a send whose answer was not recorded. */
function attemptLines(sub: Subscription, attempt: DigestAttempt): string[] {
  const slot = describeSlot(attempt.slotMs, sub.timezone);
  const platform = PLATFORM_NAMES[sub.platform];
  if (attempt.state === 'sending') {
    return [`Sending the digest of ${slot} since ${describeSlot(attempt.startedAtMs, sub.timezone)}; ${platform} has not confirmed it yet.`];
  }
  return [
    `The digest of ${slot} is unconfirmed: the bot got no answer from ${platform} while sending it (it stopped or lost the connection mid-send), so it may or may not have been posted.`,
    'It is not sent again, so this chat never gets it twice.',
  ];
}

/** /digest status for one destination; anyone in the chat may read it. */
export async function digestStatus(store: Store, destination: string, nowMs: number): Promise<Reply> {
  const sub = await store.subscriptions.get(destination);
  const rules = (await store.alertRules.list(`${destination}/`)).length;
  const alerts = `Alert rules here: ${rules} (/alerts list).`;
  if (!sub) return { text: `No digest in this chat. Moderators: /digest on 08:00 Europe/Berlin btc,eth\n${alerts}` };
  const lines = [`Digest ${describeSubscription(sub)}.`];
  if (!sub.enabled) {
    const when = sub.disabledAtMs !== undefined ? ` on ${describeSlot(sub.disabledAtMs, sub.timezone)}` : '';
    lines.unshift(`Digest stopped${when}: ${sub.disabledReason ?? 'disabled'}.`, 'A moderator can turn it back on with /digest on.');
  } else {
    const next = nextSlot(sub, nowMs);
    if (next !== undefined) lines.push(`Next: ${describeSlot(next, sub.timezone)}.`);
  }
  if (sub.lastSentAtMs !== undefined) lines.push(`Last sent: ${describeSlot(sub.lastSentAtMs, sub.timezone)}.`);
  if (sub.attempt) lines.push(...attemptLines(sub, sub.attempt));
  lines.push(alerts);
  return { title: 'Digest status', text: lines.join('\n') };
}
