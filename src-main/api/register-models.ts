/**
 * Model-bundle channels (issue 7, items 4 and 6): export a completed run's model (a .zip to download, or a folder on
 * this machine), import a bundle (.zip or folder) into <dataDir>/models/<id>/, list and delete imported models, and use
 * one on a new CSV — check its columns against the bundle's column schema, then score it: encode and reconstruct
 * (VAE), topic proportions (LDA), predictions with uncertainty (BNN). Thin: bundles and files are
 * src-main/export/bundles.ts and zip.ts; the mathematics is the engine's.
 *
 * Loaded models are kept for the last few imported models and released (tfjs variables disposed) on eviction.
 */
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { ModelColumn, ModelColumnCheck, ModelKind, ModelScoreResult } from '../../src-shared/domain/models';
import { initBackend } from '../engine/backend';
import { bnnTableFromColumns, disposeNet, loadBnnBundle, type BnnManifest, type BnnModel } from '../engine/models/bnn';
import { inferLdaTexts, loadLdaBundle, docTopicCsv, type LoadedLdaBundle } from '../engine/models/lda';
import { loadVaeBundle, pca, prepareWithSnapshot, type LoadedVaeBundle } from '../engine/models/vae';
import {
  deleteImportedModel,
  exportRunBundleToFolder,
  exportRunBundleZip,
  importBundle,
  importedModelDir,
  sweepModelsDir,
} from '../export/bundles';
import { readCsvColumns, type ColumnData, type CsvColumns } from './csv-columns';
import { bnnPredictionTable, toCsv } from './register-bnn';
import { withEmptyColumn } from './register-lda';
import type { Services } from './services';

type ModelChannels = 'files:pick-folder' | 'models:export' | 'models:import' | 'models:list' | 'models:get' | 'models:delete' | 'models:check' | 'models:score';

const CACHE_SIZE = 3;
const PREVIEW_ROWS = 500;
const MAX_SCORE_ROWS = 200_000;
const CHECK_ROWS = 2000;
const MAP_POINTS = 3000;

type Loaded = { kind: 'vae'; vae: LoadedVaeBundle } | { kind: 'lda'; lda: LoadedLdaBundle } | { kind: 'bnn'; bnn: { model: BnnModel; manifest: BnnManifest } };

function release(l: Loaded): void {
  if (l.kind === 'vae') l.vae.dispose();
  else if (l.kind === 'bnn') disposeNet(l.bnn.model.net);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'data';
}

