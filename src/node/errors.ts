// Errors of the node layer that callers above it tell apart by type, kept free of libp2p and tfjs so
// that a launcher can catch them without loading either.

/**
 * An error before the agent's first round (its data, its listen address, its identity): the command
 * that started it removes the run directory it created, and prints the message as its one line.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
