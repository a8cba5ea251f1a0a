/**
 * VAE workbench helpers for the renderer: a reader for the evaluation artifact (typed once in src-shared) and the
 * "mean-field vs flow" matched pair.
 */
import type { RunSummary } from '../../../src-shared/domain/types';
import type { VaeEvaluation } from '../../../src-shared/domain/vae';
import { vaeSpecFields, type VaeSpec } from '../../../src-shared/schemas/run-spec';
import { api } from '../api';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function asEvaluation(v: unknown): VaeEvaluation | null {
  if (
    !isObj(v) ||
    typeof v.elbo !== 'number' ||
    !Array.isArray(v.klPerDim) ||
    !isObj(v.logLikelihood) ||
    !isObj(v.activeUnits) ||
    !isObj(v.collapse)
  )
    return null;
  if (isObj(v.perRow) && Array.isArray(v.rowIds) && isObj(v.gap)) return v as unknown as VaeEvaluation;
  // Stored before per-row values and standard errors existed: shown without SEs (NaN), k̂ or row-level comparisons.
  const old = v as unknown as Omit<VaeEvaluation, 'collapse'> & {
    collapse: { collapsed: boolean; total: number; message: string | null };
  };
  const threshold = old.activeUnits.threshold;
  return {
    ...old,
    rowIds: [],
    elboSe: Number.NaN,
    logLikelihood: { ...old.logLikelihood, se: Number.NaN },
    gap: { mean: old.logLikelihood.mean - old.elbo, se: Number.NaN },
    khat: null,
    perRow: { elbo: [], logLik: [], khat: [] },
    collapse: {
      ...old.collapse,
      inactiveDims: old.activeUnits.activity.flatMap((a, d) => (a > threshold ? [] : [d])),
      negligibleKlDims: old.klPerDim.flatMap((k, d) => (k < 0.01 ? [d] : [])),
    },
  };
}

/** Short family label: "meanfield", "planar:8", "iaf:4", "lowrank:2". */
export function familyLabel(spec: VaeSpec): string {
  const f = spec.family;
  return 'length' in f ? `${f.kind}:${f.length}` : f.kind === 'lowrank' ? `lowrank:${f.rank}` : f.kind;
}

export type FlowChoice = 'planar' | 'iaf' | 'radial' | 'coupling';

/** The flow side of a matched pair: planar of length 8, IAF/coupling of length 4, radial of length 8. */
export function flowFamily(kind: FlowChoice): VaeSpec['family'] {
  if (kind === 'iaf' || kind === 'coupling') return { kind, length: 4, hidden: 64 };
  return { kind, length: 8 };
}

/**
 * Starts two runs that differ only in the posterior family (same data, split, architecture, objective and seed):
 * mean-field and the chosen flow. Returns their ids, mean-field first.
 */
export async function startMatchedPair(
  projectId: number,
  datasetId: number,
  spec: VaeSpec,
  flow: FlowChoice,
  name = '',
): Promise<[RunSummary, RunSummary]> {
  // Gaussian latents: the categorical-only settings go back to their defaults (the spec refuses them otherwise).
  const base = vaeSpecFields.parse({ ...spec, latentType: 'gaussian', categories: undefined, temperature: undefined });
  const mf: VaeSpec = { ...base, family: { kind: 'meanfield' } };
  const fl: VaeSpec = { ...base, family: flowFamily(flow) };
  const prefix = name.trim() ? `${name.trim()} · ` : '';
  const a = await api.invoke('runs:start', { projectId, datasetId, spec: mf, name: `${prefix}mean-field (pair)` });
  const b = await api.invoke('runs:start', {
    projectId,
    datasetId,
    spec: fl,
    name: `${prefix}${familyLabel(fl)} (pair)`,
  });
  return [a, b];
}

/** The VAE form's options beyond the basic fields (family and objective parameters, training aids, evaluation). */
export interface VaeExtra {
  rank: number;
  flowLength: number;
  flowHidden: number;
  iwaeK: number;
  renyiAlpha: number;
  estimator: 'reparam' | 'score';
  kl: 'auto' | 'analytic' | 'mc';
  beta: number;
  annealKind: 'none' | 'linear' | 'cyclical';
  annealEpochs: number;
  annealRatio: number;
  freeBits: number;
  gaussianVariance: 'learned' | 'fixed';
  noiseVariance: number;
  latentType: 'gaussian' | 'categorical';
  categories: number;
  tempInitial: number;
  tempMin: number;
  tempRate: number;
  patience: number;
  /** End the run once the smoothed bound has converged (training.convergence.stopWhenConverged). */
  stopWhenConverged: boolean;
  /** Gradient threads (data-parallel shards of each minibatch). */
  threads: number;
  evalK: number;
  evalRows: number;
  amortisationGap: boolean;
  gapRows: number;
  gapSteps: number;
}

