// A bounded store of an agent's latest rounds (predictions or weights) that servers read from; readers
// may wait for a round that is not there yet.
import type { Round } from '../learning/types.ts';
import { Changes } from './wait.ts';

export class RoundStore<T> {
  private readonly items = new Map<Round, T>();
  private readonly changes = new Changes();
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
    this.changes.notify();
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

  /** Resolves once `round` (or a newer one) is stored, the store closes, or `signal` aborts (a timeout or a stop). */
  async waitFor(round: Round, signal: AbortSignal): Promise<void> {
    await this.changes.until(() => (this.latestRound() ?? -1) >= round || this.closed, signal);
  }

  /** Wakes every waiter: the agent is stopping. */
  close(): void {
    this.closed = true;
    this.changes.notify();
  }
}
