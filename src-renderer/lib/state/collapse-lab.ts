/**
 * The posterior-collapse lab (src-shared/domain/collapse-lab.ts) from the renderer: start its four runs on the digits
 * dataset, and read each run's outcome from its summary and artifacts for the lab page.
 */
import type { RunSummary } from '../../../src-shared/domain/types';
import type { KlTraceArtifact } from '../../../src-shared/domain/artifacts';
import type { VaeEvaluation } from '../../../src-shared/domain/vae';
import { LAB_RUNS, type LabOutcome, type LabRun } from '../../../src-shared/domain/collapse-lab';
import { api } from '../api';
import { runSpecSchema } from '../../../src-shared/schemas/run-spec';

/** Queue the lab's runs (in LAB_RUNS order) on a digits dataset; their ids in the same order. */
export async function startCollapseLab(projectId: number, datasetId: number): Promise<number[]> {
  const ids: number[] = [];
  for (const run of LAB_RUNS) {
    const r = await api.invoke('runs:start', {
      projectId,
      datasetId,
      spec: runSpecSchema.parse(run.spec),
      name: run.name,
    });
    ids.push(r.id);
  }
  return ids;
}

/** Which lab arm a run is, by its spec (decoder window, free bits, annealing), or null for a run outside the lab. */
export function labRunOf(s: RunSummary): LabRun | null {
  const spec = s.spec;
  if (spec.model !== 'vae' || spec.decoder.kind !== 'autoregressive') return null;
  if (spec.decoder.window !== undefined) return LAB_RUNS.find((r) => r.arm === 'window') ?? null;
  if (spec.training.freeBits > 0) return LAB_RUNS.find((r) => r.arm === 'freebits') ?? null;
  if (spec.training.anneal.kind !== 'none') return LAB_RUNS.find((r) => r.arm === 'anneal') ?? null;
  return LAB_RUNS.find((r) => r.arm === 'collapse') ?? null;
}

/** A finished run's outcome from its KL trace (last epoch) and evaluation; null until both exist. */
export function labOutcome(trace: KlTraceArtifact | null, ev: VaeEvaluation | null): LabOutcome | null {
  if (!trace || !ev || trace.klPerDim.length === 0) return null;
  return {
    klPerDim: trace.klPerDim[trace.klPerDim.length - 1]!,
    klHistory: trace.klPerDim.map((row) => row.reduce((a, b) => a + b, 0)),
    activeUnits: ev.activeUnits.count,
    totalUnits: ev.activeUnits.total,
    logLik: ev.stopped ? null : ev.logLikelihood.mean,
    logLikSe: ev.stopped ? null : ev.logLikelihood.se,
    collapsed: ev.collapse.collapsed,
  };
}
