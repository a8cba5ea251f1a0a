/**
 * Data for the uncertainty views, as plain JSON (the renderer turns them into charts):
 *   predictedVsActual  test targets against the predictive mean with a central interval (error bars);
 *   reliabilityDiagram confidence bins: mean confidence against accuracy, and the ECE (Guo et al. 2017);
 *   coverageCurve      observed share of targets inside the central intervals against the nominal level;
 *   predictiveBand     the predictive mean and bands over one numeric feature's range, extended beyond the data,
 *                      with every other input at its training mean — how uncertainty widens away from the data;
 *   gapRatio           mean epistemic sd inside an input interval over that at the training inputs (Foong et al. 2019,
 *                      "In-Between" Uncertainty in Bayesian Neural Networks); the same for the total predictive sd.
 */
import type { BnnData, BnnTransform } from './data';
import type { BnnModel } from './model';
import type { BnnDraws, ClassificationSummary, RegressionSummary } from './predict';
import { bnnMetrics, coverageAt, predictDraws, regressionInterval, reliability, summarise, takeRows } from './predict';

export interface PredictedVsActualPoint {
  row: number;
  actual: number;
  predicted: number;
  lower: number;
  upper: number;
  sd: number;
}

/** Regression: one point per row with the `level` central interval of the predictive mixture (original units). */
export function predictedVsActual(
  draws: BnnDraws,
  t: BnnTransform,
  yRaw: ArrayLike<number>,
  rows?: ArrayLike<number>,
  level = 0.9,
): { level: number; points: PredictedVsActualPoint[] } {
  if (draws.task !== 'regression' || t.target.kind !== 'numeric')
    throw new Error('predictedVsActual is a regression view; use reliabilityDiagram for classification.');
  const s = summarise(draws, t) as RegressionSummary;
  const { mean: my, std: sy } = t.target;
  const points: PredictedVsActualPoint[] = [];
  for (let i = 0; i < draws.n; i++) {
    const [lo, hi] = regressionInterval(draws, i, level);
    points.push({
      row: rows ? rows[i]! : i,
      actual: yRaw[i]!,
      predicted: s.mean[i]!,
      lower: my + sy * lo,
      upper: my + sy * hi,
      sd: s.sd[i]!,
    });
  }
  return { level, points };
}

/** Classification: reliability bins (equal width on max-probability confidence) and the ECE. */
export function reliabilityDiagram(
  draws: BnnDraws,
  t: BnnTransform,
  yRaw: ArrayLike<number>,
  bins = 15,
): ReturnType<typeof reliability> {
  if (draws.task !== 'classification')
    throw new Error('reliabilityDiagram is a classification view; use coverageCurve for regression.');
  const s = summarise(draws, t) as ClassificationSummary;
  return reliability(
    s.confidence,
    s.predicted.map((p, i) => p === yRaw[i]),
    bins,
  );
}

export const COVERAGE_CURVE_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

/** Observed against nominal coverage (a calibrated model lies on the diagonal). */
export function coverageCurve(
  draws: BnnDraws,
  t: BnnTransform,
  yRaw: ArrayLike<number>,
  levels = COVERAGE_CURVE_LEVELS,
): Array<{ nominal: number; observed: number }> {
  const summary = summarise(draws, t);
  return levels.map((l) => ({ nominal: l, observed: coverageAt(draws, t, yRaw, l, summary) }));
}

/** Column of a numeric feature among the encoded inputs. */
export function inputIndex(t: BnnTransform, feature: string): number {
  let j = 0;
  for (const f of t.features) {
    if (f.name === feature) {
      if (f.kind !== 'numeric')
        throw new Error(
          `The band view needs a numeric feature; ${JSON.stringify(feature)} is ${f.kind === 'onehot' ? 'categorical' : 'binary'}. Choose one of: ${t.features
            .filter((g) => g.kind === 'numeric')
            .map((g) => g.name)
            .join(', ')}.`,
        );
      return j;
    }
    j += f.kind === 'onehot' ? f.levels.length : 1;
  }
  throw new Error(
    `No feature ${JSON.stringify(feature)} in this model; choose one of: ${t.features.map((g) => g.name).join(', ')}.`,
  );
}

export interface PredictiveBand {
  feature: string;
  task: 'regression' | 'classification';
  /** Grid in the feature's original units. */
  x: number[];
  /** Training range of the feature. */
  dataRange: [number, number];
  /** Regression (original units). */
  mean?: number[];
  sd?: number[];
  epistemicSd?: number[];
  lower50?: number[];
  upper50?: number[];
  lower95?: number[];
  upper95?: number[];
  /** Classification: p̄ and its epistemic sd per grid point and class. */
  classes?: string[];
  probs?: number[][];
  probSd?: number[][];
}

/**
 * The predictive over `points` values of `feature` spanning its training range extended by `extend`·range on each
 * side, other inputs held at their training means.
 */
