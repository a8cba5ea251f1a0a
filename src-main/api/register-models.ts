/**
 * Model-bundle channels (issue 7, items 4 and 6): export a completed run's model (a .zip to download, or a folder on
 * this machine), import a bundle (.zip or folder) into <dataDir>/models/<id>/, list and delete imported models, and use
 * one on a new CSV — check its columns against the bundle's column schema, then score it: encode and reconstruct
 * (VAE), topic proportions (LDA), predictions with uncertainty (BNN). Thin: bundles and files are
 * src-main/export/bundles.ts and zip.ts; the mathematics is the engine's.
 *
 * Scoring runs in the model service's worker (model-service/score-ops.ts), which keeps loaded models in its one cache.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { ModelColumnCheck, ModelScoreResult } from '../../src-shared/domain/models';
import {
  deleteImportedModel,
  exportRunBundleToFolder,
  exportRunBundleZip,
  importBundle,
  importedModelDir,
  sweepModelsDir,
} from '../export/bundles';
import { checkColumns, effectiveSchema, readModelColumns } from '../model-service/tables';
import type { ModelRef } from '../model-service/service';
import type { Services } from './services';

type ModelChannels =
  | 'files:pick-folder'
  | 'models:export'
  | 'models:import'
  | 'models:list'
  | 'models:get'
  | 'models:delete'
  | 'models:check'
  | 'models:score';

const CHECK_ROWS = 2000;

export function registerModels(s: Services): Pick<Handlers, ModelChannels> {
  try {
    sweepModelsDir(s);
  } catch {
    /* a leftover that cannot be removed now is tried again at the next start */
  }

  const modelOf = (modelId: number) => {
    const m = s.repos.models.get(modelId);
    if (!m)
      throw new AppError(
        'NOT_FOUND',
        `No imported model with id ${modelId}`,
        'Open one from the Models page, or import the bundle again.',
      );
    return m;
  };

  /** An imported model for the model service (loaded from its folder by the worker on a cache miss). */
  const modelRef = (modelId: number, name: string, kind: 'vae' | 'lda' | 'bnn'): ModelRef => ({
    key: `model:${modelId}`,
    source: () => ({ kind: 'bundle', modelKind: kind, name, dir: importedModelDir(s, modelId) }),
  });

  return {
    'files:pick-folder': async ({ purpose }) => {
      if (!s.pickFolder)
        throw new AppError(
          'UNSUPPORTED',
          'There is no native folder dialog in browser mode',
          'Type the folder path instead.',
        );
      const p = await s.pickFolder(purpose);
      return p ? { path: p } : null;
    },

    'models:export': async ({ runId, to }) => {
      if (to.kind === 'zip') {
        const z = await exportRunBundleZip(s, runId);
        return {
          kind: 'zip',
          fileName: z.fileName,
          bytes: z.zip.length,
          base64: Buffer.from(z.zip).toString('base64'),
          files: z.files,
        };
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
      s.models.evict(`model:${modelId}`);
      deleteImportedModel(s, modelId);
      return { id: modelId, deleted: true };
    },

    'models:check': async ({ modelId, fileId, textColumn }) => {
      const m = modelOf(modelId);
      const f = s.files.resolve(fileId);
      const schema = effectiveSchema(m.kind, m.summary.columns, textColumn);
      const csv = await readModelColumns(schema, f, {
        maxRows: Number.MAX_SAFE_INTEGER,
        stopAfter: CHECK_ROWS,
        allText: m.kind === 'lda',
      });
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
        textCandidates = [
          ...(trained && csv.headers.includes(trained) ? [trained] : []),
          ...scored
            .filter((x) => x.ok && x.h !== trained)
            .sort((a, b) => b.len - a.len)
            .map((x) => x.h),
        ];
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
      const schema = effectiveSchema(m.kind, m.summary.columns, textColumn);
      return s.models.call<ModelScoreResult>(
        'models:score',
        { modelId, kind: m.kind, schema, file: { path: f.path, name: f.name }, textColumn },
        modelRef(modelId, m.name, m.kind),
      );
    },
  };
}
