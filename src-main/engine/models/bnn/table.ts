/**
 * The prediction table of a fitted BNN on new rows: the inputs as given, the actual target when the table has it,
 * the predictive mean, sd (total and epistemic) and 90 / 95 % intervals (regression) or class probabilities with their
 * sd (classification), with RMSE and interval coverage, or accuracy, over the rows that have a target.
 */
import { AppError } from '../../../../src-shared/ipc/app-error';
import { BnnInputError, encodeWithTransform, type BnnTable } from './data';
import type { BnnModel } from './model';
import { predictDraws, regressionInterval, summarise } from './predict';

/**
 * Predictions with uncertainty for every row of a table, as a result table (the inputs as given, the actual target
 * when present, mean / sd / intervals or class probabilities) with metrics when the target is there. Shared by
 * bnn:predict (a run's model) and models:score (an imported bundle), so both give the same table. Intervals are
 * quantiles of the predictive mixture (regressionInterval), mapped to the target's units by its mean and sd.
 */
export function bnnPredictionTable(
  model: BnnModel,
  table: BnnTable,
  sourceName: string,
): {
  task: 'regression' | 'classification';
  target: string;
  rows: number;
  columns: string[];
  table: Array<Array<number | string | null>>;
  metrics: Record<string, number> | null;
  unknownLevels: Record<string, number>;
  warnings: string[];
} {
  const t = model.transform;
  let enc: ReturnType<typeof encodeWithTransform>;
  try {
    enc = encodeWithTransform(table, t);
  } catch (e) {
    if (e instanceof BnnInputError) throw new AppError('BAD_REQUEST', `${e.message} (in "${sourceName}")`, e.hint);
    throw e;
  }
  const draws = predictDraws(model.net, enc.x, enc.n, { samples: model.spec.predictiveSamples, seed: model.spec.seed });
  const summary = summarise(draws, t);
  const y = enc.yRaw;
  const hasY = y !== null && Array.from(y).some(Number.isFinite);
  const warnings: string[] = [];
  for (const [col, count] of Object.entries(enc.unknownLevels)) {
    warnings.push(
      `${count} row${count === 1 ? '' : 's'} of "${col}" hold a category not seen in training (encoded as none of the known ones)`,
    );
  }
  let columns: string[];
  const rows: Array<Array<number | string | null>> = [];
  // The inputs as given (numeric values, category labels), so each prediction reads next to its row.
  const inputs = t.features.map((f) =>
    f.kind === 'numeric' ? Array.from(table.column(f.name)) : table.strings(f.name),
  );
  const inputNames = t.features.map((f) => f.name);
  const inputsOf = (i: number): Array<number | string> => inputs.map((col) => col[i]!);
  let metrics: Record<string, number> | null = null;
  if (summary.task === 'regression' && draws.task === 'regression' && t.target.kind === 'numeric') {
    const { mean: my, std: sy } = t.target;
    columns = [
      'row',
      ...inputNames,
      ...(hasY ? [`${t.target.name} (actual)`] : []),
      'mean',
      'sd',
      'epistemic_sd',
      'lower_90',
      'upper_90',
      'lower_95',
      'upper_95',
    ];
    let se = 0;
    let nY = 0;
    let in90 = 0;
    let in95 = 0;
    for (let i = 0; i < enc.n; i++) {
      const [a90, b90] = regressionInterval(draws, i, 0.9);
      const [a95, b95] = regressionInterval(draws, i, 0.95);
      const iv = [my + sy * a90, my + sy * b90, my + sy * a95, my + sy * b95];
      const yi = hasY ? y![i]! : Number.NaN;
      if (hasY && Number.isFinite(yi)) {
        se += (yi - summary.mean[i]!) ** 2;
        nY++;
        if (yi >= iv[0]! && yi <= iv[1]!) in90++;
        if (yi >= iv[2]! && yi <= iv[3]!) in95++;
      }
      rows.push([
        i + 1,
        ...inputsOf(i),
        ...(hasY ? [Number.isFinite(yi) ? yi : null] : []),
        summary.mean[i]!,
        summary.sd[i]!,
        summary.epistemicSd[i]!,
        ...iv,
      ]);
    }
    if (nY > 0) metrics = { rows: nY, rmse: Math.sqrt(se / nY), coverage90: in90 / nY, coverage95: in95 / nY };
  } else if (summary.task === 'classification') {
    const classes = summary.classes;
    columns = [
      'row',
      ...inputNames,
      ...(hasY ? [`${t.target.name} (actual)`] : []),
      'predicted',
      'confidence',
      ...classes.map((c) => `p(${c})`),
      ...classes.map((c) => `sd p(${c})`),
    ];
    let correct = 0;
    let nY = 0;
    for (let i = 0; i < enc.n; i++) {
      const yi = hasY ? y![i]! : Number.NaN;
      if (hasY && Number.isFinite(yi)) {
        nY++;
        if (summary.predicted[i] === yi) correct++;
      }
      rows.push([
        i + 1,
        ...inputsOf(i),
        ...(hasY ? [Number.isFinite(yi) ? (classes[yi] ?? null) : null] : []),
        classes[summary.predicted[i]!] ?? null,
        summary.confidence[i]!,
        ...summary.probs[i]!,
        ...summary.probSd[i]!,
      ]);
    }
    if (nY > 0) metrics = { rows: nY, accuracy: correct / nY };
  } else {
    throw new AppError('INTERNAL', 'The model and its predictions disagree about the task', 'Fit the model again.');
  }
  return {
    task: summary.task,
    target: t.target.name,
    rows: enc.n,
    columns,
    table: rows,
    metrics,
    unknownLevels: enc.unknownLevels,
    warnings,
  };
}
