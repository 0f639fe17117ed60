// "sending photo…" is a chat's state, not a person's: while any picture is being made for a chat, one
// action is shown and renewed, however many people asked (a burst in a group would otherwise spend a
// Bot API call per person every few seconds, against the same limits as the answers).

/** Telegram shows an action for 5 s; renewed a little before it fades. */
export const ACTION_RENEW_MS = 4_500;

export class ChatActions {
  private readonly shown = new Map<string, { holders: number; timer: ReturnType<typeof setInterval> }>();

  /** Shows the action in `chat` until every caller has called the returned stop. */
  hold(chat: string, show: () => void): () => void {
    const current = this.shown.get(chat);
    if (current) current.holders++;
    else {
      show();
      this.shown.set(chat, { holders: 1, timer: setInterval(show, ACTION_RENEW_MS) });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.shown.get(chat);
      if (!entry || --entry.holders > 0) return;
      clearInterval(entry.timer);
      this.shown.delete(chat);
    };
  }

  /** Chats with an action shown now. */
  get size(): number {
    return this.shown.size;
  }

  clear(): void {
    for (const { timer } of this.shown.values()) clearInterval(timer);
    this.shown.clear();
  }
}
