// A destination the platform says is gone (Telegram 403, Discord 10003 / 50001 / 50013) is disabled once
// and logged: retrying it forever would earn the bot an IP ban on Discord.
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

export async function markDestinationGone(store: Store, log: Logger, destination: string, reason: string, nowMs: number): Promise<void> {
  const chat = await store.chats.get(destination);
  if (chat?.gone) return;
  log.warn({ destination, reason }, 'destination gone: digest and alerts disabled');
  await store.chats.put(destination, { ...(chat ?? { v: 1, destination }), gone: { reason, atMs: nowMs } });
  const sub = await store.subscriptions.get(destination);
  if (sub?.enabled) await store.subscriptions.put(destination, { ...sub, enabled: false, disabledReason: reason, disabledAtMs: nowMs });
}

/** A moderator acting in the chat proves the bot is back: forget that it was gone. */
export async function clearDestinationGone(store: Store, destination: string): Promise<void> {
  const chat = await store.chats.get(destination);
  if (chat?.gone) {
    const { gone: _gone, ...rest } = chat;
    await store.chats.put(destination, rest);
  }
}