/**
 * One gradient thread by default: on this project's 2-core reference machine, splitting the canonical VAE's batch of
 * 128 over two threads measured 41.7 against 39.4 ms per step (the weight packing and the optimiser step do not
 * shrink with the shard, and the replicas add copies). Larger batches and more cores are where more threads pay.
 */
export function defaultThreads(): number {
  return 1;
}

export function defaultVaeExtra(): VaeExtra {
  return {
    rank: 2,
    flowLength: 8,
    flowHidden: 64,
    iwaeK: 5,
    renyiAlpha: 0.5,
    estimator: 'reparam',
    kl: 'auto',
    beta: 1,
    annealKind: 'none',
    annealEpochs: 5,
    annealRatio: 0.5,
    freeBits: 0,
    gaussianVariance: 'learned',
    noiseVariance: 1,
    latentType: 'gaussian',
    categories: 10,
    tempInitial: 1,
    tempMin: 0.5,
    tempRate: 3e-4,
    patience: 0,
    stopWhenConverged: false,
    threads: defaultThreads(),
    evalK: 1000,
    evalRows: 2000,
    amortisationGap: false,
    gapRows: 64,
    gapSteps: 100,
  };
}

type FamilyKind = VaeSpec['family']['kind'];
type ObjectiveKind = VaeSpec['objective']['kind'];

/** The family field of the spec input for a family kind and the form's parameters. */
export function familyInput(kind: FamilyKind, x: VaeExtra): Record<string, unknown> {
  if (kind === 'lowrank') return { kind, rank: x.rank };
  if (kind === 'planar' || kind === 'radial') return { kind, length: x.flowLength };
  if (kind === 'iaf' || kind === 'coupling') return { kind, length: x.flowLength, hidden: x.flowHidden };
  return { kind };
}

export function objectiveInput(kind: ObjectiveKind, samples: number | undefined, x: VaeExtra): Record<string, unknown> {
  if (kind === 'iwae') return { kind, k: x.iwaeK };
  if (kind === 'renyi') return { kind, alpha: x.renyiAlpha, k: x.iwaeK };
  return { kind, samples };
}

/** training.anneal from the form's annealing fields. */
export function annealInput(x: VaeExtra): Record<string, unknown> {
  if (x.annealKind === 'linear') return { kind: 'linear', epochs: x.annealEpochs };
  if (x.annealKind === 'cyclical') return { kind: 'cyclical', epochs: x.annealEpochs, ratio: x.annealRatio };
  return { kind: 'none' };
}

/**
 * Every other spec field from the form's extras. Fields that apply only with another choice (categories and
 * temperature with categorical latents, the noise variance when it is fixed, the gap's rows and steps when the gap is
 * measured) are left out otherwise, as the spec refuses a setting the run would not use.
 */
export function extraInput(x: VaeExtra): Record<string, unknown> {
  const categorical = x.latentType === 'categorical';
  return {
    training: {
      beta: x.beta,
      anneal: annealInput(x),
      freeBits: x.freeBits,
      estimator: x.estimator,
      kl: x.kl,
      convergence: { stopWhenConverged: x.stopWhenConverged },
    },
    gaussianVariance: x.gaussianVariance,
    ...(x.gaussianVariance === 'fixed' ? { noiseVariance: x.noiseVariance } : {}),
    latentType: x.latentType,
    ...(categorical
      ? { categories: x.categories, temperature: { initial: x.tempInitial, min: x.tempMin, rate: x.tempRate } }
      : {}),
    patience: x.patience,
    threads: x.threads,
    evaluation: {
      k: x.evalK,
      rows: x.evalRows,
      amortisationGap: x.amortisationGap,
      ...(x.amortisationGap ? { gapRows: x.gapRows, gapSteps: x.gapSteps } : {}),
    },
  };
}
