// Turns at the CPU for the agents of one process: one slice of computation (a training step, a stacked
// update, a batch of evaluation) per turn of the event loop, with the network's I/O polled between.
// Each agent yielding with its own setImmediate let every waiting agent compute in the same check
// phase: in a worker of 500 agents that was 2.5 s of training between two polls, so each message of a
// Noise handshake waited seconds, and a 1,000-agent pool lost neighbours to libp2p's handshake limits.
// The queue is first come, first served, so agents still take their turns in the order they asked.

const waiting: (() => void)[] = [];
let armed = false;

function next(): void {
  const go = waiting.shift();
  // Armed again before the slice runs: an immediate queued from inside an immediate waits for the next
  // turn of the loop, after its poll for I/O.
  if (waiting.length > 0) setImmediate(next);
  else armed = false;
  go?.();
}

/** Resolves at this process's next free turn of the event loop; the caller's slice runs in that turn. */
export function computeTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!armed) {
      armed = true;
      setImmediate(next);
    }
  });
}

/** Slices waiting for a turn (for tests). */
export const turnsWaiting = (): number => waiting.length;
