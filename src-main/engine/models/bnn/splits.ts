/**
 * The repeated-split protocol of Hernández-Lobato & Adams (2015): `spec.splits` random train/test splits
 * (test share `spec.testFraction`, split i = permutation(fold(key(seed), i))), standardisation fitted on each training
 * split, one fit per split (seed + i), and mean ± standard error over splits of every test metric. Used by the
 * benchmark and meant for the CLI (`fit --model bnn --splits 20`) and the worker. The same seed gives every family
 * the same splits, so families compare side by side.
 */
import type { BnnSpec } from '../../../../src-shared/schemas/bnn-spec';
import type { BnnData, BnnTable } from './data';
import { prepareBnnData } from './data';
import type { BnnModel } from './model';
import { disposeNet } from './model';
import type { BnnMetrics } from './predict';
import type { BnnCallbacks, BnnTrainResult } from './train';
import { trainBnn } from './train';

import { meanSe, type MeanSe } from '../../../../src-shared/stats/mean-se';

export interface BnnSplitsResult {
  splits: number;
  /** Test metrics of each split. */
  perSplit: BnnMetrics[];
  /** Mean ± standard error over splits of every numeric test metric (rmse, logLik, accuracy, ece, coverage90 …). */
  summary: Record<string, MeanSe>;
  secondsPerSplit: number;
  /** The first split's fitted model and data (for views and export); the caller disposes it with disposeNet. */
  first: { model: BnnModel; data: BnnData; result: BnnTrainResult };
}

/** Fit `spec.splits` splits; `onSplit` after each (e.g. progress lines), callbacks forwarded to every fit. */
export async function fitBnnSplits(
  table: BnnTable,
  spec: BnnSpec,
  opts: {
    callbacks?: (split: number) => BnnCallbacks;
    onSplit?: (split: number, metrics: BnnMetrics, seconds: number) => void;
  } = {},
): Promise<BnnSplitsResult> {
  if (!(spec.testFraction > 0))
    throw new Error(`The split protocol needs a test share, got testFraction ${spec.testFraction}; use e.g. 0.1.`);
  const perSplit: BnnMetrics[] = [];
  let seconds = 0;
  let first: BnnSplitsResult['first'] | null = null;
  try {
    for (let s = 0; s < spec.splits; s++) {
      const data = prepareBnnData(table, spec, { splitIndex: s });
      const result = await trainBnn(data, { ...spec, seed: spec.seed + s }, opts.callbacks?.(s) ?? {});
      seconds += result.seconds;
      if (!result.test) throw new Error('unreachable: a test split was requested');
      perSplit.push(result.test);
      opts.onSplit?.(s, result.test, result.seconds);
      if (s === 0) first = { model: result.model, data, result };
      else disposeNet(result.model.net);
      if (result.stopped) break;
    }
  } catch (e) {
    if (first) disposeNet(first.model.net);
    throw e;
  }
  const summary: Record<string, MeanSe> = {};
  const keys = Object.keys(perSplit[0]!).filter(
    (k) => typeof (perSplit[0] as unknown as Record<string, unknown>)[k] === 'number' && k !== 'n',
  );
  for (const k of keys) summary[k] = meanSe(perSplit.map((m) => (m as unknown as Record<string, number>)[k]!));
  return { splits: perSplit.length, perSplit, summary, secondsPerSplit: seconds / perSplit.length, first: first! };
}
