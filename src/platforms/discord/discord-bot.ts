// The discord.js adapter: slash commands → core runtime → deferred reply edited with the PNG and an embed.
// Translation only; every rule (validation, access, limits) lives in src/core.
import {
  AttachmentBuilder,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  HTTPError,
  MessageFlags,
  PermissionFlagsBits,
  REST,
  Routes,
  escapeMarkdown,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
} from 'discord.js';
import type { Logger } from 'pino';
import type { Caller, Destination, DestinationSender, OptionValue, Reply, SendResult } from '../../core/command.js';
import type { CommandRuntime } from '../../core/runtime.js';

export interface DiscordOptions {
  token: string;
  /** discord.js `rest.api`, e.g. http://127.0.0.1:PORT/api; the gateway URL then comes from its /gateway/bot. */
  apiUrl?: string;
  runtime: CommandRuntime;
  log: Logger;
}

/** Codes that mean the channel is gone for this bot: unknown channel, missing access, missing permissions. */
export const GONE_CODES = new Set([10003, 50001, 50013]);
const EMBED_COLOR = 0xf0b90b;
/**
 * Interaction responses are not bound by Discord's global limit of 50 requests/s (its rate-limit docs);
 * discord.js applies 50/s to every request of a REST manager, which made 50 simultaneous /liqmap wait up
 * to a second. The client's manager, used for interactions, gets a high ceiling; channel messages
 * (digests, alerts) go through their own manager at Discord's 50/s.
 */
const INTERACTION_REQUESTS_PER_SECOND = 1_000;
const NO_MENTIONS = { parse: [] as [] };

export class DiscordBot implements DestinationSender {
  readonly platform = 'discord' as const;
  readonly client: Client;
  private readonly channelRest: REST;
  private readonly inFlight = new Set<Promise<void>>();
  private accepting = true;

  constructor(private readonly options: DiscordOptions) {
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { ...(options.apiUrl ? { api: options.apiUrl } : {}), globalRequestsPerSecond: INTERACTION_REQUESTS_PER_SECOND },
    });
    this.channelRest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
    this.client.on(Events.InteractionCreate, (interaction) => {
      if (!this.accepting) return;
      const task = this.onInteraction(interaction).catch((err: unknown) => options.log.error({ err }, 'discord interaction failed'));
      this.inFlight.add(task);
      void task.finally(() => this.inFlight.delete(task));
    });
    this.client.on(Events.Error, (err) => options.log.error({ err }, 'discord client error'));
  }

  /** Logs in over the gateway; resolves when READY and the guilds have arrived. */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.token);
    await ready;
    this.options.log.info({ user: this.client.user?.tag, guilds: this.client.guilds.cache.size }, 'discord ready');
  }

  /** Stops taking interactions and waits for the replies in flight; sending (digests) still works. */
  async drain(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.inFlight]);
  }

  /** drain, then close the gateway. */
  async stop(): Promise<void> {
    await this.drain();
    await this.client.destroy();
  }

  /** DestinationSender: a message in a channel (digests, alerts). */
  async send(destination: Destination, reply: Reply): Promise<SendResult> {
    if (destination.platform !== 'discord') throw new Error(`discord cannot send to ${destination.platform}`);
    const { embeds, files } = messageParts(reply);
    try {
      await this.channelRest.post(Routes.channelMessages(destination.channelId), {
        body: {
          embeds: embeds.map((e) => e.toJSON()),
          allowed_mentions: NO_MENTIONS,
          attachments: files.map((f, id) => ({ id, filename: f.name })),
        },
        files: files.map((f) => ({ name: f.name ?? 'picture.png', data: f.attachment as Buffer })),
      });
      return 'ok';
    } catch (err) {
      return sendResultOf(err);
    }
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return this.autocomplete(interaction);
    if (interaction.isChatInputCommand()) return this.command(interaction);
  }

  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    let choices: { name: string; value: string }[] = [];
    try {
      const listings = await this.options.runtime.services.maps.searchSymbols(String(focused.value).slice(0, 30), 25);
      choices = listings.map((l) => ({ name: `${l.base} (${l.symbol})`.slice(0, 100), value: l.symbol }));
    } catch (err) {
      this.options.log.warn({ err }, 'symbol autocomplete failed');
    }
    await interaction.respond(choices.slice(0, 25));
  }

  private async command(interaction: ChatInputCommandInteraction): Promise<void> {
    const { runtime } = this.options;
    const caller = callerOf(interaction);
    const path = [interaction.commandName];
    const group = interaction.options.getSubcommandGroup(false);
    const sub = interaction.options.getSubcommand(false);
    if (group) path.push(group);
    if (sub) path.push(sub);
    let prepared;
    try {
      prepared = await runtime.prepare(interaction.commandName, { kind: 'structured', path, values: leafValues(interaction.options.data) }, caller);
    } catch (err) {
      // Refused before any work: answered at once, only the caller sees it.
      await interaction.reply({ ...messageOf(runtime.refusal(err, caller, interaction.commandName)), flags: MessageFlags.Ephemeral });
      return;
    }
    // The 3-second rule: acknowledge first, then edit the reply when the picture is ready.
    await interaction.deferReply();
    const reply = await prepared.run();
    if (reply.ephemeral) {
      // A deferred public reply cannot turn ephemeral: remove it and follow up privately.
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ ...messageOf(reply), flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.editReply(messageOf(reply));
  }
}

