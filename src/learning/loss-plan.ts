// The MHD loss of one step as data: for every row of the batch (private rows first, then public rows)
// and every head, a weighted target distribution and a temperature. Pure: the step turns it into three
// tensors, and a single pass over [rows, heads, classes] (src/learning/fused-loss.ts) computes every
// head's cross-entropy and distillation term at once.
//
// The terms are those of docs/DESIGN.md, "The method", exactly as the per-head formulation had them:
//   CE on head 0 (and heads 1.. with auxLabels): mean over the private rows of -sum_c y log softmax(z)
//   KL on head k with targets t and mask m: nu_k tau^2 / max(sum m, 1) * sum_rows m * sum_c t' (log max(t', eps) - log softmax(z / tau))
//   where t' = t^(1/tau) renormalised: the teacher's row at the student's temperature, as in Hinton et
//   al.'s distillation. (Tempering the student alone pushed it to be tau times sharper than its teacher.)
// so row r of head h carries weight W[r,h] on target T[r,h,:], and the loss is
//   sum_{r,h} W[r,h] sum_c T (log T - log softmax(z[r,h] / tau[r,h]))
// whose gradient with respect to z[r,h] is (softmax(z / tau) * sum_c W T - W T) / tau.

export const TARGET_EPS = 1e-8;

export interface HeadTargetRows {
  /** Target distributions of the public rows, [rows, classes] row-major. */
  readonly targets: Float32Array;
  /** 1 where the row is used (the teacher gate), 0 elsewhere; one per public row. */
  readonly mask: Float32Array;
}

export interface LossPlanInput {
  readonly heads: number;
  readonly classes: number;
  /** Labels of the private rows (their count is the private batch size; 0 rows: no CE term). */
  readonly labels: ArrayLike<number>;
  /** Number of public rows (0: no distillation). */
  readonly publicRows: number;
  /** Per head; undefined where the head has no targets this round. */
  readonly headTargets: readonly (HeadTargetRows | undefined)[];
  readonly nu0: number;
  readonly nuAux: number;
  readonly temperature: number;
  readonly auxLabels: boolean;
}

export interface LossPlan {
  readonly rows: number;
  readonly heads: number;
  readonly classes: number;
  /** W[r,h] * T[r,h,c], [rows, heads, classes]. */
  readonly weightedTargets: Float32Array;
  /** sum_c W T per (row, head), [rows, heads]. */
  readonly weightSums: Float32Array;
  /** 1 / tau per (row, head); undefined when every term runs at temperature 1. */
  readonly inverseTemperature?: Float32Array;
  /** sum W T log max(T, eps) per head: the constant part of each head's distillation term. */
  readonly entropyTerm: Float64Array;
  /** Which heads take the cross-entropy, and the weight (nu_k) of each head's distillation term (0: none). */
  readonly ceHeads: readonly boolean[];
  readonly distillWeight: readonly number[];
}

/** Builds the step's loss plan; see the header for the terms. */
export function lossPlan(p: LossPlanInput): LossPlan {
  const { heads: H, classes: C } = p;
  const P = p.labels.length;
  const U = p.publicRows;
  const rows = P + U;
  const weightedTargets = new Float32Array(rows * H * C);
  const weightSums = new Float32Array(rows * H);
  const entropyTerm = new Float64Array(H);
  const ceHeads = Array.from({ length: H }, (_, h) => P > 0 && (h === 0 || p.auxLabels));
  for (let h = 0; h < H; h++) {
    if (!ceHeads[h]) continue;
    for (let r = 0; r < P; r++) {
      const label = p.labels[r];
      if (!(label >= 0 && label < C)) throw new Error(`label ${label} of private row ${r} is not a class in 0..${C - 1}`);
      weightedTargets[(r * H + h) * C + label] = 1 / P;
      weightSums[r * H + h] = 1 / P;
    }
  }
  const tau = p.temperature;
  const distillWeight = Array.from({ length: H }, (_, h) => {
    const nu = h === 0 ? p.nu0 : p.nuAux;
    return U > 0 && p.headTargets[h] !== undefined && nu !== 0 ? nu : 0;
  });
  for (let h = 0; h < H; h++) {
    const t = p.headTargets[h];
    if (distillWeight[h] === 0 || t === undefined) continue;
    if (t.targets.length !== U * C || t.mask.length !== U) throw new Error(`head ${h}'s targets cover ${t.mask.length} rows, the public batch has ${U}`);
    let used = 0;
    for (let u = 0; u < U; u++) used += t.mask[u];
    const scale = (distillWeight[h] * tau * tau) / Math.max(used, 1);
    let entropy = 0;
    const row = new Float64Array(C);
    for (let u = 0; u < U; u++) {
      const w = t.mask[u] * scale;
      if (w === 0) continue;
      const r = P + u;
      temperRow(t.targets, u * C, C, tau, row);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const v = row[c];
        weightedTargets[(r * H + h) * C + c] = w * v;
        sum += w * v;
        if (v > 0) entropy += w * v * Math.log(Math.max(v, TARGET_EPS));
      }
      weightSums[r * H + h] = sum;
    }
    entropyTerm[h] = entropy;
  }
  let inverseTemperature: Float32Array | undefined;
  if (tau !== 1 && distillWeight.some((w) => w !== 0)) {
    inverseTemperature = new Float32Array(rows * H).fill(1);
    for (let h = 0; h < H; h++) if (distillWeight[h] !== 0) for (let r = P; r < rows; r++) inverseTemperature[r * H + h] = 1 / tau;
  }
  return { rows, heads: H, classes: C, weightedTargets, weightSums, inverseTemperature, entropyTerm, ceHeads, distillWeight };
}

/** Row `offset` of `targets` at temperature tau, t^(1/tau) renormalised, into `out`. Pure. */
export function temperRow(targets: ArrayLike<number>, offset: number, classes: number, tau: number, out: Float64Array): void {
  let z = 0;
  for (let c = 0; c < classes; c++) z += out[c] = tau === 1 ? targets[offset + c] : Math.pow(Math.max(targets[offset + c], 0), 1 / tau);
  for (let c = 0; c < classes; c++) out[c] = z > 0 ? out[c] / z : 0;
}

export interface HeadLosses {
  /** Cross-entropy summed over the heads that take it. */
  ce: number;
  /** Per head, unweighted by nu (with its tau^2); 0 where the head did not distil. */
  distill: number[];
}

/**
 * Splits the per-(row, head) values -sum_c W T log softmax that the fused loss returns into the
 * reported terms: private rows are cross-entropy, public rows distillation plus the constant entropy part.
 */
export function headLosses(plan: LossPlan, privateRows: number, perRowHead: ArrayLike<number>): HeadLosses {
  const H = plan.heads;
  let ce = 0;
  const distill = new Array<number>(H).fill(0);
  for (let r = 0; r < plan.rows; r++) {
    for (let h = 0; h < H; h++) {
      const v = perRowHead[r * H + h];
      if (r < privateRows) ce += v;
      else distill[h] += v;
    }
  }
  return { ce, distill: distill.map((d, h) => (plan.distillWeight[h] === 0 ? 0 : (d + plan.entropyTerm[h]) / plan.distillWeight[h])) };
}
