// Waiting for state that another part of the agent changes (a round stored, an address found, a reader
// served) without polling: the side that changes the state calls `notify`, and every wait takes a signal.

export class Changes {
  private readonly waiters = new Set<() => void>();

  /** Something changed: every wait checks its condition again. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves true once `done()` holds (checked now and on every notify), false when `signal` aborts
   * first. Never rejects: the caller decides what a timeout or a stop means.
   */
  until(done: () => boolean, signal: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        this.waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const onAbort = () => finish(false);
      this.waiters.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
