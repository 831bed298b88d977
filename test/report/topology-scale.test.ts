// The topology drawing's colours: the fill is a function of the accuracy alone, on a sequential scale
// whose lightness grows with it (for colour-blind readers too), with a legend of the scale.
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.ts';
import { renderTopologySvg, valueColour } from '../../src/topology/render-svg.ts';
import { distance, MACHADO, seen } from './colour-vision.ts';

describe('topology colours', () => {
  it('the topology fill is a function of the accuracy alone: absolute, not relative to the other agents', () => {
    const t = parseTopology('agents: 4\ngraph: ring\n', 'r.yaml');
    const fillOf = (svg: string, agent: string) => svg.match(new RegExp(`<title>${agent}: [^<]*</title><circle [^>]*fill="(#[0-9a-f]{6})"`))![1];
    const close = renderTopologySvg(t, { values: { a0: 0.9, a1: 0.916, a2: 0.91, a3: 0.905 } });
    const spread = renderTopologySvg(t, { values: { a0: 0.9, a1: 0.2, a2: 0.5, a3: 0.99 } });
    expect(fillOf(close, 'a0')).toBe(valueColour(0.9));
    expect(fillOf(spread, 'a0')).toBe(valueColour(0.9));
    // 90.0 % next to 91.6 % look alike; 20 % and 99 % do not
    const normal = MACHADO.normal;
    expect(distance(seen(fillOf(close, 'a0'), normal), seen(fillOf(close, 'a1'), normal))).toBeLessThan(6);
    expect(distance(seen(fillOf(spread, 'a1'), normal), seen(fillOf(spread, 'a3'), normal))).toBeGreaterThan(50);
  });

  it('the scale is sequential: lightness grows with the value, for colour-blind readers too', () => {
    const values = Array.from({ length: 21 }, (_, i) => i / 20);
    for (const m of Object.values(MACHADO)) {
      const lightness = values.map((v) => seen(valueColour(v), m)[0]);
      for (let i = 1; i < lightness.length; i++) expect(lightness[i]).toBeGreaterThan(lightness[i - 1]);
    }
    expect(valueColour(-1)).toBe(valueColour(0));
    expect(valueColour(2)).toBe(valueColour(1));
  });

  it('the drawing has a legend of the scale, 0 to 100 %, with a mark per agent; none without values', () => {
    const t = parseTopology('agents: 3\ngraph: ring\n', 'r.yaml');
    const svg = renderTopologySvg(t, { values: { a0: 0.25, a1: 0.5, a2: 0.75 }, valueLabel: 'shared accuracy' });
    const legendPart = svg.slice(svg.indexOf('<g class="legend">'));
    expect(legendPart).toContain('<linearGradient id="mhd-viridis">');
    expect(legendPart).toContain('shared accuracy');
    expect(legendPart.match(/<line /g)).toHaveLength(3);
    for (const tick of ['0%', '25%', '50%', '75%', '100%']) expect(legendPart).toContain(`>${tick}</text>`);
    // names readable on the fill: white on the dark end of the scale, black on the light end
    const dark = renderTopologySvg(t, { values: { a0: 0.05 } });
    expect(dark).toMatch(/fill="#fff">a0<\/text>/);
    expect(svg).toMatch(/fill="#000">a2<\/text>/);
    expect(renderTopologySvg(t)).not.toContain('class="legend"');
  });
});
