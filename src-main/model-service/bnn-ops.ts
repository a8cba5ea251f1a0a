/**
 * Uses of a fitted BNN (a run's bundle), in the model worker: the predictive band over one numeric feature with the
 * training points and how uncertainty grows away from them (engine bandSummary), and predictions with intervals for
 * every row of a new CSV or a stored dataset.
 */
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { BnnBand, BnnPredictResult } from '../../src-shared/domain/bnn';
import type { ColumnSchema } from '../../src-shared/domain/types';
import type { HandlerArgs } from '../../src-shared/ipc/contract';
import { DatasetFile } from '../data-import';
import { bandSummary, predictiveBand, type BnnTable } from '../engine/models/bnn';
import type { BnnRun } from './loaded';
import { PREVIEW_ROWS, bnnPredictionTable, slug, tableFromCsv, tableFromDataset, toCsv } from './tables';

const MAX_POINTS = 3000;

/** Rows to predict: an uploaded file, or a stored dataset with its schema (resolved by the handler). */
export type RowSource =
  { kind: 'file'; path: string; name: string } | { kind: 'dataset'; dir: string; name: string; schema: ColumnSchema[] };

export const bnnOps = {
  async 'bnn:band'(L: BnnRun, a: HandlerArgs<'bnn:band'> & { datasetDir: string }): Promise<BnnBand> {
    const { model } = L;
    const t = model.transform;
    const numericFeatures = t.features.filter((f) => f.kind === 'numeric').map((f) => f.name);
    if (numericFeatures.length === 0) {
      throw new AppError(
        'BAD_REQUEST',
        'This model has no numeric feature to draw the predictive band over',
        'The band view needs at least one numeric feature; the other views still apply.',
      );
    }
    const name = a.feature ?? numericFeatures[0]!;
    if (!numericFeatures.includes(name)) {
      throw new AppError(
        'BAD_REQUEST',
        `"${name}" is not a numeric feature of this model`,
        `Choose one of: ${numericFeatures.join(', ')}.`,
      );
    }
    const band = predictiveBand(model, name, {
      points: a.points,
      extend: a.extend,
      ...(a.range ? { range: a.range } : {}),
    });
    // Training points: the run's dataset (at most MAX_POINTS, evenly strided).
    const px: number[] = [];
    const py: number[] = [];
    const sorted: number[] = [];
    try {
      const ds = DatasetFile.open(a.datasetDir);
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
    sorted.sort((x, y) => x - y);
    const summary = bandSummary(
      { x: band.x, dataRange: band.dataRange, sd: band.sd ?? null, epistemicSd: band.epistemicSd ?? null },
      sorted,
    );
    const out: BnnBand = {
      runId: a.runId,
      task: band.task,
      feature: name,
      target: t.target.name,
      numericFeatures,
      x: band.x,
      dataRange: band.dataRange,
      points: { x: px, y: py },
      ...summary,
    };
    if (band.mean && band.sd && band.epistemicSd) {
      out.mean = band.mean;
      out.sd = band.sd;
      out.epistemicSd = band.epistemicSd;
      if (band.lower95) out.lower95 = band.lower95;
      if (band.upper95) out.upper95 = band.upper95;
    }
    if (band.classes && band.probs && band.probSd) {
      out.classes = band.classes;
      out.probs = band.probs;
      out.probSd = band.probSd;
    }
    return out;
  },

  async 'bnn:predict'(L: BnnRun, a: { runId: number; source: RowSource }): Promise<BnnPredictResult> {
    const { model } = L;
    const t = model.transform;
    const src = a.source;
    const table: BnnTable =
      src.kind === 'file'
        ? (await tableFromCsv(src.path, src.name, t)).table
        : tableFromDataset(DatasetFile.open(src.dir), src.schema, t, src.name);
    const p = bnnPredictionTable(model, table, src.name);
    const base = path.basename(src.name).replace(/\.[^.]*$/, '');
    return {
      runId: a.runId,
      sourceName: src.name,
      task: p.task,
      target: p.target,
      rows: p.rows,
      columns: p.columns,
      table: p.table.slice(0, PREVIEW_ROWS),
      csv: toCsv(p.columns, p.table),
      fileName: `${slug(base)}-predictions-run-${a.runId}.csv`,
      metrics: p.metrics,
      unknownLevels: p.unknownLevels,
      warnings: p.warnings,
    };
  },
};
