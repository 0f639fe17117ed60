// Telegram file_id reuse: a picture uploaded once is resent by its file_id (no upload). While the first
// upload of a key is under way, other sends of the same key wait for its file_id instead of uploading too.
import { GrammyError } from 'grammy';

/** Sends with a known file_id, or uploads when given undefined; resolves to the file_id Telegram gave. */
export type PhotoSend = (fileId: string | undefined) => Promise<string | undefined>;

export class FileIdCache {
  private readonly ids = new Map<string, string>();
  private readonly uploads = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly maxEntries = 256,
    /** Told whether a send found a file_id to reuse (metrics). */
    private readonly onLookup: (hit: boolean) => void = () => {},
  ) {}

  async send(key: string | undefined, sendPhoto: PhotoSend): Promise<void> {
    if (key === undefined) {
      await sendPhoto(undefined);
      return;
    }
    const pending = this.uploads.get(key);
    const known = this.ids.get(key) ?? (pending ? await pending.catch(() => undefined) : undefined);
    this.onLookup(known !== undefined);
    if (known) {
      try {
        await sendPhoto(known);
        return;
      } catch (err) {
        // A file_id Telegram no longer accepts (400) is forgotten and the picture uploaded again.
        if (!(err instanceof GrammyError && err.error_code === 400)) throw err;
        this.ids.delete(key);
      }
    }
    const upload = sendPhoto(undefined);
    this.uploads.set(key, upload);
    try {
      const fileId = await upload;
      if (fileId) this.remember(key, fileId);
    } finally {
      if (this.uploads.get(key) === upload) this.uploads.delete(key);
    }
  }

  private remember(key: string, fileId: string): void {
    this.ids.delete(key);
    this.ids.set(key, fileId);
    if (this.ids.size > this.maxEntries) this.ids.delete(this.ids.keys().next().value as string);
  }
}
