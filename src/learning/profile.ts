// Agent profiles (`nodes/<name>.yaml`): the model and learning recipe of one agent. Validation errors
// name the file, the line and the field.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { BACKBONES, isBackboneSpec, type BackboneSpec } from '../model/backbones.ts';
import { backboneFile, isFileBackbone } from '../model/layers-file.ts';
import { MAX_AUX_HEADS } from '../model/multi-head.ts';
import { LR_SCHEDULES } from './schedule.ts';
import { AUX_TEACHERS, TEACHER_RULES } from './teachers.ts';
import { ConfigError, parseWith, readConfigText } from '../text/config-source.ts';
import { DEFAULT_PROFILES_DIR } from '../topology/load.ts';
import { knob, knobsOf, type KnobOptions } from './profile-knobs.ts';

/**
 * An agent's profile. A field wrapped in `knob()` is also a command-line override: its flag, help,
 * parser and bounds, the value the baselines give it, and the `ExperimentOptions` attribute all come
 * from here (src/learning/profile-knobs.ts). The others (backbone, optimizer, batch sizes) are the
 * agent's model recipe, set per profile only: a run-wide flag would flatten a mixed topology's agents.
 */
export const profileSchema = z
  .object({
    backbone: z
      .custom<BackboneSpec>(isBackboneSpec, { message: `expected ${BACKBONES.join(', ')} or file:PATH/model.json (a TF.js LayersModel)` })
      .describe('the model under the heads: a shipped one (src/model/backbones.ts) or file:PATH/model.json, a TF.js LayersModel, PATH relative to the profile file (src/model/layers-file.ts)'),
    auxHeads: knob(z.number().int().min(0).max(MAX_AUX_HEADS), { description: 'auxiliary heads', singleHead: 0 }),
    optimizer: z.enum(['adam', 'sgd']).default('adam').describe('the optimizer of every training step'),
    learningRate: knob(z.number().positive().max(10), { flag: 'lr', description: 'learning rate (the starting one under a cosine schedule)' }),
    // src/learning/schedule.ts
    lrSchedule: knob(z.enum(LR_SCHEDULES).default('constant'), { description: 'learning-rate schedule over the rounds (cosine: from the learning rate towards 0)' }),
    batchPrivate: z.number().int().min(1).max(4096).describe('private (labelled) samples per step'),
    batchPublic: z.number().int().min(1).max(4096).describe("public (unlabelled) samples per step, drawn from the round's chunk"),
    stepsPerRound: knob(z.number().int().min(1).max(100000), { flag: 'steps', description: 'training steps per round' }),
    nu0: knob(z.number().min(0), { description: "weight of the main head's distillation from the neighbours' main heads", baseline: 0 }),
    nuAux: knob(z.number().min(0), { description: "weight of the auxiliary heads' distillation from the neighbours' heads", baseline: 0 }),
    nuEmb: knob(z.number().min(0).default(0), { description: 'weight of embedding distillation (needs equal embedding widths; 0: off)', baseline: 0 }),
    temperature: knob(z.number().positive().max(100), { description: 'distillation temperature' }),
    teacher: knob(z.enum(TEACHER_RULES), { description: "teacher rule: how a head's target is made from the candidates" }),
    gateMain: knob(z.boolean(), { description: "confidence gate on the main head: a public sample counts only where the teacher is more confident than the student's head" }),
    gateAux: knob(z.boolean(), { description: 'confidence gate on the auxiliary heads' }),
    includeSelf: knob(z.boolean(), { description: 'own head k-1 competes with the neighbours as a teacher for head k' }),
    auxTeacher: knob(z.enum(AUX_TEACHERS).default('previous'), {
      description: "auxiliary head k learns from the neighbours' head k-1 (previous: the chain) or head k (same: a consensus head across the graph)",
    }),
    auxLabels: knob(z.boolean().default(false), { description: 'auxiliary heads also learn the private labels (cross-entropy, weight 1), as the main head does', singleHead: false }),
    // src/learning/teachers.ts, `priorCorrected`
    priorCorrection: knob(z.number().min(0).max(8).default(0), {
      description: "divide each teacher candidate's predictions by its apparent class prior (its mean prediction on the chunk) to this power, so that a neighbour trained on few classes does not win on confidence alone (0: off)",
      baseline: 0,
    }),
  })
  .strict();

export type Profile = z.infer<typeof profileSchema>;

/** The profile's knobs, in field order. */
export const PROFILE_KNOBS = knobsOf(profileSchema);
/** The override options the knobs give: `auxHeads`, `steps` (stepsPerRound), `lr` (learningRate), ... */
export type ProfileOverrides = KnobOptions<typeof profileSchema.shape>;

/** Parses a profile; a relative `file:` backbone is made absolute against the profile file's folder. */
export function parseProfile(text: string, source: string): Profile {
  const profile = parseWith(profileSchema, readConfigText(text, source));
  const b = profile.backbone;
  if (isFileBackbone(b) && !isAbsolute(backboneFile(b))) profile.backbone = `file:${resolve(dirname(source), backboneFile(b))}`;
  return profile;
}

/** Loads `nodes/<name>.yaml`, or a path ending in .yaml. */
export function loadProfile(nameOrPath: string, dir = DEFAULT_PROFILES_DIR): Profile {
  const file = nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') ? nameOrPath : join(dir, `${nameOrPath}.yaml`);
  if (!existsSync(file)) throw new ConfigError(file, undefined, `profile "${nameOrPath}" not found`);
  return parseProfile(readFileSync(file, 'utf8'), file);
}
