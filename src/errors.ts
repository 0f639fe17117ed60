/**
 * A failure caused by what the person asked: shown to them as is (ephemeral on Discord), with a hint
 * where one helps. Everything else is an internal error: logged with a request id, answered with an apology.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** Message and hint as one text for a chat or a terminal. */
  get text(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }
}

/** The bot is at capacity (the work queue is full): the person may retry in a moment; HTTP answers 503. */
export class BusyError extends UserError {
  override name = 'BusyError';
}

/** A person's input, made safe to quote back: one line, no control characters, at most 24 characters. */
export function showInput(text: string, max = 24): string {
  // eslint-disable-next-line no-control-regex
  const clean = [...text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, ' ').trim()];
  return clean.length > max ? `${clean.slice(0, max).join('')}…` : clean.join('');
}
