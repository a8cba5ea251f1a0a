/**
 * models:score in the model worker: an imported bundle used on every row of a new CSV — encode and reconstruct (VAE,
 * with a latent map), topic proportions (LDA), predictions with uncertainty (BNN) — with a preview, the full result
 * as CSV and warnings. Up to 200,000 rows: the reason this runs off the main process.
 */
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { ModelColumn, ModelKind, ModelScoreResult } from '../../src-shared/domain/models';
import { bnnTableFromColumns } from '../engine/models/bnn';
import {
  docTopicCsv,
  dominantTopic,
  emptyFlags,
  inferLdaTexts,
  isEmptyDoc,
  meanTopicProportions,
} from '../engine/models/lda';
import { pca, prepareWithSnapshot } from '../engine/models/vae';
import type { Bundle } from './loaded';
import {
  MAX_ROWS,
  PREVIEW_ROWS,
  bnnPredictionTable,
  checkColumns,
  levelCode,
  problemsOf,
  readModelColumns,
  shorten,
  slug,
  toCsv,
} from './tables';

const MAP_POINTS = 3000;

export async function scoreWithBundle(
  L: Bundle,
  a: {
    modelId: number;
    kind: ModelKind;
    schema: ModelColumn[];
    file: { path: string; name: string };
    textColumn?: string | undefined;
  },
): Promise<ModelScoreResult> {
  const { modelId, schema, textColumn } = a;
  const f = a.file;
  const base = slug(path.basename(f.name).replace(/\.[^.]*$/, ''), 'data');
  const fileName = `${base}-${a.kind}-scores-model-${modelId}.csv`;

  if (L.kind === 'vae-bundle') {
    const csv = await readModelColumns(schema, f, { maxRows: MAX_ROWS, passthrough: 3 });
    const problem = problemsOf(f.name, checkColumns('vae', schema, csv), schema);
    if (problem) throw problem;
    const feats = schema.filter((c) => c.role === 'feature');
    const n = csv.rows;
    const d = feats.length;
    const raw = new Float32Array(n * d);
    feats.forEach((c, j) => {
      const col = csv.columns.get(c.name)!;
      for (let i = 0; i < n; i++) {
        raw[i * d + j] =
          c.type === 'numeric'
            ? (col.values as Float32Array)[i]!
            : levelCode(c.levels ?? [], (col.values as string[])[i]!, c.type === 'binary');
      }
    });
    let prepared;
    try {
      prepared = prepareWithSnapshot({ x: raw, n, d }, L.vae.snapshot);
    } catch (e) {
      throw new AppError(
        'BAD_REQUEST',
        `"${f.name}" does not fit the model: ${(e as Error).message}`,
        'Use rows with the same kind of values the model was trained on.',
      );
    }
    const sc = L.vae.score(prepared.x, n);
    const D = sc.latentDim;
    const used = new Set(schema.map((c) => c.name));
    const extra = csv.headers.filter((h) => !used.has(h) && csv.columns.has(h));
    const extraVals = extra.map((h) => csv.columns.get(h)!.values as string[]);
    const zNames = Array.from({ length: D }, (_, k) => `z${k + 1}`);
    const columns = [
      'row',
      ...extra,
      ...zNames.map((z) => `${z}_mean`),
      ...zNames.map((z) => `${z}_sd`),
      'recon_loglik',
      'recon_mse',
    ];
    const rows: Array<Array<number | string | null>> = [];
    let ll = 0;
    let err = 0;
    for (let i = 0; i < n; i++) {
      ll += sc.reconLogLik[i]!;
      err += sc.reconError[i]!;
      rows.push([
        i + 1,
        ...extraVals.map((v) => v[i] ?? ''),
        ...Array.from(sc.mean.subarray(i * D, (i + 1) * D)),
        ...Array.from(sc.sd.subarray(i * D, (i + 1) * D)),
        sc.reconLogLik[i]!,
        sc.reconError[i]!,
      ]);
    }
    // The map: z itself in one or two dimensions, else the first two principal components of the means.
    const stride = Math.max(1, Math.ceil(n / MAP_POINTS));
    const idx: number[] = [];
    for (let i = 0; i < n; i += stride) idx.push(i);
    let map: Extract<ModelScoreResult, { kind: 'vae' }>['map'];
    if (D === 1)
      map = { points: idx.map((i) => [sc.mean[i]!, 0]), rows: idx.map((i) => i + 1), axes: ['z₁', ''], method: 'line' };
    else if (D === 2 || n < 3)
      map = {
        points: idx.map((i) => [sc.mean[i * D]!, sc.mean[i * D + 1]!]),
        rows: idx.map((i) => i + 1),
        axes: ['z₁', 'z₂'],
        method: 'latent',
      };
    else {
      const p = pca(sc.mean, n, D, 2);
      map = {
        points: idx.map((i) => [p.projections[i * 2]!, p.projections[i * 2 + 1]!]),
        rows: idx.map((i) => i + 1),
        axes: [
          `PC1 (${((p.explained[0] ?? 0) * 100).toFixed(1)} %)`,
          `PC2 (${((p.explained[1] ?? 0) * 100).toFixed(1)} %)`,
        ],
        method: 'pca',
      };
    }
    const colorColumns = extra
      .map((h, k) => ({ name: h, all: extraVals[k]! }))
      .filter((c) => new Set(c.all).size <= 30)
      .map((c) => ({ name: c.name, values: idx.map((i) => c.all[i] ?? '') }));
    const warnings: string[] = [];
    if (sc.sdMethod === 'monte-carlo')
      warnings.push(
        'This family has no closed-form posterior sd; the sds (and means) are Monte Carlo estimates from 64 draws with a fixed seed.',
      );
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

  if (L.kind === 'lda-bundle') {
    const textCol = schema.find((c) => c.role === 'text')!;
    const csv = await readModelColumns([textCol], f, { maxRows: MAX_ROWS });
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
    const topics = Array.from({ length: K }, (_, k) => `topic_${k + 1}`);
    const columns = ['row', 'text', 'dominant_topic', 'weight', ...topics];
    const rows: Array<Array<number | string | null>> = [];
    for (let d = 0; d < Math.min(D, PREVIEW_ROWS); d++) {
      const empty = isEmptyDoc(corpus, d);
      const best = dominantTopic(theta, K, d);
      rows.push([
        d + 1,
        shorten(cells[d] ?? '', 160),
        empty ? null : best + 1,
        empty ? null : theta[d * K + best]!,
        ...Array.from(theta.subarray(d * K, (d + 1) * K)),
      ]);
    }
    const { meanTheta, emptyRows } = meanTopicProportions(theta, K, corpus);
    const emptyDocuments = emptyRows.length;
    const warnings = report.warnings.filter((w) => !/empty after preparation/.test(w));
    if (emptyDocuments > 0)
      warnings.push(
        `${emptyDocuments} of ${D} rows have no word of the model's vocabulary; their proportions are the prior mean (column "empty" = 1 in the CSV)`,
      );
    return {
      kind: 'lda',
      modelId,
      sourceName: f.name,
      rows: D,
      columns,
      table: rows,
      csv: docTopicCsv(theta, K, { empty: emptyFlags(corpus) }),
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
  if (L.kind !== 'bnn-bundle')
    throw new AppError('INTERNAL', `Model ${modelId} is not a scoring model`, 'Import the bundle again.');
  const { model } = L.bnn;
  const csv = await readModelColumns(schema, f, { maxRows: MAX_ROWS });
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
}
