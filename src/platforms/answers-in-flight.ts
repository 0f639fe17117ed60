// The answers an adapter is working on: tracked so a stop can wait for them, and given up at the stop's
// deadline (their retries abort) instead of holding the process past it.

export class AnswersInFlight {
  private readonly tasks = new Set<Promise<unknown>>();
  /** Aborted when the answers still under way are given up: their retry policy listens to it. */
  private readonly givingUp = new AbortController();

  get signal(): AbortSignal {
    return this.givingUp.signal;
  }

  get size(): number {
    return this.tasks.size;
  }

  track(task: Promise<unknown>): void {
    const tracked = task.catch(() => undefined);
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }

  /**
   * Resolves when every answer has settled, or once `deadline` resolves: then the rest are given up
   * (aborted) and awaited. Returns how many were given up.
   */
  async settle(deadline: Promise<unknown>): Promise<number> {
    await Promise.race([Promise.allSettled([...this.tasks]), deadline]);
    const left = this.tasks.size;
    if (left > 0) this.giveUp();
    await Promise.allSettled([...this.tasks]);
    return left;
  }

  /** Aborts the answers still retrying. */
  giveUp(): void {
    this.givingUp.abort();
  }
}
