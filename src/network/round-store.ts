// A bounded store of an agent's latest rounds (predictions or weights) that servers read from; readers
// may wait for a round that is not there yet.
import type { Round } from '../learning/types.ts';

export class RoundStore<T> {
  private readonly items = new Map<Round, T>();
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly capacity: number;

  constructor(capacity: number) {
    if (capacity < 1) throw new Error('a round store keeps at least one round');
    this.capacity = capacity;
  }

  put(round: Round, item: T): void {
    this.items.set(round, item);
    const rounds = [...this.items.keys()].sort((a, b) => a - b);
    for (const r of rounds.slice(0, Math.max(0, rounds.length - this.capacity))) this.items.delete(r);
    for (const w of [...this.waiters]) w();
  }

  get(round: Round): T | undefined {
    return this.items.get(round);
  }

  latestRound(): Round | undefined {
    let best: Round | undefined;
    for (const r of this.items.keys()) if (best === undefined || r > best) best = r;
    return best;
  }

  oldestRound(): Round | undefined {
    let best: Round | undefined;
    for (const r of this.items.keys()) if (best === undefined || r < best) best = r;
    return best;
  }

  /** The newest stored round in [minRound, round]. */
  newestIn(minRound: Round, round: Round): Round | undefined {
    let best: Round | undefined;
    for (const r of this.items.keys()) if (r >= minRound && r <= round && (best === undefined || r > best)) best = r;
    return best;
  }

  /** Resolves once `round` (or a newer one) is stored, the store closes, or `ms` pass. */
  async waitFor(round: Round, ms: number): Promise<void> {
    if ((this.latestRound() ?? -1) >= round || this.closed || ms <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        if ((this.latestRound() ?? -1) >= round || this.closed) finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.waiters.add(done);
    });
  }

  /** Wakes every waiter: the agent is stopping. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w();
  }
}
