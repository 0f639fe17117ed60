// Destinations — where a Reply can go without a command (a digest, an alert) — and their store keys, in
// one place: `tg:<chatId>` and `dc:<guildId|dm>:<channelId>` (DESIGN.md §8). Every adapter, the schedules
// and the store use these two functions; nothing else builds or parses a key.
import type { Caller, Platform } from './caller.js';

export type Destination =
  | { platform: 'telegram'; chatId: string }
  | { platform: 'discord'; channelId: string; guildId?: string };

interface DestinationCodec {
  encode(d: Destination): string | undefined;
  decode(key: string): Destination | undefined;
}

const CODECS: Record<Platform, DestinationCodec> = {
  telegram: {
    encode: (d) => (d.platform === 'telegram' ? `tg:${d.chatId}` : undefined),
    decode(key) {
      const m = /^tg:([^:]+)$/.exec(key);
      return m ? { platform: 'telegram', chatId: m[1]! } : undefined;
    },
  },
  discord: {
    encode: (d) => (d.platform === 'discord' ? `dc:${d.guildId ?? 'dm'}:${d.channelId}` : undefined),
    decode(key) {
      const m = /^dc:([^:]+):([^:]+)$/.exec(key);
      if (!m) return undefined;
      return m[1] === 'dm' ? { platform: 'discord', channelId: m[2]! } : { platform: 'discord', guildId: m[1]!, channelId: m[2]! };
    },
  },
};

/** Store key of a destination: tg:<chatId>, dc:<guildId>:<channelId> (dc:dm:<channelId> in a DM). */
export function encodeDestination(d: Destination): string {
  const key = CODECS[d.platform].encode(d);
  if (key === undefined) throw new Error(`destination of ${d.platform} cannot be encoded`);
  return key;
}

/** A store key back to its destination; undefined for a key no platform wrote. */
export function decodeDestination(key: string): Destination | undefined {
  for (const codec of Object.values(CODECS)) {
    const d = codec.decode(key);
    if (d) return d;
  }
  return undefined;
}

/** The caller's chat as a destination, e.g. to subscribe it to a digest. */
export function destinationOf(caller: Caller): Destination {
  return caller.platform === 'telegram'
    ? { platform: 'telegram', chatId: caller.chatId }
    : { platform: 'discord', channelId: caller.chatId, ...(caller.guildId ? { guildId: caller.guildId } : {}) };
}
