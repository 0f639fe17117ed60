// Who asked a command, and on which platform: read by the runtime, the adapters and the destinations.

export type Platform = 'discord' | 'telegram';
export type Role = 'member' | 'moderator';

/** Who asked, where. Ids are strings on both platforms (Telegram's numbers stringified). */
export interface Caller {
  platform: Platform;
  userId: string;
  userName?: string;
  /** Telegram chat id; Discord channel id. */
  chatId: string;
  /** Discord guild id; absent in DMs and on Telegram. */
  guildId?: string;
  chatKind: 'private' | 'group' | 'channel';
  /**
   * Messages the platform lets the bot post in this chat per minute, when it limits them (Telegram: 20 in
   * a group); the runtime shares them fairly among the people asking. Undefined = no per-chat limit.
   */
  chatMessagesPerMinute?: number;
  /** Resolved only when a command needs it (a Telegram getChatMember call costs a request). */
  role(): Promise<Role>;
}
