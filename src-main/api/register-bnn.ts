/**
 * BNN channels (issue 6): the uses of a fitted Bayesian neural network, all computed from the bundle the worker stored
 * in `<runPath>/bnn-bundle` (the first split's model):
 *
 *   bnn:band     the predictive over one numeric feature with the other inputs at their training means — mean, total
 *                and epistemic sd, 95 % interval — plus the training points and each grid point's distance to the
 *                nearest training value, so the UI can shade where the data are and show uncertainty widening away;
 *   bnn:predict  predictions with sd and intervals for every row of a new CSV (uploaded file or a dataset), with a
 *                clear error naming the missing columns;
 *   bnn:bundle   the bundle's files (JSON as text, weights.bin as base64) for the UI to save one by one.
 *
 * Loaded models are kept for the last few runs and their tfjs variables disposed on eviction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { BnnBand, BnnBundleFile, BnnPredictResult } from '../../src-shared/domain/bnn';
import type { ColumnSchema } from '../../src-shared/domain/types';
import { DatasetFile } from '../data-import';
import { readRecords } from '../data-import/records';
import { readHead, sniffDelimiter, HEAD_BYTES } from '../data-import/sniff';
import { initBackend } from '../engine/backend';
import {
  BnnInputError,
  bnnTableFromColumns,
  disposeNet,
  encodeWithTransform,
  loadBnnBundle,
  predictDraws,
  predictiveBand,
  regressionInterval,
  summarise,
  type BnnManifest,
  type BnnModel,
  type BnnTable,
  type BnnTransform,
} from '../engine/models/bnn';
import type { Services } from './services';

type BnnChannels = 'bnn:band' | 'bnn:predict' | 'bnn:bundle';

const CACHE_SIZE = 4;
const MAX_POINTS = 3000;
const PREVIEW_ROWS = 500;
const MAX_PREDICT_ROWS = 200_000;

interface Loaded {
  model: BnnModel;
  manifest: BnnManifest;
  dir: string;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
}

/** One CSV cell: quoted when needed; a leading = + - @ tab or CR is prefixed with ' so spreadsheets do not run it. */
export function csvCell(v: number | string | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: string[], rows: Array<Array<number | string | null>>): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(r.map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** A new CSV file as a BnnTable holding the columns a model needs (numeric ones parsed, categorical ones as labels). */
export async function tableFromCsv(filePath: string, sourceName: string, t: BnnTransform): Promise<{ table: BnnTable; headers: string[] }> {
  const head = await readHead(filePath, sourceName);
  const delimiter = sniffDelimiter(head.text, head.size <= HEAD_BYTES);
  let headers: string[] | null = null;
  const wanted: Array<{ name: string; numeric: boolean; index: number }> = [];
  const cols: Array<number[] | string[]> = [];
  let rows = 0;
  for await (const rec of readRecords(filePath, { delimiter, sourceName, lines: false })) {
    if (headers === null) {
      headers = rec.fields.map((h) => h.trim());
      const missing = t.features.filter((f) => !headers!.includes(f.name)).map((f) => f.name);
      if (missing.length > 0) throw missingColumns(sourceName, missing, t, headers);
      const specs = [...t.features.map((f) => ({ name: f.name, numeric: f.kind === 'numeric' })), { name: t.target.name, numeric: t.target.kind === 'numeric' }];
      for (const sp of specs) {
        const index = headers.indexOf(sp.name);
        if (index >= 0) {
          wanted.push({ ...sp, index });
          cols.push([]);
        }
      }
      continue;
    }
    if (rec.fields.length === 1 && rec.fields[0]!.trim() === '') continue;
    rows++;
    if (rows > MAX_PREDICT_ROWS) throw new AppError('BAD_REQUEST', `"${sourceName}" has more than ${MAX_PREDICT_ROWS.toLocaleString('en')} rows`, 'Split it into smaller files, or import it as a dataset first.');
    wanted.forEach((w, k) => {
      const cell = (rec.fields[w.index] ?? '').trim();
      if (w.numeric) (cols[k] as number[]).push(cell === '' || /^(na|nan|null)$/i.test(cell) ? Number.NaN : Number(cell));
      else (cols[k] as string[]).push(cell);
    });
  }
  if (headers === null) throw new AppError('BAD_REQUEST', `"${sourceName}" is empty`, 'Choose a CSV file with a header row and one row per example.');
  if (rows === 0) throw new AppError('BAD_REQUEST', `"${sourceName}" has a header but no rows`, 'Add the rows to predict below the header.');
  const record: Record<string, number[] | string[]> = {};
  wanted.forEach((w, k) => {
    record[w.name] = cols[k]!;
  });
  const table = bnnTableFromColumns(record);
  // bnnTableFromColumns types string columns by their own levels; the stored transform decides how they are encoded.
  return { table, headers };
}

function missingColumns(sourceName: string, missing: string[], t: BnnTransform, have: string[]): AppError {
  const list = missing.map((m) => `"${m}"`).join(', ');
  return new AppError(
    'BAD_REQUEST',
    `"${sourceName}" has no column${missing.length > 1 ? 's' : ''} ${list}, which the model was trained on`,
    `The model needs every training feature: ${t.features.map((f) => f.name).join(', ')}. The file has: ${have.slice(0, 30).join(', ')}${have.length > 30 ? ', …' : ''}.`,
  );
}

/** A stored dataset as a BnnTable (numeric columns as numbers, categorical and binary ones by label). */
function tableFromDataset(ds: DatasetFile, schema: ColumnSchema[], t: BnnTransform, sourceName: string): BnnTable {
  const names = new Set(schema.map((c) => c.name));
  const missing = t.features.filter((f) => !names.has(f.name)).map((f) => f.name);
  if (missing.length > 0) throw missingColumns(sourceName, missing, t, [...names]);
  const record: Record<string, number[] | string[] | Float32Array> = {};
  for (const f of t.features) record[f.name] = f.kind === 'numeric' ? ds.column(f.name) : ds.strings(f.name);
  if (names.has(t.target.name)) record[t.target.name] = t.target.kind === 'numeric' ? ds.column(t.target.name) : ds.strings(t.target.name);
  return bnnTableFromColumns(record as Record<string, ArrayLike<number> | string[]>);
}

/** Mean of v over the indices where keep(i) holds (null when none). */
function meanWhere(v: number[], keep: (i: number) => boolean): number | null {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    if (keep(i)) {
      s += v[i]!;
      n++;
    }
  }
  return n > 0 ? s / n : null;
}

