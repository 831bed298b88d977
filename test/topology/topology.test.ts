import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { graphFacts } from '../../src/topology/facts.ts';
import { describeTopology } from '../../src/topology/describe.ts';
import { loadTopology, parseTopology } from '../../src/topology/load.ts';
import { renderTopologySvg } from '../../src/topology/render-svg.ts';
import { inNeighbours } from '../../src/topology/types.ts';
import { NODE } from '../helpers/node-bin.ts';

const gen = (graph: string, agents: number | undefined, params: Record<string, number> = {}, seed = 1) =>
  parseTopology(JSON.stringify({ graph, ...(agents !== undefined ? { agents } : {}), params, seed }), 'test.yaml');

const degrees = (t: ReturnType<typeof gen>) => t.agents.map((a) => inNeighbours(t, a).length);

describe('generators', () => {
  it('complete: n(n-1)/2 edges, degree n-1', () => {
    const t = gen('complete', 8);
    expect(t.edges).toHaveLength(28);
    expect(new Set(degrees(t))).toEqual(new Set([7]));
    expect(graphFacts(t).diameter).toBe(1);
  });
  it('ring: n*k edges, degree 2k; ring-8 has diameter 4', () => {
    expect(gen('ring', 8).edges).toHaveLength(8);
    expect(new Set(degrees(gen('ring', 8)))).toEqual(new Set([2]));
    expect(gen('ring', 10, { k: 2 }).edges).toHaveLength(20);
    expect(new Set(degrees(gen('ring', 10, { k: 2 })))).toEqual(new Set([4]));
    expect(graphFacts(loadTopology('topologies/ring-8.yaml')).diameter).toBe(4);
  });
  it('line and star: n-1 edges', () => {
    expect(gen('line', 8).edges).toHaveLength(7);
    expect(graphFacts(gen('line', 8)).diameter).toBe(7);
    const star = gen('star', 8);
    expect(star.edges).toHaveLength(7);
    expect(degrees(star)).toEqual([7, 1, 1, 1, 1, 1, 1, 1]);
  });
  it('grid: rows(cols-1) + cols(rows-1) edges, degrees 2..4', () => {
    const t = gen('grid', undefined, { rows: 3, cols: 3 });
    expect(t.agents).toHaveLength(9);
    expect(t.edges).toHaveLength(12);
    expect(degrees(t)).toEqual([2, 3, 2, 3, 4, 3, 2, 3, 2]);
  });
  it('islands: complete islands plus bridges; without bridges reported disconnected', () => {
    const t = gen('islands', undefined, { groups: 3, size: 4, bridges: 2 });
    expect(t.edges).toHaveLength(3 * 6 + 2 * 2);
    expect(graphFacts(t).connected).toBe(true);
    const apart = gen('islands', undefined, { groups: 2, size: 4, bridges: 0 });
    expect(apart.edges).toHaveLength(12);
    const facts = graphFacts(apart);
    expect(facts.connected).toBe(false);
    expect(facts.components).toBe(2);
    expect(apart.warnings.join()).toMatch(/disconnected \(2 components\)/);
  });
  it('random-regular: every degree d, n*d/2 edges, deterministic by seed', () => {
    const t = gen('random-regular', 16, { d: 3 }, 5);
    expect(t.edges).toHaveLength(24);
    expect(new Set(degrees(t))).toEqual(new Set([3]));
    expect(gen('random-regular', 16, { d: 3 }, 5).edges).toEqual(t.edges);
    expect(gen('random-regular', 16, { d: 3 }, 6).edges).not.toEqual(t.edges);
  });
  it('small-world: n*k/2 edges, deterministic by seed, p = 0 is the ring lattice', () => {
    const t = gen('small-world', 16, { k: 4, p: 0.3 }, 2);
    expect(t.edges).toHaveLength(32);
    expect(gen('small-world', 16, { k: 4, p: 0.3 }, 2).edges).toEqual(t.edges);
    expect(gen('small-world', 16, { k: 4, p: 0.3 }, 3).edges).not.toEqual(t.edges);
    expect(new Set(degrees(gen('small-world', 16, { k: 4, p: 0 })))).toEqual(new Set([4]));
  });
  it('erdos-renyi: p = 0 and p = 1 are the extremes; deterministic by seed', () => {
    expect(gen('erdos-renyi', 10, { p: 0 }).edges).toHaveLength(0);
    expect(gen('erdos-renyi', 10, { p: 1 }).edges).toHaveLength(45);
    expect(gen('erdos-renyi', 30, { p: 0.2 }, 4).edges).toEqual(gen('erdos-renyi', 30, { p: 0.2 }, 4).edges);
    expect(gen('erdos-renyi', 30, { p: 0.2 }, 4).edges).not.toEqual(gen('erdos-renyi', 30, { p: 0.2 }, 5).edges);
  });
});

