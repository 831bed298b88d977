import { describe, expect, it, vi } from 'vitest';
import { agentLine, clusterLine, createProgress, estimateSeconds, formatDuration, headerLine, type AgentState } from '../../src/cluster/progress.ts';
import type { ClusterEvent } from '../../src/cluster/launcher.ts';
import { Screen } from './screen.ts';

const roundEvent = (agent: string, round: number, shared = 0.4): ClusterEvent => ({ type: 'round', agent, round, rounds: 10, loss: 1.23456, shared: [0.1, shared], seconds: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress lines', () => {
  it('many agents: one line of counts for the whole cluster', () => {
    const states = [
      { round: 3, rounds: 5, status: 'running', shared: 0.5 },
      { round: 5, rounds: 5, status: 'finished', shared: 0.7 },
      { round: 1, rounds: 5, status: 'FAILED' },
    ];
    expect(clusterLine(states)).toBe('3 agents: rounds 1..5 of 5 | 1 running, 1 finished, 1 FAILED | mean shared (best head) 60.0%');
    // what does not fit goes, the counts stay
    expect(clusterLine(states, 80)).toBe('3 agents: rounds 1..5 of 5 | 1 running, 1 finished, 1 FAILED');
  });

  it('elapsed time and an ETA from the rounds done so far', () => {
    expect([formatDuration(42.4), formatDuration(185), formatDuration(3725)]).toEqual(['42s', '3m05s', '1h02m']);
    const states: AgentState[] = [
      { round: 2, rounds: 10, status: 'running' },
      { round: 3, rounds: 10, status: 'running' },
      // resumed at round 5: its earlier rounds took no time of this session
      { round: 6, rounds: 10, status: 'running', firstRound: 5 },
    ];
    // 2 + 3 + 1 rounds in 60 s; 8 + 7 + 4 left
    expect(estimateSeconds(states, 60)).toBeCloseTo((60 * 19) / 6, 10);
    expect(estimateSeconds(states.map((s) => ({ ...s, round: s.firstRound ?? 0 })), 60)).toBeUndefined();
    // 2 rounds done among 3 running agents: too early to tell
    expect(estimateSeconds([{ ...states[0], round: 2 }, { ...states[1], round: 0 }, { ...states[2], round: 5 }], 60)).toBeUndefined();
    expect(estimateSeconds([{ round: 4, rounds: 10, status: 'FAILED' }, { round: 10, rounds: 10, status: 'finished' }], 60)).toBe(0);
    const line = headerLine(states, 75, estimateSeconds(states, 60), 80);
    expect(line).toBe('elapsed 1m15s | ETA 3m10s | 3 running | 11/30 rounds');
    expect(headerLine(states, 5, undefined, 80)).toMatch(/^elapsed 5s \| ETA - \| 3 running/);
  });

  it('an agent line fits 80 columns with its status first, and moves during round 0', () => {
    const s: AgentState = { round: 0, rounds: 10, status: 'starting' };
    expect(agentLine('a0', 3, s, 80)).toMatch(/^a0  starting \[░+\]  0\/10 \| shared \(best head\) - \| loss -$/);
    const running = agentLine('a0', 3, { ...s, status: 'running' }, 80);
    expect(running).toMatch(/^a0  round 0 /);
    const later = agentLine('a12', 3, { round: 7, rounds: 10, status: 'running', shared: 0.8951, loss: 0.5 }, 80);
    expect(later).toMatch(/^a12 round 7 +\[█+░+\]  7\/10 \| shared \(best head\) 89\.5% \| loss 0\.500$/);
    for (const w of [80, 60, 40]) expect(agentLine('a12', 3, { round: 7, rounds: 100, status: 'running', shared: 0.8, loss: 0.5 }, w).length).toBeLessThanOrEqual(w);
    // narrow: the loss goes first, the status stays
    expect(agentLine('a12', 3, { round: 7, rounds: 10, status: 'running', shared: 0.8, loss: 0.5 }, 60)).toMatch(/^a12 round 7 +\[.*\]  7\/10 \| shared \(best head\) 80\.0%$/);
  });
});

