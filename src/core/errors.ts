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