describe('explicit edges', () => {
  it('directed [a, b] means b learns from a', () => {
    const t = parseTopology('agents: [x, y, z]\ndirected: true\nedges:\n  - [x, y]\n  - [y, z]\n', 'd.yaml');
    expect(inNeighbours(t, 'y')).toEqual(['x']);
    expect(inNeighbours(t, 'x')).toEqual([]);
    expect(graphFacts(t).stronglyConnected).toBe(false);
    const u = parseTopology('edges:\n  - [x, y]\n  - [y, z]\n', 'u.yaml');
    expect(u.agents).toEqual(['x', 'y', 'z']);
    expect(inNeighbours(u, 'y')).toEqual(['x', 'z']);
  });
  it('profiles resolve against nodes/', () => {
    const t = loadTopology('topologies/hub-and-spokes-custom.yaml');
    expect(t.profiles).toEqual({ hub: 'cnn' });
  });
});

describe('errors name the file, the line and the problem', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown agent', 'agents: [a, b]\nedges:\n  - [a, b]\n  - [a, c]\n', /^bad.yaml:4: unknown agent "c" in edge 2/],
    ['self-loop', 'agents: [a, b]\nedges:\n  - [a, a]\n', /^bad.yaml:3: self-loop on "a"/],
    ['duplicate edge', 'edges:\n  - [a, b]\n  - [b, a]\n', /^bad.yaml:3: duplicate edge \[b, a\]/],
    ['unknown generator', 'agents: 4\ngraph: hypercube\n', /^bad.yaml:2: unknown generator "hypercube": expected one of complete, ring/],
    ['missing parameter', 'graph: grid\nparams: { rows: 3 }\n', /^bad.yaml:2: missing parameter "cols" for grid/],
    ['bad parameter', 'agents: 8\ngraph: ring\nparams:\n  k: 0\n', /^bad.yaml:4: bad parameter for ring: parameter k must be an integer/],
    ['unknown parameter', 'agents: 8\ngraph: ring\nparams:\n  q: 1\n', /^bad.yaml:4: unknown parameter "q" for ring/],
    ['no agents', 'agents: []\ngraph: complete\n', /^bad.yaml:1: field "agents": /],
    ['zero agents', 'agents: 0\ngraph: complete\n', /^bad.yaml:1: field "agents": /],
    ['profile not found', 'agents: 2\ngraph: complete\nprofiles:\n  a1: imaginary\n', /^bad.yaml:4: profile "imaginary" of agent a1 not found/],
    ['unknown key', 'agents: 2\ngraph: complete\ncolour: red\n', /^bad.yaml:3: unknown field "colour"/],
    ['not YAML', 'agents: [1,\n', /^bad.yaml:2: not valid YAML\/JSON/],
    ['neither graph nor edges', 'agents: 3\n', /^bad.yaml:1: missing graph \(a generator name\) or edges/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => expect(() => parseTopology(text, 'bad.yaml')).toThrow(message));
  }
  it('a missing file', () => expect(() => loadTopology('topologies/nope.yaml')).toThrow(/nope.yaml: file not found/));
});

