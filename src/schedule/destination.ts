// Store keys of destinations back to the core's Destination (keys: see core/command.ts destinationKey).
import { destinationKey, type Destination } from '../core/command.js';

export { destinationKey };

export function destinationFromKey(key: string): Destination | undefined {
  const tg = /^tg:([^:]+)$/.exec(key);
  if (tg) return { platform: 'telegram', chatId: tg[1]! };
  const dc = /^dc:([^:]+):([^:]+)$/.exec(key);
  if (dc) return dc[1] === 'dm' ? { platform: 'discord', channelId: dc[2]! } : { platform: 'discord', guildId: dc[1]!, channelId: dc[2]! };
  return undefined;
}