function callerOf(interaction: ChatInputCommandInteraction): Caller {
  const inGuild = interaction.inGuild();
  return {
    platform: 'discord',
    userId: interaction.user.id,
    userName: interaction.user.username,
    chatId: interaction.channelId,
    ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
    chatKind: inGuild ? 'group' : 'private',
    // Permissions come with the interaction; in a DM the person is alone with the bot.
    role: async () => (!inGuild || interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ? 'moderator' : 'member'),
  };
}

/** The options of the innermost subcommand, by name. */
function leafValues(data: readonly CommandInteractionOption[]): Record<string, OptionValue | undefined> {
  const values: Record<string, OptionValue | undefined> = {};
  for (const option of data) {
    if (option.options) return leafValues(option.options);
    if (option.value !== undefined) values[option.name] = option.value;
  }
  return values;
}

function messageParts(reply: Reply): { embeds: EmbedBuilder[]; files: AttachmentBuilder[] } {
  const files = (reply.images ?? []).map((img) => new AttachmentBuilder(img.png, { name: img.name }));
  const embed = new EmbedBuilder().setColor(EMBED_COLOR).setDescription(clip(escapeMarkdown(reply.text), 4096));
  if (reply.title) embed.setTitle(clip(reply.title, 256));
  if (files[0]) embed.setImage(`attachment://${files[0].name}`);
  return { embeds: [embed], files };
}

function messageOf(reply: Reply) {
  // Short errors read best as plain text; results as an embed with the picture.
  if (reply.ephemeral && !reply.images?.length) {
    return { content: clip(escapeMarkdown(reply.title ? `${reply.title}\n${reply.text}` : reply.text), 2000), allowedMentions: NO_MENTIONS };
  }
  return { ...messageParts(reply), allowedMentions: NO_MENTIONS };
}

/** Discord errors → what a scheduler should do next. */
export function sendResultOf(err: unknown): SendResult {
  if (err instanceof DiscordAPIError) {
    if (typeof err.code === 'number' && GONE_CODES.has(err.code)) return { gone: `${err.code} ${err.message}` };
    if (err.status === 429) return { retryAfterMs: 5_000 };
    if (err.status >= 500) return { retryAfterMs: 30_000 };
  }
  if (err instanceof HTTPError) return { retryAfterMs: 30_000 };
  throw err;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