describe('drawing and the CLI', () => {
  const segments = (svg: string) => (/<path class="edges"[^>]* d="([^"]*)"/.exec(svg)?.[1].match(/M/g) ?? []).length;

  it('the SVG has one circle per agent and one segment per edge', () => {
    const t = loadTopology('topologies/grid-3x3.yaml');
    const svg = renderTopologySvg(t, { values: { a0: 0.5 } });
    expect(svg.match(/<circle/g)).toHaveLength(9);
    expect(segments(svg)).toBe(12);
    expect(svg).toContain('50.0%');
    expect(svg).toContain('>a4</text>');
  });

  it('directed edges are arrows', () => {
    const t = parseTopology('agents: [a, b, c]\ndirected: true\nedges: [[a, b], [b, c]]\n', 'd.yaml');
    expect(renderTopologySvg(t).match(/<line [^>]*marker-end="url\(#arrow\)"/g)).toHaveLength(2);
  });

  it('256 agents: every agent and edge drawn, names as tooltips instead of labels, the drawing grows', () => {
    const t = parseTopology('agents: 256\ngraph: small-world\n', 'sw.yaml');
    const svg = renderTopologySvg(t);
    expect(svg.match(/<circle/g)).toHaveLength(256);
    expect(segments(svg)).toBe(t.edges.length);
    expect(svg).toContain('<title>a255</title>');
    expect(svg).not.toContain('>a255</text>');
    expect(Number(/width="(\d+)"/.exec(svg)![1])).toBeGreaterThan(900);
  });

  it('islands are drawn as separate circles', () => {
    const t = parseTopology('graph: islands\nparams: { groups: 4, size: 32 }\n', 'isl.yaml');
    const svg = renderTopologySvg(t);
    const xy = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const centre = (k: number) => xy.slice(32 * k, 32 * k + 32).reduce((a, p) => [a[0] + p[0] / 32, a[1] + p[1] / 32], [0, 0]);
    // The islands' centres are far apart compared with an island's own radius.
    const [c0, c1] = [centre(0), centre(1)];
    const islandR = Math.hypot(xy[0][0] - c0[0], xy[0][1] - c0[1]);
    expect(Math.hypot(c0[0] - c1[0], c0[1] - c1[1])).toBeGreaterThan(2 * islandR);
  });

  it('topology show succeeds on every shipped file and fails with the message on a bad one', () => {
    const files = readdirSync('topologies').filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const out = execFileSync(NODE, ['src/cli.ts', 'topology', 'show', `topologies/${f}`], { encoding: 'utf8' });
      expect(out).toMatch(/diameter: /);
    }
    const bad = spawnSync(NODE, ['src/cli.ts', 'topology', 'show', 'test/fixtures/bad-topology.yaml'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/bad-topology.yaml:5: unknown agent "a9"/);
  });
});

describe('a thousand agents', () => {
  const specs: [string, string][] = [
    ['complete', 'agents: 1000\ngraph: complete\n'],
    ['ring', 'agents: 1000\ngraph: ring\n'],
    ['line', 'agents: 1000\ngraph: line\n'],
    ['star', 'agents: 1000\ngraph: star\n'],
    ['grid', 'graph: grid\nparams: { rows: 25, cols: 40 }\n'],
    ['islands', 'graph: islands\nparams: { groups: 10, size: 100 }\n'],
    ['random-regular', 'agents: 1000\ngraph: random-regular\n'],
    ['random-regular, d = 40', 'agents: 1000\ngraph: random-regular\nparams: { d: 40 }\n'],
    ['small-world', 'agents: 1000\ngraph: small-world\n'],
    ['erdos-renyi', 'agents: 1000\ngraph: erdos-renyi\nparams: { p: 0.01 }\n'],
  ];
  const expected: Record<string, { edges?: number; diameter?: number; degree?: [number, number] }> = {
    complete: { edges: 499_500, diameter: 1, degree: [999, 999] },
    ring: { edges: 1000, diameter: 500, degree: [2, 2] },
    line: { edges: 999, diameter: 999, degree: [1, 2] },
    star: { edges: 999, diameter: 2, degree: [1, 999] },
    grid: { edges: 25 * 39 + 40 * 24, diameter: 24 + 39, degree: [2, 4] },
    'random-regular': { edges: 1500, degree: [3, 3] },
    'random-regular, d = 40': { edges: 20_000, degree: [40, 40] },
  };
  for (const [what, text] of specs) {
    it(what, () => {
      const t = parseTopology(text, `${what}.yaml`);
      expect(t.agents).toHaveLength(1000);
      const f = graphFacts(t);
      const want = expected[what];
      if (want?.edges !== undefined) expect(f.edges).toBe(want.edges);
      if (want?.diameter !== undefined) expect(f.diameter).toBe(want.diameter);
      if (want?.degree) expect([f.degree.min, f.degree.max]).toEqual(want.degree);
      expect(describeTopology(t).split('\n').length).toBeLessThan(40);
    }, 30_000);
  }
});
