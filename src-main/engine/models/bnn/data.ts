/**
 * From a table's feature and target columns to what a BNN trains on, and back.
 *
 *   numeric feature j:      x'_j = (x_j − m_j) / s_j           (m, s on the training rows; s = 1 when constant)
 *   binary feature:         x' ∈ {0, 1}                        (index of the level)
 *   categorical feature:    one-hot over the training levels   (unknown levels at prediction: all zeros)
 *   regression target:      y' = (y − m_y) / s_y               (metrics are reported back in y's units)
 *   classification target:  class index into `classes`
 *
 * The transform is plain JSON, stored with the run and the exported bundle, so new rows are encoded identically.
 * Bad input is rejected before training with a BnnInputError (an AppError 'BAD_REQUEST') that echoes the bad value
 * and names the fix.
 */
import type { ColumnSchema, Preprocessing } from '../../../../src-shared/domain/types';
import { AppError } from '../../../../src-shared/ipc/app-error';
import type { BnnSpec } from '../../../../src-shared/schemas/bnn-spec';
import { fold, key, permutation } from '../../rng';

/** What prepareBnnData reads: DatasetFile satisfies it; `bnnTableFromColumns` builds one in memory. */
export interface BnnTable {
  readonly rows: number;
  readonly schema: ColumnSchema[];
  readonly preprocessing?: Preprocessing;
  /** Numeric values, or level codes of binary / categorical columns. NaN = missing (in-memory tables only). */
  column(name: string): Float32Array;
  /** Labels of every row (levels for binary / categorical columns). */
  strings(name: string): string[];
}

export type BnnTask = 'regression' | 'classification';

export type BnnInputReason =
  | 'no-target'
  | 'target-is-feature'
  | 'no-features'
  | 'unknown-column'
  | 'bad-feature-type'
  | 'too-many-levels'
  | 'missing-target'
  | 'constant-target'
  | 'single-class'
  | 'bad-target-type'
  | 'too-few-rows'
  | 'non-finite'
  | 'unsupported';

/** Bad input, found before training. `reason` lets callers and tests branch; message and hint are for people. */
export class BnnInputError extends AppError {
  constructor(
    readonly reason: BnnInputReason,
    message: string,
    hint: string,
  ) {
    super('BAD_REQUEST', message, hint);
    this.name = 'BnnInputError';
  }
}

export type FeatureTransform =
  | { name: string; kind: 'numeric'; mean: number; std: number; min: number; max: number }
  | { name: string; kind: 'binary'; levels: string[] }
  | { name: string; kind: 'onehot'; levels: string[] };

export type TargetTransform =
  | { name: string; kind: 'numeric'; mean: number; std: number }
  | { name: string; kind: 'categorical'; classes: string[] };

export interface BnnTransform {
  version: 1;
  task: BnnTask;
  target: TargetTransform;
  features: FeatureTransform[];
  /** Names of the encoded inputs, e.g. "bmi", "sex=2". */
  inputNames: string[];
  /** Means of the encoded (standardised) inputs over the training rows: where the band view holds the other features. */
  inputMeans: number[];
}

export interface BnnData {
  task: BnnTask;
  /** Rows and encoded inputs. */
  n: number;
  d: number;
  /** Row-major encoded inputs [n, d] (standardised with the training rows' statistics). */
  x: Float32Array;
  /** Standardised targets (regression) or class indices (classification), [n]. */
  y: Float32Array;
  /** Targets in original units (regression) or class indices, [n]. */
  yRaw: Float64Array;
  classes: string[];
  transform: BnnTransform;
  /** Row indices of the training (incl. validation) and test splits. */
  trainRows: Int32Array;
  testRows: Int32Array;
}

const show = (v: string, max = 40): string => JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
const fmt = (v: number): string => String(Number(v.toPrecision(6)));

