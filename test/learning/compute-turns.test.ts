import { describe, expect, it } from 'vitest';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { computeTurn, turnsWaiting } from '../../src/learning/compute-turns.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('computeTurn', () => {
  it('serves every caller in the order it asked', async () => {
    const order: string[] = [];
    await Promise.all(['a', 'b', 'c'].map(async (who) => {
      for (let i = 0; i < 3; i++) {
        await computeTurn();
        order.push(`${who}${i}`);
      }
    }));
    expect(order).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
    expect(turnsWaiting()).toBe(0);
  });

  it('polls the network between any two slices: a loopback ping-pong waits a slice or two a hop, not a round of every agent', async () => {
    const server = createServer((s) => s.on('data', (b) => s.write(b)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    let slices = 0;
    let done = false;
    // 40 agents, each computing 1 ms slices until the pings are through
    const agents = Array.from({ length: 40 }, async () => {
      while (!done) {
        await computeTurn();
        busy(1);
        slices++;
      }
    });
    const pings = 10;
    for (let i = 0; i < pings; i++) {
      client.write('x');
      await once(client, 'data');
    }
    const perPing = slices / pings;
    done = true;
    await Promise.all(agents);
    client.destroy();
    server.close();
    // A ping is two hops through the loop; with every agent computing between polls it took 40 slices.
    expect(perPing).toBeLessThan(10);
  });
});
