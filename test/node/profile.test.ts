import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile } from '../../src/learning/profile.ts';

describe('agent profiles', () => {
  it('the shipped profiles load', () => {
    expect(loadProfile('default').backbone).toBe('mlp');
    // chosen by README "The default profile": the main head keeps its private task, 3 auxiliary heads
    expect(loadProfile('default')).toMatchObject({ nu0: 0, auxHeads: 3, includeSelf: true, temperature: 1 });
    expect(loadProfile('consensus')).toMatchObject({ nu0: 1, auxHeads: 0 });
    expect(loadProfile('chain')).toMatchObject({ nu0: 0, auxHeads: 3, includeSelf: true });
    expect(loadProfile('chain-labels')).toMatchObject({ nu0: 0, auxHeads: 3, auxTeacher: 'previous', auxLabels: true });
    expect(loadProfile('consensus-head')).toMatchObject({ nu0: 0, auxHeads: 1, auxTeacher: 'same', auxLabels: true, gateAux: true });
    // the default adds labelled auxiliary heads, prior-corrected teachers and a cosine rate to the chain
    expect(loadProfile('default')).toMatchObject({ auxTeacher: 'previous', auxLabels: true, priorCorrection: 2, lrSchedule: 'cosine', learningRate: 0.002 });
    // the fields added later default to the chain's recipe, so older profiles mean what they meant
    expect(loadProfile('chain')).toMatchObject({ auxTeacher: 'previous', auxLabels: false, priorCorrection: 0, lrSchedule: 'constant', learningRate: 0.001 });
    expect(loadProfile('cnn').backbone).toBe('cnn');
    expect(loadProfile('small').backbone).toBe('mlp-small');
  });

  const base = 'backbone: mlp\nauxHeads: 3\nlearningRate: 0.001\nbatchPrivate: 32\nbatchPublic: 64\nstepsPerRound: 5\nnu0: 1\nnuAux: 1\ntemperature: 1\nteacher: mean\ngateMain: true\ngateAux: false\nincludeSelf: true\n';

  it('a bad profile fails naming the file, the line and the field', () => {
    expect(() => parseProfile(base + 'colour: blue\n', 'p.yaml')).toThrow(/^p.yaml:14: unknown field "colour"/);
    expect(() => parseProfile(base.replace('auxHeads: 3', 'auxHeads: 99'), 'p.yaml')).toThrow(/^p.yaml:2: field "auxHeads": .*16/);
    expect(() => parseProfile(base.replace('teacher: mean', 'teacher: loudest'), 'p.yaml')).toThrow(/^p.yaml:10: field "teacher"/);
    expect(() => parseProfile(base.replace('nu0: 1', 'nu0: lots'), 'p.yaml')).toThrow(/field "nu0": .*number/);
    expect(() => parseProfile(base.replace('backbone: mlp\n', ''), 'p.yaml')).toThrow(/field "backbone"/);
    expect(() => parseProfile(base + 'auxTeacher: next\n', 'p.yaml')).toThrow(/^p.yaml:14: field "auxTeacher"/);
    expect(() => parseProfile(base + 'priorCorrection: -1\n', 'p.yaml')).toThrow(/^p.yaml:14: field "priorCorrection"/);
    expect(() => parseProfile(base + 'lrSchedule: step\n', 'p.yaml')).toThrow(/^p.yaml:14: field "lrSchedule"/);
    expect(() => loadProfile('no-such-profile')).toThrow(/profile "no-such-profile" not found/);
  });
});
