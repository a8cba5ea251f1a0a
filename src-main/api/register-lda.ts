/**
 * LDA channels (issue 5): the text-preparation preview before fitting, and the uses of a fitted topic model — one
 * document's topics, a search over the training texts, topic proportions of a new CSV, prevalence by category, and
 * the CSV/JSON exports. Thin: runs, datasets and files are resolved here; the uses of the model run in the model
 * service's worker (model-service/lda-ops.ts) with the maths in engine/models/lda.
 */
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { TextPreview } from '../../src-shared/domain/lda';
import type { RunSummary } from '../../src-shared/domain/types';
import { DatasetFile } from '../data-import';
import type { ModelRef } from '../model-service/service';
import type { TextSource } from '../model-service/lda-ops';
import { prepareReport, stopWordsFor } from '../text';
import type { Services } from './services';

type LdaChannels = 'text:preview' | 'lda:document' | 'lda:search' | 'lda:infer' | 'lda:export' | 'lda:by-category';

const TEXT_TYPES = new Set(['text', 'categorical', 'identifier']);

export function registerLda(s: Services): Pick<Handlers, LdaChannels> {
  const textColumnOf = (datasetId: number, column: string) => {
    const d = s.repos.datasets.get(datasetId);
    if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
    const c = d.schema.find((x) => x.name === column);
    if (!c)
      throw new AppError(
        'BAD_REQUEST',
        `Column "${column}" is not in dataset "${d.name}"`,
        `Columns: ${d.schema.map((x) => x.name).join(', ')}`,
      );
    if (!TEXT_TYPES.has(c.type)) {
      throw new AppError(
        'BAD_REQUEST',
        `Column "${column}" is ${c.type}, not text`,
        'Choose the column that holds the documents, or import it again with type text.',
      );
    }
    return d;
  };

  /** A completed LDA run and its fitted model for the model service (the stored JSON is sent on a cache miss only). */
  const load = (runId: number): { run: RunSummary & { spec: { model: 'lda' } }; model: ModelRef } => {
    const run = s.repos.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
    if (run.spec.model !== 'lda')
      throw new AppError(
        'BAD_REQUEST',
        `Run ${runId} is a ${run.model} run, not a topic model (LDA)`,
        'Open an LDA run.',
      );
    const spec = run.spec;
    const model: ModelRef = {
      key: `run:${runId}`,
      source: () => {
        const art = s.repos.artifacts.get(runId, 'model');
        if (!art) {
          throw new AppError(
            'NOT_FOUND',
            `Run ${runId} has no fitted model yet (status: ${run.status})`,
            run.status === 'running' || run.status === 'queued'
              ? 'Wait until the run completes.'
              : 'Start a new run; only completed runs store a model.',
          );
        }
        return { kind: 'lda-run', runId, json: art.data, spec, datasetDir: s.datasetPath(run.datasetId) };
      },
    };
    return { run: run as RunSummary & { spec: { model: 'lda' } }, model };
  };

  return {
    'text:preview': async ({ datasetId, textColumn, prep }) => {
      textColumnOf(datasetId, textColumn);
      try {
        stopWordsFor(prep.language, prep.extraStopWords);
      } catch (e) {
        throw new AppError('BAD_REQUEST', (e as Error).message, 'Pick a language from the list, or "none".');
      }
      // The whole column, streamed in (never all texts as strings) and in bounded memory (a million documents' token
      // ids go through a temporary file).
      const out: TextPreview = await prepareReport(
        DatasetFile.open(s.datasetPath(datasetId)).iterStrings(textColumn),
        prep,
      );
      return out;
    },

    'lda:document': async (args) => s.models.call('lda:document', args, load(args.runId).model),

    'lda:search': async (args) => s.models.call('lda:search', args, load(args.runId).model),

    'lda:infer': async ({ runId, source, textColumn }) => {
      const { run, model } = load(runId);
      const column = textColumn ?? (run.spec as { textColumn: string }).textColumn;
      let src: TextSource;
      if ('fileId' in source) {
        const f = s.files.resolve(source.fileId);
        src = { kind: 'file', path: f.path, name: f.name };
      } else {
        const d = textColumnOf(source.datasetId, column);
        src = { kind: 'dataset', dir: s.datasetPath(d.id), name: d.name };
      }
      return s.models.call('lda:infer', { runId, source: src, column }, model);
    },

    'lda:export': async (args) => {
      const { run, model } = load(args.runId);
      const outDir = path.join(s.runPath(run.id), 'exports');
      return s.models.call('lda:export', { ...args, runName: run.name, outDir }, model);
    },

    'lda:by-category': async ({ runId, column }) => {
      const { run, model } = load(runId);
      const d = s.repos.datasets.get(run.datasetId);
      const col = d?.schema.find((x) => x.name === column);
      if (!d || !col)
        throw new AppError(
          'BAD_REQUEST',
          `Column "${column}" is not in the run's dataset`,
          d ? `Columns: ${d.schema.map((x) => x.name).join(', ')}` : undefined,
        );
      if (col.type !== 'categorical' && col.type !== 'binary') {
        throw new AppError(
          'BAD_REQUEST',
          `Column "${column}" is ${col.type}; prevalence by category needs a categorical column`,
          'Choose a column with a few repeated values.',
        );
      }
      return s.models.call('lda:by-category', { runId, column }, model);
    },
  };
}