/**
 * Predictions with uncertainty for every row of a table, as a result table (the inputs as given, the actual target
 * when present, mean / sd / intervals or class probabilities) with metrics when the target is there. Shared by
 * bnn:predict (a run's model) and models:score (an imported bundle), so both give the same table.
 */
export function bnnPredictionTable(
  model: BnnModel,
  table: BnnTable,
  sourceName: string,
): { task: 'regression' | 'classification'; target: string; rows: number; columns: string[]; table: Array<Array<number | string | null>>; metrics: Record<string, number> | null; unknownLevels: Record<string, number>; warnings: string[] } {
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
    warnings.push(`${count} row${count === 1 ? '' : 's'} of "${col}" hold a category not seen in training (encoded as none of the known ones)`);
  }
  let columns: string[];
  const rows: Array<Array<number | string | null>> = [];
  // The inputs as given (numeric values, category labels), so each prediction reads next to its row.
  const inputs = t.features.map((f) => (f.kind === 'numeric' ? Array.from(table.column(f.name)) : table.strings(f.name)));
  const inputNames = t.features.map((f) => f.name);
  const inputsOf = (i: number): Array<number | string> => inputs.map((col) => col[i]!);
  let metrics: Record<string, number> | null = null;
  if (summary.task === 'regression' && draws.task === 'regression' && t.target.kind === 'numeric') {
    const { mean: my, std: sy } = t.target;
    columns = ['row', ...inputNames, ...(hasY ? [`${t.target.name} (actual)`] : []), 'mean', 'sd', 'epistemic_sd', 'lower_90', 'upper_90', 'lower_95', 'upper_95'];
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
      rows.push([i + 1, ...inputsOf(i), ...(hasY ? [Number.isFinite(yi) ? yi : null] : []), summary.mean[i]!, summary.sd[i]!, summary.epistemicSd[i]!, ...iv]);
    }
    if (nY > 0) metrics = { rows: nY, rmse: Math.sqrt(se / nY), coverage90: in90 / nY, coverage95: in95 / nY };
  } else if (summary.task === 'classification') {
    const classes = summary.classes;
    columns = ['row', ...inputNames, ...(hasY ? [`${t.target.name} (actual)`] : []), 'predicted', 'confidence', ...classes.map((c) => `p(${c})`), ...classes.map((c) => `sd p(${c})`)];
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
  return { task: summary.task, target: t.target.name, rows: enc.n, columns, table: rows, metrics, unknownLevels: enc.unknownLevels, warnings };
}