/** Which columns and task a spec means for a table; throws BnnInputError for every problem found before training. */
export function resolveBnnColumns(
  table: BnnTable,
  spec: BnnSpec,
): { task: BnnTask; target: ColumnSchema; features: ColumnSchema[] } {
  const byName = new Map(table.schema.map((c) => [c.name, c]));
  const names = table.schema.map((c) => c.name).join(', ');
  const target = byName.get(spec.target);
  if (!target) {
    throw new BnnInputError(
      'no-target',
      `The table has no target column ${show(spec.target)}`,
      `Choose one of: ${names}.`,
    );
  }
  if (spec.features.includes(spec.target)) {
    throw new BnnInputError(
      'target-is-feature',
      `The features include the target column ${show(spec.target)}: the network would read the answer from its input`,
      `Remove ${show(spec.target)} from the features, or choose another target.`,
    );
  }
  const featureNames =
    spec.features.length > 0
      ? spec.features
      : table.schema.filter((c) => c.role === 'feature' && c.name !== spec.target).map((c) => c.name);
  if (featureNames.length === 0) {
    throw new BnnInputError(
      'no-features',
      `No feature columns besides the target ${show(spec.target)}`,
      `Choose at least one feature column (have: ${names}).`,
    );
  }
  const features: ColumnSchema[] = [];
  for (const f of featureNames) {
    const c = byName.get(f);
    if (!c)
      throw new BnnInputError(
        'unknown-column',
        `The table has no feature column ${show(f)}`,
        `Choose among: ${names}.`,
      );
    if (c.type === 'text' || c.type === 'identifier') {
      throw new BnnInputError(
        c.type === 'identifier' ? 'too-many-levels' : 'bad-feature-type',
        `Feature ${show(f)} is a ${c.type} column${c.type === 'identifier' ? ' (almost every value is different: thousands of levels)' : ''}, which a network cannot take as input`,
        `Remove ${show(f)} from the features, or import it again as numeric or categorical.`,
      );
    }
    if (c.type === 'categorical' && (c.levels?.length ?? 0) > spec.maxLevels) {
      const k = c.levels?.length ?? 0;
      throw new BnnInputError(
        'too-many-levels',
        `Feature ${show(f)} has ${k.toLocaleString('en')} categories (limit ${spec.maxLevels}): one-hot encoding would add ${k.toLocaleString('en')} inputs`,
        `Remove ${show(f)} from the features, group its rare levels into "other", or raise maxLevels to ≥ ${k}.`,
      );
    }
    features.push(c);
  }
  let task: BnnTask;
  if (spec.task === 'auto') task = target.type === 'numeric' ? 'regression' : 'classification';
  else task = spec.task;
  if (target.type === 'text' || target.type === 'identifier') {
    throw new BnnInputError(
      'bad-target-type',
      `Target ${show(target.name)} is a ${target.type} column`,
      'Choose a numeric target (regression) or a categorical / binary label (classification).',
    );
  }
  if (task === 'regression' && target.type !== 'numeric' && target.type !== 'binary') {
    throw new BnnInputError(
      'bad-target-type',
      `Target ${show(target.name)} is ${target.type}, not numeric, so it cannot be a regression target`,
      'Choose task classification, or a numeric target.',
    );
  }
  if (table.preprocessing?.missing === 'impute' && target.missing > 0) {
    throw new BnnInputError(
      'missing-target',
      `Target ${show(target.name)} has ${target.missing} missing values (imputed at import, so the network would learn made-up targets)`,
      'Import the dataset again with missing values dropped, or fill in the target.',
    );
  }
  if (table.rows < 10) {
    throw new BnnInputError(
      'too-few-rows',
      `The table has ${table.rows} rows; a BNN needs at least 10`,
      'Use a larger dataset.',
    );
  }
  return { task, target, features };
}

/** A seeded train/test split: test rows = the first ⌈f·n⌉ of permutation(fold(key(seed), splitIndex)). */
export function splitRows(
  n: number,
  testFraction: number,
  seed: number,
  splitIndex = 0,
): { trainRows: Int32Array; testRows: Int32Array } {
  const nTest = testFraction > 0 ? Math.max(1, Math.round(n * testFraction)) : 0;
  const perm = permutation(fold(key(seed), 0x5117 + splitIndex), n);
  const testRows = Int32Array.from(perm.subarray(0, nTest)).sort();
  const trainRows = Int32Array.from(perm.subarray(nTest)).sort();
  return { trainRows, testRows };
}

function meanStd(
  v: ArrayLike<number>,
  rows: ArrayLike<number>,
): { mean: number; std: number; min: number; max: number } {
  let m = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const x = v[rows[i]!]!;
    m += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  m /= Math.max(1, rows.length);
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += (v[rows[i]!]! - m) ** 2;
  return { mean: m, std: Math.sqrt(s / Math.max(1, rows.length)), min, max };
}

/**
 * Validate, split (seeded, `splitIndex` selects one of the protocol's random splits) and encode a table for a BNN.
 * Statistics of the standardisation come from the training rows only.
 */
