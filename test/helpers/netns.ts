// Linux network namespaces on a private bridge, for tests of agents on separate "hosts". Everything is
// named after this process (unique per run), lives in 10.231.X.0/24 with no address on the host side,
// so the traffic stays among the namespaces made here, and cleanup removes all of it.
import { spawnSync } from 'node:child_process';

const ip = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });

function must(args: string[]): void {
  const r = ip(args);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Why namespace tests cannot run here, or undefined when they can (root, `ip netns` works). */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (CI runs as root)';
  const probe = `mhdprobe${process.pid}`;
  const add = ip(['netns', 'add', probe]);
  if (add.error || add.status !== 0) return `\`ip netns add\` does not work here: ${(add.stderr || add.error?.message || 'no ip command').trim()}`;
  ip(['netns', 'del', probe]);
  return undefined;
}

export interface Hosts {
  /** Namespace names, one per host. */
  ns: string[];
  /** Each host's address. */
  addr: string[];
  /** Cuts host i off the bridge (link down) or puts it back. */
  setLink(i: number, up: boolean): void;
  /** Removes every namespace, link and the bridge; safe to call twice and after a failed setup. */
  cleanup(): string[];
}

export function makeHosts(n: number): Hosts {
  const pid = process.pid;
  const subnet = `10.231.${pid % 250}`;
  const bridge = `mhdbr${pid}`.slice(0, 15);
  const ns = Array.from({ length: n }, (_, i) => `mhdns${pid}-${i}`);
  const hostSide = (i: number) => `mhdv${pid}h${i}`.slice(0, 15);
  const nsSide = (i: number) => `mhdv${pid}n${i}`.slice(0, 15);
  const hosts: Hosts = {
    ns,
    addr: ns.map((_, i) => `${subnet}.${i + 1}`),
    setLink: (i, up) => must(['link', 'set', hostSide(i), up ? 'up' : 'down']),
    cleanup: () => {
      const left: string[] = [];
      for (const [i, name] of ns.entries()) {
        ip(['netns', 'del', name]);
        ip(['link', 'del', hostSide(i)]);
      }
      ip(['link', 'del', bridge]);
      const links = ip(['-o', 'link', 'show']).stdout ?? '';
      const spaces = ip(['netns', 'list']).stdout ?? '';
      for (const name of [bridge, ...ns.map((_, i) => hostSide(i))]) if (links.includes(`${name}:`) || links.includes(`${name}@`)) left.push(name);
      for (const name of ns) if (spaces.split('\n').some((l) => l.split(' ')[0] === name)) left.push(name);
      return left;
    },
  };
  try {
    must(['link', 'add', bridge, 'type', 'bridge']);
    must(['link', 'set', bridge, 'up']);
    for (const [i, name] of ns.entries()) {
      must(['netns', 'add', name]);
      must(['link', 'add', hostSide(i), 'type', 'veth', 'peer', 'name', nsSide(i)]);
      must(['link', 'set', nsSide(i), 'netns', name]);
      must(['link', 'set', hostSide(i), 'master', bridge]);
      must(['link', 'set', hostSide(i), 'up']);
      must(['-n', name, 'addr', 'add', `${hosts.addr[i]}/24`, 'dev', nsSide(i)]);
      must(['-n', name, 'link', 'set', nsSide(i), 'up']);
      must(['-n', name, 'link', 'set', 'lo', 'up']);
    }
  } catch (err) {
    hosts.cleanup();
    throw err;
  }
  return hosts;
}

/** One namespace with only its own loopback up: its ports are private, so fixed ports cannot collide. */
export function makeLoopbackNamespace(): { ns: string; cleanup(): void } {
  const ns = `mhdlo${process.pid}`;
  must(['netns', 'add', ns]);
  const cleanup = () => void ip(['netns', 'del', ns]);
  try {
    must(['-n', ns, 'link', 'set', 'lo', 'up']);
  } catch (err) {
    cleanup();
    throw err;
  }
  return { ns, cleanup };
}
