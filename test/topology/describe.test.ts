import { describe, expect, it } from 'vitest';
import { describeTopology } from '../../src/topology/describe.ts';
import { parseTopology } from '../../src/topology/load.ts';

describe('describeTopology', () => {
  it('a directed, disconnected edge list: arrows, components, strong connectivity, infinite diameter, who learns from whom', () => {
    const t = parseTopology('name: two-arrows\nagents: [a, b, c, d]\ndirected: true\nedges: [[a, b], [c, d]]\n', 'arrows.yaml');
    const text = describeTopology(t);
    expect(text).toMatch(/^topology two-arrows \(arrows\.yaml\)$/m);
    expect(text).toMatch(/graph: explicit edge list, directed/);
    expect(text).toMatch(/agents: 4, edges: 2/);
    expect(text).toMatch(/connected: no \(2 components\), strongly connected: no/);
    expect(text).toMatch(/diameter: infinite/);
    expect(text).toMatch(/edges: a->b c->d/);
    expect(text).toMatch(/^b\s+\(default\)\s+a\s*$/m);
    expect(text).toMatch(/^a\s+\(default\)\s+\(nobody\)\s*$/m);
  });

  it('a generated graph past 64 agents and 200 edges: counts and a degree table instead of listings', () => {
    const t = parseTopology('agents: 80\ngraph: complete\n', 'big.yaml');
    const text = describeTopology(t);
    expect(text).toMatch(/graph: complete .*, undirected/);
    expect(text).toMatch(/connected: yes$/m);
    expect(text).toMatch(/diameter: 1/);
    expect(text).toMatch(/edges: 3160, too many to list/);
    expect(text).toMatch(/^\s*79\s+80\s+a0, a1, a2, a3, a4, \.\.\.\s*$/m);
    expect(text).not.toMatch(/learns from/);
  });

  it('a topology\'s adversaries are shown with their behaviours; a topology without says nothing of them', () => {
    const t = parseTopology('name: liars\nagents: 4\ngraph: ring\nadversaries: { a1: shift, a3: constant:2 }\n', 'liars.yaml');
    expect(describeTopology(t)).toMatch(/^  adversaries \(an experiment: they lie about their predictions\): a1=shift, a3=constant:2$/m);
    expect(describeTopology(parseTopology('agents: 4\ngraph: ring\n', 'honest.yaml'))).not.toMatch(/adversaries/);
  });

  it('the degree table notes agents with their own profile; warnings are appended', () => {
    const agents = Array.from({ length: 70 }, (_, i) => `n${i}`);
    const yaml = `agents: [${agents.join(', ')}]\nedges: [[n0, n1]]\nprofiles: { n0: small, n1: small }\n`;
    const text = describeTopology(parseTopology(yaml, 'p.yaml'));
    expect(text).toMatch(/2 agents have their own profile/);
    expect(text).toMatch(/^warning: p.yaml: the graph is disconnected/m);
    expect(text).toMatch(/^\s*0\s+68\s+n2, n3, n4, n5, n6, \.\.\.\s*$/m);
  });
});
