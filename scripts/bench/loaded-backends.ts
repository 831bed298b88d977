// The backends a bench runs on: each one that loads, by its printed label; one that does not is said
// in a line and skipped.
import { formatBackend, selectBackend, type BackendName } from '../../src/model/backend.ts';

export async function* loadedBackends(names: readonly BackendName[]): AsyncGenerator<{ name: BackendName; label: string }> {
  for (const name of names) {
    try {
      yield { name, label: formatBackend(await selectBackend(name)) };
    } catch (err) {
      console.log(`${name}: not available (${(err as Error).message.split('\n')[0]})`);
    }
  }
}