describe('progress display', () => {
  it('on an 80-column terminal: every line fits, elapsed and ETA show, log lines go above the bars', async () => {
    vi.stubEnv('COLUMNS', '');
    const screen = new Screen(80);
    let t = 0;
    const agents = ['a0', 'a1', 'a2'];
    const p = createProgress(agents, 10, true, 5000, { stream: screen as unknown as NodeJS.WriteStream, now: () => t });
    for (const a of agents) p.update({ type: 'ready', agent: a });
    t = 30_000;
    p.update(roundEvent('a0', 0));
    p.update(roundEvent('a1', 1));
    await sleep(250);
    p.log('stopping every agent after its current round');
    p.update({ type: 'failed', agent: 'a2', reason: 'killed by SIGKILL', logTail: 'last words' });
    await sleep(250);
    p.stop();
    const lines = screen.lines().filter((l) => l !== '');
    expect(screen.overflowed).toBe(false);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    // 2 rounds done in the 30 s since the agents were ready; 9 + 8 left (a2 failed)
    // the log lines are whole lines of their own, above the header and the bars
    expect(lines).toContain('stopping every agent after its current round');
    expect(lines).toContain('a2 failed (killed by SIGKILL); the tail of its log:');
    expect(lines).toContain('last words');
    const header = at(/^elapsed 30s \| ETA /);
    expect(header).toBeGreaterThan(at(/^last words$/));
    expect(lines[header]).toMatch(/ETA 4m15s \| 2 running, 1 FAILED \| 3\/30 rounds/);
    expect(lines[header + 1]).toMatch(/^a0 round 1 +\[/);
    expect(lines[header + 2]).toMatch(/^a1 round 2 +\[.*\| shared \(best head\) 40\.0% \| loss 1\.235$/);
    expect(lines[header + 3]).toMatch(/^a2 FAILED +\[/);
    vi.unstubAllEnvs();
  });

  it('an agent stopped before it was ready is "not started", as the summary says; one stopped while running is "stopped"', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const p = createProgress(['a0', 'a1'], 4, false, 60_000, { columns: 80 });
      p.update({ type: 'ready', agent: 'a1' });
      p.update({ type: 'done', agent: 'a0', outcome: 'stopped' });
      p.update({ type: 'done', agent: 'a1', outcome: 'stopped' });
      p.stop();
      expect(String(log.mock.calls.at(-1)?.[0])).toMatch(/a0 0\/4 not started, a1 0\/4 stopped$/);
    } finally {
      log.mockRestore();
    }
  });

  it('many agents on a terminal: the header and one bar for the cluster, as wide as $COLUMNS says', async () => {
    vi.stubEnv('COLUMNS', '60');
    const screen = new Screen(100);
    const agents = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const p = createProgress(agents, 4, true, 5000, { stream: screen as unknown as NodeJS.WriteStream });
    p.update({ type: 'ready', agent: 'a3' });
    await sleep(250);
    p.stop();
    const lines = screen.lines().filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^elapsed \d+s \| ETA - \| 39 starting, 1 running \| 0\/160 rounds$/);
    // the counts are in the header: what does not fit in 60 columns here goes
    expect(lines[1]).toMatch(/^\[░+\] 40 agents: rounds 0\.\.0 of 4$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    vi.unstubAllEnvs();
  });

  it('without a terminal, 256 agents print one short line, 3 agents one entry each, with elapsed time and ETA', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      let t = 0;
      const many = createProgress(Array.from({ length: 256 }, (_, i) => `a${i}`), 4, false, 60_000, { columns: 80, now: () => t });
      t = 10_000;
      many.update({ type: 'round', agent: 'a7', round: 1, rounds: 4, loss: 1, shared: [0.4], seconds: 1 });
      many.stop();
      const line = String(log.mock.calls.at(-1)?.[0]);
      // one round done of 256 agents' first: no ETA yet
      expect(line).toBe('[10s, ETA -] 256 agents: rounds 0..2 of 4 | 256 starting');
      expect(line.length).toBeLessThanOrEqual(80);
      const few = createProgress(['a0', 'a1', 'a2'], 4, false, 60_000, { columns: 80 });
      few.update({ type: 'round', agent: 'a1', round: 0, rounds: 4, loss: 1, shared: [0.4], seconds: 1 });
      few.log('a line of the command');
      expect(String(log.mock.calls.at(-1)?.[0])).toBe('a line of the command');
      few.stop();
      expect(String(log.mock.calls.at(-1)?.[0])).toMatch(/^\[\d+s, ETA \S+\] a0 0\/4 starting, a1 1\/4 40\.0% starting, a2 0\/4 starting$/);
    } finally {
      log.mockRestore();
    }
  });

  it('without a terminal, 16 agents wrap to 80 columns', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const p = createProgress(Array.from({ length: 16 }, (_, i) => `a${i}`), 10, false, 60_000, { columns: 80 });
      p.stop();
      const text = String(log.mock.calls.at(-1)?.[0]);
      expect(text.split('\n').length).toBeGreaterThan(1);
      expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    } finally {
      log.mockRestore();
    }
  });
});
