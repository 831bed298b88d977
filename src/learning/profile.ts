// Agent profiles (`nodes/<name>.yaml`): the model and learning recipe of one agent. Validation errors
// name the file, the line and the field.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BACKBONES } from '../model/backbones.ts';
import { MAX_AUX_HEADS } from '../model/multi-head.ts';
import { LR_SCHEDULES } from './schedule.ts';
import { AUX_TEACHERS, TEACHER_RULES } from './teachers.ts';
import { ConfigError, parseWith, readConfigText } from '../text/config-source.ts';
import { DEFAULT_PROFILES_DIR } from '../topology/load.ts';

export const profileSchema = z
  .object({
    backbone: z.enum(BACKBONES),
    auxHeads: z.number().int().min(0).max(MAX_AUX_HEADS),
    optimizer: z.enum(['adam', 'sgd']).default('adam'),
    learningRate: z.number().positive().max(10),
    /** `cosine`: the rate anneals over the run's rounds from learningRate towards 0 (src/learning/schedule.ts). */
    lrSchedule: z.enum(LR_SCHEDULES).default('constant'),
    batchPrivate: z.number().int().min(1).max(4096),
    batchPublic: z.number().int().min(1).max(4096),
    stepsPerRound: z.number().int().min(1).max(100000),
    /** Weight of the main head's distillation from neighbours' main heads. */
    nu0: z.number().min(0),
    /** Weight of each auxiliary head's distillation from neighbours' previous head. */
    nuAux: z.number().min(0),
    /** Weight of embedding distillation (needs equal embedding widths; 0 disables it). */
    nuEmb: z.number().min(0).default(0),
    temperature: z.number().positive().max(100),
    teacher: z.enum(TEACHER_RULES),
    /** Use a public sample for head k only when the teacher is more confident than the student's head k. */
    gateMain: z.boolean(),
    gateAux: z.boolean(),
    /** The agent's own head k-1 competes with the neighbours as a teacher for head k. */
    includeSelf: z.boolean(),
    /**
     * Which of the neighbours' heads auxiliary head k learns from: `previous` (head k-1, the chain) or
     * `same` (head k: a consensus head that carries knowledge across the whole graph over the rounds).
     */
    auxTeacher: z.enum(AUX_TEACHERS).default('previous'),
    /** Auxiliary heads also learn the private labels (cross-entropy, weight 1), as the main head does. */
    auxLabels: z.boolean().default(false),
    /**
     * Power of the prior correction of teacher candidates: their predictions divided by their apparent
     * class prior (their mean prediction on the chunk) to this power, so that a neighbour trained on few
     * classes does not win on confidence alone (src/learning/teachers.ts, `priorCorrected`). 0: off.
     */
    priorCorrection: z.number().min(0).max(8).default(0),
  })
  .strict();

export type Profile = z.infer<typeof profileSchema>;

export function parseProfile(text: string, source: string): Profile {
  return parseWith(profileSchema, readConfigText(text, source));
}

/** Loads `nodes/<name>.yaml`, or a path ending in .yaml. */
export function loadProfile(nameOrPath: string, dir = DEFAULT_PROFILES_DIR): Profile {
  const file = nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') ? nameOrPath : join(dir, `${nameOrPath}.yaml`);
  if (!existsSync(file)) throw new ConfigError(file, undefined, `profile "${nameOrPath}" not found`);
  return parseProfile(readFileSync(file, 'utf8'), file);
}
