import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACTION_RENEW_MS, ChatActions } from '../src/platforms/telegram/chat-actions.js';

afterEach(() => vi.useRealTimers());

describe('"sending photo…" per chat', () => {
  it('shows one action for a chat however many people wait in it, renewed until the last is answered', () => {
    vi.useFakeTimers();
    const actions = new ChatActions();
    const sent: string[] = [];
    const stops = [1, 2, 3, 4, 5].map(() => actions.hold('group', () => sent.push('group')));
    const other = actions.hold('private', () => sent.push('private'));
    expect(sent).toEqual(['group', 'private']);

    vi.advanceTimersByTime(ACTION_RENEW_MS);
    expect(sent.filter((c) => c === 'group')).toHaveLength(2);

    for (const stop of stops.slice(0, 4)) stop();
    stops[0]!(); // a second stop of the same holder changes nothing
    vi.advanceTimersByTime(ACTION_RENEW_MS);
    expect(sent.filter((c) => c === 'group')).toHaveLength(3);

    stops[4]!();
    other();
    vi.advanceTimersByTime(ACTION_RENEW_MS * 3);
    expect(sent.filter((c) => c === 'group')).toHaveLength(3);
    expect(actions.size).toBe(0);
  });
});