function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** The level code of a cell (exact label, else the same number, else 0/1 for a binary column), or −1. */
export function levelCode(levels: readonly string[], cell: string, binary: boolean): number {
  const t = cell.trim();
  let i = levels.indexOf(t);
  if (i >= 0) return i;
  const v = Number(t);
  if (t !== '' && Number.isFinite(v)) {
    i = levels.findIndex((l) => l.trim() !== '' && Number(l) === v);
    if (i >= 0) return i;
    if (binary && (v === 0 || v === 1)) return v;
  }
  return -1;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The columns a check or a score reads (schema columns, the LDA text column replaced by the chosen one). */
function effectiveSchema(kind: ModelKind, schema: ModelColumn[], textColumn: string | undefined): ModelColumn[] {
  if (kind !== 'lda' || !textColumn) return schema;
  return schema.map((c) => (c.role === 'text' ? { ...c, name: textColumn } : c));
}

/**
 * Each schema column's status in a CSV: present and readable ('ok'), absent ('missing', or 'optional-missing' for a
 * target), or present with values the model cannot take ('mismatch', with the first offending row and value).
 */
export function checkColumns(kind: ModelKind, schema: ModelColumn[], csv: Pick<CsvColumns, 'headers' | 'columns' | 'rows'>): ModelColumnCheck['columns'] {
  return schema.map((c) => {
    const d: ColumnData | undefined = csv.columns.get(c.name);
    if (!csv.headers.includes(c.name) || !d) {
      return c.required
        ? { ...c, status: 'missing' as const, detail: 'not in the file' }
        : { ...c, status: 'optional-missing' as const, detail: c.role === 'target' ? 'not in the file: predictions without metrics' : 'not in the file' };
    }
    const feature = c.role === 'feature';
    if (c.type === 'text') {
      return { ...c, status: 'ok' as const, detail: d.missing > 0 ? `${plural(d.missing, 'empty row')} (they get the prior proportions)` : 'text' };
    }
    if (c.type === 'numeric') {
      if (d.badCount > 0) return { ...c, status: feature ? ('mismatch' as const) : ('ok' as const), detail: `${plural(d.badCount, 'cell')} ${d.badCount === 1 ? 'is' : 'are'} not a number (row ${d.bad!.row}: "${d.bad!.value}")` };
      if (d.missing > 0 && feature) return { ...c, status: 'mismatch' as const, detail: `${plural(d.missing, 'empty cell')} (first in row ${d.firstMissing}); the model needs a value in every row` };
      return { ...c, status: 'ok' as const, detail: d.missing > 0 ? `numbers (${plural(d.missing, 'empty cell')}, not scored)` : 'numbers' };
    }
    // binary / categorical: labels must be levels the model knows.
    const levels = c.levels ?? [];
    const values = d.values as string[];
    let unknown = 0;
    let first: { row: number; value: string } | null = null;
    for (let i = 0; i < values.length; i++) {
      if (levelCode(levels, values[i]!, c.type === 'binary') < 0) {
        unknown++;
        if (!first) first = { row: i + 1, value: values[i]! };
      }
    }
    if (unknown === 0) return { ...c, status: 'ok' as const, detail: `${plural(levels.length, 'level')}` };
    const shown = levels.slice(0, 8).join(', ') + (levels.length > 8 ? ', …' : '');
    const what = `${plural(unknown, 'row')} with a level the model never saw (row ${first!.row}: "${shorten(first!.value, 30)}"; levels: ${shown})`;
    // A BNN encodes an unseen level as none of the known ones (with a warning); a VAE cannot.
    if (kind === 'bnn' || !feature) return { ...c, status: 'ok' as const, detail: what };
    return { ...c, status: 'mismatch' as const, detail: what };
  });
}

function problemsOf(sourceName: string, cols: ModelColumnCheck['columns'], schema: ModelColumn[]): AppError | null {
  const missing = cols.filter((c) => c.status === 'missing');
  const bad = cols.filter((c) => c.status === 'mismatch');
  if (missing.length === 0 && bad.length === 0) return null;
  const parts: string[] = [];
  if (missing.length) parts.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).map((c) => `"${c.name}"`).join(', ')}${missing.length > 10 ? `, … (${missing.length} in all)` : ''}`);
  for (const c of bad.slice(0, 5)) parts.push(`column "${c.name}": ${c.detail}`);
  const needed = schema.filter((c) => c.required).map((c) => c.name);
  return new AppError(
    'BAD_REQUEST',
    `"${sourceName}" does not fit the model: ${parts.join('; ')}`,
    `The model needs ${needed.length === 1 ? 'the column' : `these ${needed.length} columns`}: ${needed.slice(0, 20).join(', ')}${needed.length > 20 ? ', …' : ''} — with the same names and the kind of values it was trained on.`,
  );
}

export function registerModels(s: Services): Pick<Handlers, ModelChannels> {
  const cache = new Map<number, Loaded>();
  try {
    sweepModelsDir(s);
  } catch {
    /* a leftover that cannot be removed now is tried again at the next start */
  }

  const modelOf = (modelId: number) => {
    const m = s.repos.models.get(modelId);
    if (!m) throw new AppError('NOT_FOUND', `No imported model with id ${modelId}`, 'Open one from the Models page, or import the bundle again.');
    return m;
  };

  const load = async (modelId: number): Promise<Loaded> => {
    const m = modelOf(modelId);
    const hit = cache.get(modelId);
    if (hit) {
      cache.delete(modelId);
      cache.set(modelId, hit);
      return hit;
    }
    const dir = importedModelDir(s, modelId);
    let loaded: Loaded;
    try {
      if (m.kind === 'vae') {
        await initBackend();
        loaded = { kind: 'vae', vae: await loadVaeBundle(dir) };
      } else if (m.kind === 'bnn') {
        await initBackend();
        loaded = { kind: 'bnn', bnn: loadBnnBundle(dir) };
      } else {
        loaded = { kind: 'lda', lda: loadLdaBundle(dir) };
      }
    } catch (e) {
      if (e instanceof AppError) throw new AppError(e.code, `The stored model "${m.name}" no longer loads: ${e.message}`, 'Delete it and import the bundle again.');
      throw new AppError('INTERNAL', `The stored model "${m.name}" does not load: ${(e as Error).message}`, 'Delete it and import the bundle again.');
    }
    cache.set(modelId, loaded);
    while (cache.size > CACHE_SIZE) {
      const oldest = cache.keys().next().value as number;
      const ev = cache.get(oldest);
      cache.delete(oldest);
      if (ev) release(ev);
    }
    return loaded;
  };

  /** Reads what a check or a score needs from the CSV. */
  const readFor = async (kind: ModelKind, schema: ModelColumn[], file: { path: string; name: string }, opts: { maxRows: number; stopAfter?: number; allText?: boolean; passthrough?: number }) =>
    readCsvColumns(
      file.path,
      file.name,
      (headers) => {
        const want: Array<{ name: string; numeric: boolean; raw?: boolean }> = schema.map((c) => ({ name: c.name, numeric: c.type === 'numeric', raw: c.type === 'text' }));
        const used = new Set(schema.map((c) => c.name));
        if (opts.allText) for (const h of headers) if (!used.has(h)) want.push({ name: h, numeric: false, raw: true });
        if (opts.passthrough) {
          for (const h of headers.filter((x) => !used.has(x)).slice(0, opts.passthrough)) want.push({ name: h, numeric: false });
        }
        return want;
      },
      { maxRows: opts.maxRows, ...(opts.stopAfter !== undefined ? { stopAfter: opts.stopAfter } : {}) },
    );

  return {
    'files:pick-folder': async ({ purpose }) => {
      if (!s.pickFolder) throw new AppError('UNSUPPORTED', 'There is no native folder dialog in browser mode', 'Type the folder path instead.');
      const p = await s.pickFolder(purpose);
      return p ? { path: p } : null;
    },

    'models:export': async ({ runId, to }) => {
      if (to.kind === 'zip') {
        const z = await exportRunBundleZip(s, runId);
        return { kind: 'zip', fileName: z.fileName, bytes: z.zip.length, base64: Buffer.from(z.zip).toString('base64'), files: z.files };
      }
      const r = await exportRunBundleToFolder(s, runId, to.folder, to.overwrite, to.confirmToken);
      return { kind: 'folder', folder: r.folder, files: r.files, replaced: r.replaced };
    },

    'models:import': async ({ source }) => {
      if ('fileId' in source) {
        const f = s.files.resolve(source.fileId);
        try {
          return await importBundle(s, { zipPath: f.path, name: f.name });
        } finally {
          s.files.release(source.fileId);
        }
      }
      return importBundle(s, { folder: source.folder });
    },

    'models:list': async () => s.repos.models.list(),

    'models:get': async ({ modelId }) => modelOf(modelId),

    'models:delete': async ({ modelId }) => {
      modelOf(modelId);
      const hit = cache.get(modelId);
      cache.delete(modelId);
      if (hit) release(hit);
      deleteImportedModel(s, modelId);
      return { id: modelId, deleted: true };
    },

    'models:check': async ({ modelId, fileId, textColumn }) => {
      const m = modelOf(modelId);
      const f = s.files.resolve(fileId);
      const schema = effectiveSchema(m.kind, m.summary.columns, textColumn);
      const csv = await readFor(m.kind, schema, f, { maxRows: Number.MAX_SAFE_INTEGER, stopAfter: CHECK_ROWS, allText: m.kind === 'lda' });
      const columns = checkColumns(m.kind, schema, csv);
      let textCandidates: string[] = [];
      if (m.kind === 'lda') {
        // Columns that hold words: letters in most non-empty cells, longer than a label on average.
        const trained = m.summary.columns.find((c) => c.role === 'text')?.name;
        const scored = csv.headers.map((h) => {
          const v = (csv.columns.get(h)?.values ?? []) as string[];
          const filled = v.filter((x) => x.trim() !== '');
          const wordy = filled.filter((x) => /\p{L}{2,}/u.test(x)).length;
          const len = filled.reduce((a, x) => a + x.length, 0) / Math.max(1, filled.length);
          return { h, ok: filled.length > 0 && wordy / filled.length > 0.5, len };
        });
        textCandidates = [...(trained && csv.headers.includes(trained) ? [trained] : []), ...scored.filter((x) => x.ok && x.h !== trained).sort((a, b) => b.len - a.len).map((x) => x.h)];
      }
      const out: ModelColumnCheck = {
        modelId,
        sourceName: f.name,
        headers: csv.headers,
        columns,
        textCandidates,
        ok: columns.every((c) => c.status === 'ok' || c.status === 'optional-missing'),
        rowsChecked: csv.rows,
      };
      return out;
    },

    'models:score': async ({ modelId, fileId, textColumn }) => {
      const m = modelOf(modelId);
      const f = s.files.resolve(fileId);
      const L = await load(modelId);
      const schema = effectiveSchema(m.kind, m.summary.columns, textColumn);
      const base = slug(path.basename(f.name).replace(/\.[^.]*$/, ''));
      const fileName = `${base}-${m.kind}-scores-model-${modelId}.csv`;

      if (L.kind === 'vae') {
        const csv = await readFor('vae', schema, f, { maxRows: MAX_SCORE_ROWS, passthrough: 3 });
        const problem = problemsOf(f.name, checkColumns('vae', schema, csv), schema);
        if (problem) throw problem;
        const feats = schema.filter((c) => c.role === 'feature');
        const n = csv.rows;
        const d = feats.length;
        const raw = new Float32Array(n * d);
        feats.forEach((c, j) => {
          const col = csv.columns.get(c.name)!;
          for (let i = 0; i < n; i++) {
            raw[i * d + j] = c.type === 'numeric' ? (col.values as Float32Array)[i]! : levelCode(c.levels ?? [], (col.values as string[])[i]!, c.type === 'binary');
          }
        });
        let prepared;
        try {
          prepared = prepareWithSnapshot({ x: raw, n, d }, L.vae.snapshot);
        } catch (e) {
          throw new AppError('BAD_REQUEST', `"${f.name}" does not fit the model: ${(e as Error).message}`, 'Use rows with the same kind of values the model was trained on.');
        }
        const sc = L.vae.score(prepared.x, n);
        const D = sc.latentDim;
        const used = new Set(schema.map((c) => c.name));
        const extra = csv.headers.filter((h) => !used.has(h) && csv.columns.has(h));
        const extraVals = extra.map((h) => csv.columns.get(h)!.values as string[]);
        const zNames = Array.from({ length: D }, (_, k) => `z${k + 1}`);
        const columns = ['row', ...extra, ...zNames.map((z) => `${z}_mean`), ...zNames.map((z) => `${z}_sd`), 'recon_loglik', 'recon_mse'];
        const rows: Array<Array<number | string | null>> = [];
        let ll = 0;
        let err = 0;
        for (let i = 0; i < n; i++) {
          ll += sc.reconLogLik[i]!;
          err += sc.reconError[i]!;
          rows.push([i + 1, ...extraVals.map((v) => v[i] ?? ''), ...Array.from(sc.mean.subarray(i * D, (i + 1) * D)), ...Array.from(sc.sd.subarray(i * D, (i + 1) * D)), sc.reconLogLik[i]!, sc.reconError[i]!]);
        }
        // The map: z itself in one or two dimensions, else the first two principal components of the means.
        const stride = Math.max(1, Math.ceil(n / MAP_POINTS));
        const idx: number[] = [];
        for (let i = 0; i < n; i += stride) idx.push(i);
        let map: Extract<ModelScoreResult, { kind: 'vae' }>['map'];
        if (D === 1) map = { points: idx.map((i) => [sc.mean[i]!, 0]), rows: idx.map((i) => i + 1), axes: ['z₁', ''], method: 'line' };
        else if (D === 2 || n < 3) map = { points: idx.map((i) => [sc.mean[i * D]!, sc.mean[i * D + 1]!]), rows: idx.map((i) => i + 1), axes: ['z₁', 'z₂'], method: 'latent' };
        else {
          const p = pca(sc.mean, n, D, 2);
          map = {
            points: idx.map((i) => [p.projections[i * 2]!, p.projections[i * 2 + 1]!]),
            rows: idx.map((i) => i + 1),
            axes: [`PC1 (${((p.explained[0] ?? 0) * 100).toFixed(1)} %)`, `PC2 (${((p.explained[1] ?? 0) * 100).toFixed(1)} %)`],
            method: 'pca',
          };
        }
        const colorColumns = extra
          .map((h, k) => ({ name: h, all: extraVals[k]! }))
          .filter((c) => new Set(c.all).size <= 30)
          .map((c) => ({ name: c.name, values: idx.map((i) => c.all[i] ?? '') }));
        const warnings: string[] = [];
        if (sc.sdMethod === 'monte-carlo') warnings.push('This family has no closed-form posterior sd; the sds (and means) are Monte Carlo estimates from 64 draws with a fixed seed.');
        return {
          kind: 'vae',
          modelId,
          sourceName: f.name,
          rows: n,
          columns,
          table: rows.slice(0, PREVIEW_ROWS),
          csv: toCsv(columns, rows),
          fileName,
          warnings,
          latentDim: D,
          map,
          colorColumns,
          meanReconLogLik: ll / n,
          meanReconError: err / n,
          sdMethod: sc.sdMethod,
        };
      }

      if (L.kind === 'lda') {
        const textCol = schema.find((c) => c.role === 'text')!;
        const csv = await readFor('lda', [textCol], f, { maxRows: MAX_SCORE_ROWS });
        if (!csv.headers.includes(textCol.name)) {
          throw new AppError(
            'BAD_REQUEST',
            `"${f.name}" has no column "${textCol.name}"${textColumn ? '' : ', the text column the model was trained on'}`,
            `Its columns: ${csv.headers.slice(0, 30).join(', ')}. Choose the column that holds the documents.`,
          );
        }
        const cells = csv.columns.get(textCol.name)!.values as string[];
        const { theta, corpus, report } = await inferLdaTexts(L.lda, cells);
        const K = L.lda.model.K;
        const D = cells.length;
        const meanTheta = new Array<number>(K).fill(0);
        let nonEmpty = 0;
        const topics = Array.from({ length: K }, (_, k) => `topic_${k + 1}`);
        const columns = ['row', 'text', 'dominant_topic', 'weight', ...topics];
        const rows: Array<Array<number | string | null>> = [];
        for (let d = 0; d < D; d++) {
          const empty = corpus.docPtr[d + 1] === corpus.docPtr[d];
          let best = 0;
          for (let k = 1; k < K; k++) if (theta[d * K + k]! > theta[d * K + best]!) best = k;
          if (!empty) {
            nonEmpty++;
            for (let k = 0; k < K; k++) meanTheta[k]! += theta[d * K + k]!;
          }
          if (rows.length < PREVIEW_ROWS) rows.push([d + 1, shorten(cells[d] ?? '', 160), empty ? null : best + 1, empty ? null : theta[d * K + best]!, ...Array.from(theta.subarray(d * K, (d + 1) * K))]);
        }
        for (let k = 0; k < K; k++) meanTheta[k] = nonEmpty > 0 ? meanTheta[k]! / nonEmpty : 0;
        const emptyDocuments = D - nonEmpty;
        const warnings = report.warnings.filter((w) => !/empty after preparation/.test(w));
        if (emptyDocuments > 0) warnings.push(`${emptyDocuments} of ${D} rows have no word of the model's vocabulary; their proportions are the prior mean (column "empty" = 1 in the CSV)`);
        return {
          kind: 'lda',
          modelId,
          sourceName: f.name,
          rows: D,
          columns,
          table: rows,
          csv: withEmptyColumn(docTopicCsv(theta, K), corpus),
          fileName,
          warnings,
          K,
          textColumn: textCol.name,
          meanTheta,
          topWords: L.lda.manifest.topWords,
          emptyDocuments,
          tokens: report.tokens,
          outOfVocabulary: report.outOfVocabulary,
        };
      }

      // BNN: the same table as a run's "Predict on a new CSV".
      const { model } = L.bnn;
      const csv = await readFor('bnn', schema, f, { maxRows: MAX_SCORE_ROWS });
      const problem = problemsOf(f.name, checkColumns('bnn', schema, csv), schema);
      if (problem) throw problem;
      const record: Record<string, ArrayLike<number> | string[]> = {};
      for (const c of schema) {
        const col = csv.columns.get(c.name);
        if (col) record[c.name] = col.values;
      }
      const p = bnnPredictionTable(model, bnnTableFromColumns(record), f.name);
      return {
        kind: 'bnn',
        modelId,
        sourceName: f.name,
        rows: p.rows,
        columns: p.columns,
        table: p.table.slice(0, PREVIEW_ROWS),
        csv: toCsv(p.columns, p.table),
        fileName,
        warnings: p.warnings,
        task: p.task,
        target: p.target,
        metrics: p.metrics,
      };
    },
  };
}