export function predictiveBand(
  model: BnnModel,
  feature: string,
  opts: { points?: number; extend?: number; samples?: number; seed?: number; range?: [number, number] } = {},
): PredictiveBand {
  const t = model.transform;
  const j = inputIndex(t, feature);
  const f = t.features.find((g) => g.name === feature)!;
  if (f.kind !== 'numeric') throw new Error('unreachable');
  const P = opts.points ?? 200;
  const ext = opts.extend ?? 0.5;
  const span = f.max - f.min || 1;
  const [a, b] = opts.range ?? [f.min - ext * span, f.max + ext * span];
  const d = t.inputNames.length;
  const x = new Float64Array(P * d);
  const grid: number[] = [];
  for (let p = 0; p < P; p++) {
    const v = a + ((b - a) * p) / Math.max(1, P - 1);
    grid.push(v);
    for (let k = 0; k < d; k++) x[p * d + k] = t.inputMeans[k]!;
    x[p * d + j] = (v - f.mean) / f.std;
  }
  const draws = predictDraws(model.net, x, P, {
    samples: opts.samples ?? model.spec.predictiveSamples,
    seed: opts.seed ?? model.spec.seed,
  });
  const s = summarise(draws, t);
  const out: PredictiveBand = { feature, task: s.task, x: grid, dataRange: [f.min, f.max] };
  if (s.task === 'regression' && draws.task === 'regression' && t.target.kind === 'numeric') {
    const { mean: my, std: sy } = t.target;
    out.mean = s.mean;
    out.sd = s.sd;
    out.epistemicSd = s.epistemicSd;
    const iv50 = grid.map((_, i) => regressionInterval(draws, i, 0.5));
    const iv95 = grid.map((_, i) => regressionInterval(draws, i, 0.95));
    out.lower50 = iv50.map((v) => my + sy * v[0]);
    out.upper50 = iv50.map((v) => my + sy * v[1]);
    out.lower95 = iv95.map((v) => my + sy * v[0]);
    out.upper95 = iv95.map((v) => my + sy * v[1]);
  } else if (s.task === 'classification') {
    out.classes = s.classes;
    out.probs = s.probs;
    out.probSd = s.probSd;
  }
  return out;
}

/**
 * Mean epistemic sd on a grid inside (lo, hi) of a numeric feature, over the mean epistemic sd at the training rows
 * outside it (other inputs at their means in both, so only that feature varies); `totalRatio` uses the total
 * predictive sd (epistemic + aleatoric) instead.
 */
export function gapRatio(
  model: BnnModel,
  feature: string,
  gap: [number, number],
  trainValues: ArrayLike<number>,
  opts: { samples?: number; seed?: number; points?: number } = {},
): { gapSd: number; dataSd: number; ratio: number; gapTotalSd: number; dataTotalSd: number; totalRatio: number } {
  const t = model.transform;
  const j = inputIndex(t, feature);
  const f = t.features.find((g) => g.name === feature)!;
  if (f.kind !== 'numeric') throw new Error('unreachable');
  const d = t.inputNames.length;
  const P = opts.points ?? 50;
  const inside: number[] = [];
  for (let p = 0; p < P; p++) inside.push(gap[0] + ((gap[1] - gap[0]) * (p + 0.5)) / P);
  const outside = Array.from(trainValues).filter((v) => v <= gap[0] || v >= gap[1]);
  const sdAt = (vals: number[]): { ep: number; total: number } => {
    const x = new Float64Array(vals.length * d);
    vals.forEach((v, p) => {
      for (let k = 0; k < d; k++) x[p * d + k] = t.inputMeans[k]!;
      x[p * d + j] = (v - f.mean) / f.std;
    });
    const draws = predictDraws(model.net, x, vals.length, { samples: opts.samples ?? 200, seed: opts.seed ?? 7 });
    const s = summarise(draws, t);
    if (s.task !== 'regression') throw new Error('gapRatio is defined for regression.');
    const mean = (v: number[]): number => v.reduce((a2, b2) => a2 + b2, 0) / v.length;
    return { ep: mean(s.epistemicSd), total: mean(s.sd) };
  };
  const g = sdAt(inside);
  const o = sdAt(outside);
  return {
    gapSd: g.ep,
    dataSd: o.ep,
    ratio: g.ep / o.ep,
    gapTotalSd: g.total,
    dataTotalSd: o.total,
    totalRatio: g.total / o.total,
  };
}

export interface BnnViews {
  task: 'regression' | 'classification';
  metrics: ReturnType<typeof bnnMetrics>;
  predictedVsActual: ReturnType<typeof predictedVsActual> | null;
  reliability: ReturnType<typeof reliabilityDiagram> | null;
  coverage: Array<{ nominal: number; observed: number }>;
  band: PredictiveBand | null;
}

/**
 * Every view for the rows `rows` of the data (the test split by default) and, when `bandFeature` is given (default:
 * the first numeric feature), the predictive band over it.
 */
export function bnnViews(
  model: BnnModel,
  data: BnnData,
  opts: { rows?: Int32Array; samples?: number; seed?: number; bandFeature?: string | null } = {},
): BnnViews {
  const rows = opts.rows ?? (data.testRows.length ? data.testRows : data.trainRows);
  const x = takeRows(data.x, data.d, rows);
  const yRaw = Float64Array.from(rows, (r) => data.yRaw[r]!);
  const draws = predictDraws(model.net, x, rows.length, {
    samples: opts.samples ?? model.spec.predictiveSamples,
    seed: opts.seed ?? model.spec.seed,
  });
  const t = model.transform;
  const numeric = t.features.find((f) => f.kind === 'numeric');
  const bandFeature = opts.bandFeature === undefined ? (numeric?.name ?? null) : opts.bandFeature;
  return {
    task: draws.task,
    metrics: bnnMetrics(draws, t, yRaw),
    predictedVsActual: draws.task === 'regression' ? predictedVsActual(draws, t, yRaw, rows) : null,
    reliability: draws.task === 'classification' ? reliabilityDiagram(draws, t, yRaw) : null,
    coverage: coverageCurve(draws, t, yRaw),
    band: bandFeature
      ? predictiveBand(model, bandFeature, opts.samples !== undefined ? { samples: opts.samples } : {})
      : null,
  };
}