export function registerBnn(s: Services): Pick<Handlers, BnnChannels> {
  const cache = new Map<number, Loaded>();
  let backendReady: Promise<unknown> | null = null;

  const runOf = (runId: number) => {
    const run = s.repos.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
    if (run.spec.model !== 'bnn') throw new AppError('BAD_REQUEST', `Run ${runId} is a ${run.model} run, not a Bayesian neural network`, 'Open a BNN run.');
    return run;
  };

  const bundleDir = (runId: number): string => {
    const run = runOf(runId);
    const dir = path.join(s.runPath(runId), 'bnn-bundle');
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
      throw new AppError(
        'NOT_FOUND',
        `Run ${runId} has no fitted BNN bundle yet (status: ${run.status})`,
        run.status === 'running' || run.status === 'queued' ? 'Wait until the run completes.' : 'Start a new run; only completed runs store a model.',
      );
    }
    return dir;
  };

  const load = async (runId: number): Promise<Loaded> => {
    const hit = cache.get(runId);
    if (hit) {
      cache.delete(runId);
      cache.set(runId, hit);
      return hit;
    }
    const dir = bundleDir(runId);
    backendReady ??= initBackend();
    await backendReady;
    let loaded: Loaded;
    try {
      const { model, manifest } = loadBnnBundle(dir);
      loaded = { model, manifest, dir };
    } catch (e) {
      throw new AppError('INTERNAL', `The stored model of run ${runId} does not load: ${(e as Error).message}`, 'Fit the model again.');
    }
    cache.set(runId, loaded);
    while (cache.size > CACHE_SIZE) {
      const oldest = cache.keys().next().value as number;
      const ev = cache.get(oldest);
      cache.delete(oldest);
      if (ev) disposeNet(ev.model.net);
    }
    return loaded;
  };

  return {
    'bnn:band': async ({ runId, feature, points, extend, range }) => {
      const run = runOf(runId);
      const { model } = await load(runId);
      const t = model.transform;
      const numericFeatures = t.features.filter((f) => f.kind === 'numeric').map((f) => f.name);
      if (numericFeatures.length === 0) {
        throw new AppError('BAD_REQUEST', 'This model has no numeric feature to draw the predictive band over', 'The band view needs at least one numeric feature; the other views still apply.');
      }
      const name = feature ?? numericFeatures[0]!;
      if (!numericFeatures.includes(name)) {
        throw new AppError('BAD_REQUEST', `"${name}" is not a numeric feature of this model`, `Choose one of: ${numericFeatures.join(', ')}.`);
      }
      const band = predictiveBand(model, name, { points, extend, ...(range ? { range } : {}) });
      // Training points: the run's dataset (at most MAX_POINTS, evenly strided).
      const px: number[] = [];
      const py: number[] = [];
      const sorted: number[] = [];
      try {
        const ds = DatasetFile.open(s.datasetPath(run.datasetId));
        const xs = ds.column(name);
        const hasTarget = ds.schema.some((c) => c.name === t.target.name);
        const ys = hasTarget && t.target.kind === 'numeric' ? ds.column(t.target.name) : null;
        const labels = hasTarget && t.target.kind === 'categorical' ? ds.strings(t.target.name) : null;
        const classes = t.target.kind === 'categorical' ? t.target.classes : [];
        for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]!)) sorted.push(xs[i]!);
        const stride = Math.max(1, Math.ceil(xs.length / MAX_POINTS));
        for (let i = 0; i < xs.length; i += stride) {
          const y = ys ? ys[i]! : labels ? classes.indexOf(labels[i]!.trim()) : Number.NaN;
          if (Number.isFinite(xs[i]!) && Number.isFinite(y)) {
            px.push(xs[i]!);
            py.push(y);
          }
        }
      } catch {
        /* the dataset may be gone; the band still stands */
      }
      sorted.sort((a, b) => a - b);
      const nearestData = band.x.map((v) => {
        if (sorted.length === 0) return v < band.dataRange[0] ? band.dataRange[0] - v : v > band.dataRange[1] ? v - band.dataRange[1] : 0;
        let lo = 0;
        let hi = sorted.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (sorted[mid]! < v) lo = mid + 1;
          else hi = mid;
        }
        const a = Math.abs(sorted[lo]! - v);
        const b = lo > 0 ? Math.abs(sorted[lo - 1]! - v) : Infinity;
        return Math.min(a, b);
      });
      const span = band.dataRange[1] - band.dataRange[0] || 1;
      const near = (i: number) => nearestData[i]! <= 0.02 * span;
      const away = (i: number) => nearestData[i]! > 0.1 * span;
      const out: BnnBand = {
        runId,
        task: band.task,
        feature: name,
        target: t.target.name,
        numericFeatures,
        x: band.x,
        dataRange: band.dataRange,
        nearestData,
        points: { x: px, y: py },
        sdNearData: null,
        sdAwayFromData: null,
        sdInGaps: null,
        sdBeyondData: null,
      };
      if (band.mean && band.sd && band.epistemicSd) {
        out.mean = band.mean;
        out.sd = band.sd;
        out.epistemicSd = band.epistemicSd;
        if (band.lower95) out.lower95 = band.lower95;
        if (band.upper95) out.upper95 = band.upper95;
        const ep = band.epistemicSd;
        const tot = band.sd;
        const e1 = meanWhere(ep, near);
        const t1 = meanWhere(tot, near);
        const e2 = meanWhere(ep, away);
        const t2 = meanWhere(tot, away);
        const [lo, hi] = band.dataRange;
        const inGap = (i: number) => away(i) && band.x[i]! > lo && band.x[i]! < hi;
        const beyond = (i: number) => away(i) && (band.x[i]! < lo || band.x[i]! > hi);
        const e3 = meanWhere(ep, inGap);
        const t3 = meanWhere(tot, inGap);
        const e4 = meanWhere(ep, beyond);
        const t4 = meanWhere(tot, beyond);
        out.sdInGaps = e3 !== null && t3 !== null ? { epistemic: e3, total: t3 } : null;
        out.sdBeyondData = e4 !== null && t4 !== null ? { epistemic: e4, total: t4 } : null;
        out.sdNearData = e1 !== null && t1 !== null ? { epistemic: e1, total: t1 } : null;
        out.sdAwayFromData = e2 !== null && t2 !== null ? { epistemic: e2, total: t2 } : null;
      }
      if (band.classes && band.probs && band.probSd) {
        out.classes = band.classes;
        out.probs = band.probs;
        out.probSd = band.probSd;
      }
      return out;
    },

    'bnn:predict': async ({ runId, source }) => {
      runOf(runId);
      const { model } = await load(runId);
      const t = model.transform;
      let table: BnnTable;
      let sourceName: string;
      if ('fileId' in source) {
        const f = s.files.resolve(source.fileId);
        sourceName = f.name;
        table = (await tableFromCsv(f.path, f.name, t)).table;
      } else {
        const d = s.repos.datasets.get(source.datasetId);
        if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${source.datasetId}`);
        sourceName = d.name;
        table = tableFromDataset(DatasetFile.open(s.datasetPath(d.id)), d.schema, t, d.name);
      }
      const p = bnnPredictionTable(model, table, sourceName);
      const base = path.basename(sourceName).replace(/\.[^.]*$/, '');
      return {
        runId,
        sourceName,
        task: p.task,
        target: p.target,
        rows: p.rows,
        columns: p.columns,
        table: p.table.slice(0, PREVIEW_ROWS),
        csv: toCsv(p.columns, p.table),
        fileName: `${slug(base)}-predictions-run-${runId}.csv`,
        metrics: p.metrics,
        unknownLevels: p.unknownLevels,
        warnings: p.warnings,
      } satisfies BnnPredictResult;
    },

    'bnn:bundle': async ({ runId }) => {
      const run = runOf(runId);
      const dir = bundleDir(runId);
      const files: BnnBundleFile[] = [];
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r);
          else if (e.isFile()) {
            const buf = fs.readFileSync(path.join(dir, r));
            const text = /\.json$/i.test(e.name);
            files.push({ path: r, mime: text ? 'application/json' : 'application/octet-stream', encoding: text ? 'utf8' : 'base64', content: text ? buf.toString('utf8') : buf.toString('base64'), bytes: buf.length });
          }
        }
      };
      walk('');
      files.sort((a, b) => (a.path === 'manifest.json' ? -1 : b.path === 'manifest.json' ? 1 : a.path.localeCompare(b.path)));
      return { runId, name: `run-${runId}-${slug(run.name)}-bnn-bundle`, files };
    },
  };
}
