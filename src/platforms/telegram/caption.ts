// Reply → Telegram HTML: a caption for the photo (at most 1,024 characters) and, when the text is
// longer, the rest as messages (at most 4,096 characters each). Everything from outside is escaped.
import type { Reply } from '../../core/command.js';

export const CAPTION_LIMIT = 1024;
export const MESSAGE_LIMIT = 4096;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The whole reply as HTML: a bold title line, then the text. */
export function replyHtml(reply: Reply): string {
  const body = escapeHtml(reply.text);
  return reply.title ? `<b>${escapeHtml(reply.title)}</b>\n${body}` : body;
}

/**
 * Splits HTML at line ends (never inside an escape or a tag) into pieces of at most `limit` characters.
 * Only the title line carries a tag, so a break at a newline never cuts one open.
 */
export function splitHtml(html: string, limit: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const [lineNo, line] of html.split('\n').entries()) {
    for (const [chunkNo, part] of chunkLine(line, limit).entries()) {
      // A new line joins with a newline; the next chunk of a cut line joins with nothing.
      const joiner = chunkNo === 0 && lineNo > 0 ? '\n' : '';
      const next = `${current}${joiner}${part}`;
      if (next.length <= limit) current = next;
      else {
        if (current !== '') pieces.push(current);
        current = part;
      }
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

// A single line longer than the limit is cut between escapes (`&amp;` stays whole).
function chunkLine(line: string, limit: number): string[] {
  if (line.length <= limit) return [line];
  const out: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let cut = limit;
    const amp = rest.lastIndexOf('&', cut);
    if (amp > cut - 6 && rest.indexOf(';', amp) >= cut) cut = amp;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) out.push(rest);
  return out;
}

/** Caption for the photo and the messages that follow it. */
export function captionAndRest(reply: Reply): { caption: string; rest: string[] } {
  const html = replyHtml(reply);
  if (html.length <= CAPTION_LIMIT) return { caption: html, rest: [] };
  const caption = splitHtml(html, CAPTION_LIMIT)[0] ?? '';
  // The caption is a prefix of the HTML: the messages carry on exactly where it stopped.
  return { caption, rest: splitHtml(html.slice(caption.length).replace(/^\n/, ''), MESSAGE_LIMIT) };
}