export function prepareBnnData(
  table: BnnTable,
  spec: BnnSpec,
  opts: { splitIndex?: number; trainRows?: Int32Array; testRows?: Int32Array } = {},
): BnnData {
  const { task, target, features } = resolveBnnColumns(table, spec);
  const n = table.rows;
  // Target
  let yRaw: Float64Array;
  let classes: string[] = [];
  const rawTarget = table.column(target.name);
  let missing = 0;
  let firstMissing = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(rawTarget[i]!)) {
      missing++;
      if (firstMissing < 0) firstMissing = i;
    }
  }
  if (missing > 0) {
    throw new BnnInputError(
      'missing-target',
      `Target ${show(target.name)} has ${missing} missing values (first in row ${firstMissing + 1})`,
      'Drop the rows without a target (import with missing = drop), or fill them in.',
    );
  }
  if (task === 'classification') {
    const labels = target.levels ?? [];
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) counts.set(rawTarget[i]!, (counts.get(rawTarget[i]!) ?? 0) + 1);
    if (counts.size < 2) {
      const only = labels[rawTarget[0]!] ?? fmt(rawTarget[0]!);
      throw new BnnInputError(
        'single-class',
        `Label ${show(target.name)} has a single class (${show(only)} in all ${n} rows); a classifier needs at least 2 classes`,
        'Choose another label column, or add rows of the other classes.',
      );
    }
    if (target.type === 'numeric') {
      // A numeric label read as classes: classes are its distinct values.
      const values = [...counts.keys()].sort((a, b) => a - b);
      classes = values.map(fmt);
      const idx = new Map(values.map((v, i) => [v, i]));
      yRaw = Float64Array.from(rawTarget, (v) => idx.get(v)!);
    } else {
      classes = labels.length ? labels.slice() : [...counts.keys()].sort((a, b) => a - b).map(fmt);
      yRaw = Float64Array.from(rawTarget);
    }
  } else {
    yRaw = Float64Array.from(rawTarget);
    let min = Infinity;
    let max = -Infinity;
    for (const v of yRaw) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!(max - min > 1e-12 * Math.max(1, Math.abs(max)))) {
      throw new BnnInputError(
        'constant-target',
        `Target ${show(target.name)} is constant (${fmt(min)} in all ${n} rows): there is nothing to predict`,
        'Choose another target column.',
      );
    }
  }

  const split =
    opts.trainRows && opts.testRows
      ? { trainRows: opts.trainRows, testRows: opts.testRows }
      : splitRows(n, spec.testFraction, spec.seed, opts.splitIndex ?? 0);
  const { trainRows, testRows } = split;
  if (trainRows.length < 2)
    throw new BnnInputError(
      'too-few-rows',
      `Only ${trainRows.length} training rows remain after the test split`,
      'Lower testFraction or use more rows.',
    );

  // Features
  const ft: FeatureTransform[] = [];
  const cols: Float64Array[] = [];
  const inputNames: string[] = [];
  for (const c of features) {
    if (c.type === 'numeric') {
      const v = table.column(c.name);
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(v[i]!)) {
          throw new BnnInputError(
            'non-finite',
            `Feature ${show(c.name)} has a missing or non-finite value (${v[i]}) in row ${i + 1}`,
            'Import with missing values dropped or imputed.',
          );
        }
      }
      const st = meanStd(v, trainRows);
      const std = st.std > 1e-12 ? st.std : 1;
      ft.push({ name: c.name, kind: 'numeric', mean: st.mean, std, min: st.min, max: st.max });
      cols.push(Float64Array.from(v, (x) => (x - st.mean) / std));
      inputNames.push(c.name);
    } else {
      const levels = (c.levels ?? []).slice();
      const codes = table.column(c.name);
      if (c.type === 'binary' && levels.length <= 2) {
        ft.push({ name: c.name, kind: 'binary', levels });
        cols.push(Float64Array.from(codes, (x) => (x === 1 ? 1 : 0)));
        inputNames.push(c.name);
      } else {
        ft.push({ name: c.name, kind: 'onehot', levels });
        levels.forEach((l, k) => {
          cols.push(Float64Array.from(codes, (x) => (x === k ? 1 : 0)));
          inputNames.push(`${c.name}=${l}`);
        });
      }
    }
  }
  const d = cols.length;
  const x = new Float32Array(n * d);
  for (let j = 0; j < d; j++) {
    const col = cols[j]!;
    for (let i = 0; i < n; i++) x[i * d + j] = col[i]!;
  }
  const inputMeans = cols.map((col) => {
    let s = 0;
    for (const r of trainRows) s += col[r]!;
    return s / trainRows.length;
  });
  let tt: TargetTransform;
  const y = new Float32Array(n);
  if (task === 'regression') {
    const st = meanStd(yRaw, trainRows);
    if (!(st.std > 0)) {
      throw new BnnInputError(
        'constant-target',
        `Target ${show(target.name)} is constant (${fmt(st.mean)}) on the training rows`,
        'Choose another target column or split.',
      );
    }
    tt = { name: target.name, kind: 'numeric', mean: st.mean, std: st.std };
    for (let i = 0; i < n; i++) y[i] = (yRaw[i]! - st.mean) / st.std;
  } else {
    tt = { name: target.name, kind: 'categorical', classes };
    for (let i = 0; i < n; i++) y[i] = yRaw[i]!;
  }
  return {
    task,
    n,
    d,
    x,
    y,
    yRaw,
    classes,
    transform: { version: 1, task, target: tt, features: ft, inputNames, inputMeans },
    trainRows,
    testRows,
  };
}

