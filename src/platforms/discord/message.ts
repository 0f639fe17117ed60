// Reply → a Discord message: short private answers as plain content; results as an embed (title,
// summary, the picture) with a link button under it when the reply carries a link. A picture with a
// public URL (ReplyImage.url) is shown from that URL, so Discord fetches it once instead of receiving the
// bytes with every answer; otherwise it is uploaded as an attachment. No mention is ever parsed.
import { escapeMarkdown } from 'discord.js';
import type { Reply } from '../../core/command.js';

const EMBED_COLOR = 0xf0b90b;
const EPHEMERAL = 1 << 6;
/** Component types and the link button style (Discord's "Message Components"). */
const ACTION_ROW = 1;
const BUTTON = 2;
const LINK_STYLE = 5;

export interface MessageFile {
  name: string;
  data: Buffer;
}

export interface DiscordMessage {
  /** JSON body of the message (interaction callback data, webhook edit, channel message). */
  body: Record<string, unknown>;
  /** Attachments to upload (multipart `files[n]`); empty when every picture comes from a URL. */
  files: MessageFile[];
}

export function discordMessage(reply: Reply, options: { ephemeral?: boolean } = {}): DiscordMessage {
  const flags = options.ephemeral ? { flags: EPHEMERAL } : {};
  const components = reply.link
    ? { components: [{ type: ACTION_ROW, components: [{ type: BUTTON, style: LINK_STYLE, label: clip(reply.link.label, 80), url: reply.link.url }] }] }
    : {};
  const images = reply.images ?? [];
  // Short private answers (errors, refusals) read best as plain text.
  if (reply.ephemeral && images.length === 0) {
    const text = clip(escapeMarkdown(reply.title ? `${reply.title}\n${reply.text}` : reply.text), 2000);
    return { body: { content: text, allowed_mentions: { parse: [] }, ...components, ...flags }, files: [] };
  }
  const files = images.filter((i) => !i.url).map((i) => ({ name: i.name, data: i.png }));
  const first = images[0];
  const embed: Record<string, unknown> = { color: EMBED_COLOR, description: clip(escapeMarkdown(reply.text), 4096) };
  if (reply.title) embed.title = clip(reply.title, 256);
  if (first) embed.image = { url: first.url ?? `attachment://${first.name}` };
  return {
    body: {
      embeds: [embed],
      allowed_mentions: { parse: [] },
      // The attachments being uploaded; an edit without this list would keep the placeholder's.
      attachments: files.map((f, id) => ({ id, filename: f.name })),
      ...components,
      ...flags,
    },
    files,
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