/**
 * Encode rows of a (new) table with a stored transform. Categorical values are matched by label; a level unseen in
 * training becomes all zeros and is counted. The target is encoded when the table has it (else null).
 */
export function encodeWithTransform(
  table: BnnTable,
  t: BnnTransform,
): { x: Float32Array; n: number; d: number; yRaw: Float64Array | null; unknownLevels: Record<string, number> } {
  const n = table.rows;
  const d = t.inputNames.length;
  const x = new Float32Array(n * d);
  const have = new Set(table.schema.map((c) => c.name));
  const unknownLevels: Record<string, number> = {};
  let j = 0;
  for (const f of t.features) {
    if (!have.has(f.name)) {
      throw new BnnInputError(
        'unknown-column',
        `The new table has no column ${show(f.name)}, which the model was trained on`,
        `Provide every training feature: ${t.features.map((g) => g.name).join(', ')}.`,
      );
    }
    if (f.kind === 'numeric') {
      const v = table.column(f.name);
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(v[i]!))
          throw new BnnInputError(
            'non-finite',
            `Feature ${show(f.name)} has a missing value in row ${i + 1}`,
            'Fill it in or drop the row.',
          );
        x[i * d + j] = (v[i]! - f.mean) / f.std;
      }
      j += 1;
    } else {
      const s = table.strings(f.name);
      const idx = new Map(f.levels.map((l, k) => [l, k]));
      for (let i = 0; i < n; i++) {
        const k = idx.get(s[i]!.trim());
        if (k === undefined) unknownLevels[f.name] = (unknownLevels[f.name] ?? 0) + 1;
        if (f.kind === 'binary') x[i * d + j] = k === 1 ? 1 : 0;
        else if (k !== undefined) x[i * d + j + k] = 1;
      }
      j += f.kind === 'binary' ? 1 : f.levels.length;
    }
  }
  let yRaw: Float64Array | null = null;
  if (have.has(t.target.name)) {
    const tg = t.target;
    if (tg.kind === 'numeric') {
      yRaw = Float64Array.from(table.column(tg.name));
    } else {
      const s = table.strings(tg.name);
      const idx = new Map(tg.classes.map((l, k) => [l, k]));
      yRaw = Float64Array.from(s, (v) => idx.get(v.trim()) ?? Number.NaN);
    }
  }
  return { x, n, d, yRaw, unknownLevels };
}

/**
 * An in-memory BnnTable: number arrays become numeric columns (NaN = missing), string arrays categorical columns
 * (binary when they hold two levels). Every column has role feature. For tests, the CLI and new rows to predict.
 */
export function bnnTableFromColumns(columns: Record<string, ArrayLike<number> | string[]>): BnnTable {
  const names = Object.keys(columns);
  if (names.length === 0) throw new Error('Expected at least one column');
  const rows = columns[names[0]!]!.length;
  const schema: ColumnSchema[] = [];
  const values = new Map<string, Float32Array>();
  const labels = new Map<string, string[]>();
  for (const name of names) {
    const col = columns[name]!;
    if (col.length !== rows) throw new Error(`Column ${show(name)} has ${col.length} values, expected ${rows}`);
    if (Array.isArray(col) && typeof col[0] === 'string') {
      const s = (col as string[]).map((v) => v.trim());
      const levels = [...new Set(s)].sort();
      const idx = new Map(levels.map((l, k) => [l, k]));
      values.set(
        name,
        Float32Array.from(s, (v) => idx.get(v)!),
      );
      labels.set(name, s);
      schema.push({ name, type: levels.length === 2 ? 'binary' : 'categorical', role: 'feature', missing: 0, levels });
    } else {
      const v = Float32Array.from(col as ArrayLike<number>);
      let missing = 0;
      for (const x of v) if (!Number.isFinite(x)) missing++;
      values.set(name, v);
      schema.push({ name, type: 'numeric', role: 'feature', missing });
    }
  }
  return {
    rows,
    schema,
    column(name: string): Float32Array {
      const v = values.get(name);
      if (!v) throw new Error(`No column ${show(name)}`);
      return v;
    },
    strings(name: string): string[] {
      const l = labels.get(name);
      if (l) return l;
      return Array.from(this.column(name), (v) => String(v));
    },
  };
}
