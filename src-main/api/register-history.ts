/**
 * The experiment history: search and sort every run, rename / annotate / tag / star, and delete a run or a dataset
 * with everything that goes with it. Deletion is ordered so nothing is left orphaned and the database is never
 * inconsistent: the files are first moved aside, the rows are deleted in one transaction (foreign keys cascade to
 * metrics and artifacts), then the moved files are removed; if the transaction fails the files are moved back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { DeletionEntry, DeletionSummary } from '../../src-shared/domain/types';
import type { Services } from './services';

/** Bytes and file count under a path (a file counts once; symbolic links are not followed). */
function measure(p: string): { bytes: number; fileCount: number } {
  if (!fs.existsSync(p)) return { bytes: 0, fileCount: 0 };
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return { bytes: st.size, fileCount: 1 };
  let bytes = 0;
  let fileCount = 0;
  for (const e of fs.readdirSync(p)) {
    const m = measure(path.join(p, e));
    bytes += m.bytes;
    fileCount += m.fileCount;
  }
  return { bytes, fileCount };
}

function entriesOf(files: string[]): { entries: DeletionEntry[]; bytes: number } {
  const entries = files.map((f) => ({ path: f, ...measure(f), isDirectory: fs.lstatSync(f).isDirectory() }));
  return { entries, bytes: entries.reduce((a, e) => a + e.bytes, 0) };
}

function counts(s: Services, where: string, id: number) {
  const q = (sql: string) => (s.repos.db.prepare(sql).get(id) as { n: number }).n;
  return {
    metrics: q(`SELECT COUNT(*) AS n FROM metrics WHERE run_id IN (SELECT id FROM runs WHERE ${where})`),
    artifacts: q(`SELECT COUNT(*) AS n FROM artifacts WHERE run_id IN (SELECT id FROM runs WHERE ${where})`),
  };
}

export function registerHistory(
  s: Services,
): Pick<
  Handlers,
  'runs:search' | 'runs:update' | 'runs:delete-preview' | 'runs:delete' | 'datasets:delete-preview' | 'datasets:delete'
> {
  const getRun = (runId: number) => {
    const r = s.repos.runs.get(runId);
    if (!r) throw new AppError('NOT_FOUND', `No run with id ${runId}`);
    return r;
  };

  const runPreview = (runId: number): DeletionSummary => {
    getRun(runId);
    const dir = s.runPath(runId);
    const files = fs.existsSync(dir) ? [dir] : [];
    return { runs: 1, datasets: 0, ...counts(s, 'id = ?', runId), files, ...entriesOf(files) };
  };

  const datasetPreview = (datasetId: number): DeletionSummary => {
    if (!s.repos.datasets.get(datasetId)) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
    const runIds = (
      s.repos.db.prepare('SELECT id FROM runs WHERE dataset_id = ?').all(datasetId) as { id: number }[]
    ).map((r) => r.id);
    const files = [s.datasetPath(datasetId), ...runIds.map((id) => s.runPath(id))].filter((f) => fs.existsSync(f));
    return {
      runs: runIds.length,
      datasets: 1,
      ...counts(s, 'dataset_id = ?', datasetId),
      files,
      ...entriesOf(files),
    };
  };

  /** Moves files aside, runs the transaction, then removes them (or moves them back on failure). */
  const removeWith = (files: string[], tx: () => void) => {
    const moved: [string, string][] = [];
    try {
      for (const f of files) {
        const aside = `${f}.deleting-${process.pid}-${Date.now()}`;
        fs.renameSync(f, aside);
        moved.push([f, aside]);
      }
      s.repos.db.transaction(tx)();
    } catch (e) {
      for (const [f, aside] of moved.reverse()) {
        try {
          fs.renameSync(aside, f);
        } catch {
          /* best effort: leave it aside rather than lose it */
        }
      }
      throw e;
    }
    for (const [, aside] of moved) fs.rmSync(aside, { recursive: true, force: true });
  };

  /** Every dataset id a spec names (testDatasetId, heldoutDatasetId, … wherever the spec keeps them). */
  const datasetIdsIn = (spec: unknown): number[] => {
    const out: number[] = [];
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (/DatasetId$/.test(k) && typeof x === 'number') out.push(x);
        else walk(x);
      }
    };
    walk(spec);
    return out;
  };

  const refuseActive = (ids: number[], what: string) => {
    for (const id of ids) {
      const r = s.repos.runs.get(id);
      if (r && (r.status === 'running' || r.status === 'queued')) {
        throw new AppError(
          'CONFLICT',
          `Run ${id} ("${r.name}") is ${r.status}; ${what} cannot be deleted while it trains`,
          'Cancel the run first.',
        );
      }
    }
  };

  return {
    'runs:search': async (f) => s.repos.runs.search(f),
    'runs:update': async ({ runId, ...patch }) => {
      getRun(runId);
      s.repos.runs.update(runId, patch);
      const r = getRun(runId);
      s.events.emit('run:status', r);
      return r;
    },
    'runs:delete-preview': async ({ runId }) => runPreview(runId),
    'runs:delete': async ({ runId }) => {
      refuseActive([runId], 'it');
      const summary = runPreview(runId);
      removeWith(summary.files, () => {
        s.repos.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
      });
      // Run ids can be used again after a delete: the model service must not keep serving this run's model.
      s.models.evict(`run:${runId}`);
      return summary;
    },
    'datasets:delete-preview': async ({ datasetId }) => datasetPreview(datasetId),
    'datasets:delete': async ({ datasetId }) => {
      const runIds = (
        s.repos.db.prepare('SELECT id FROM runs WHERE dataset_id = ?').all(datasetId) as { id: number }[]
      ).map((r) => r.id);
      refuseActive(runIds, 'its dataset');
      // A queued or running run may read this dataset as its test or held-out set.
      const active = s.repos.db.prepare(`SELECT id FROM runs WHERE status IN ('queued', 'running')`).all() as {
        id: number;
      }[];
      for (const { id } of active) {
        const r = s.repos.runs.get(id);
        if (r && datasetIdsIn(r.spec).includes(datasetId) && r.datasetId !== datasetId) {
          throw new AppError(
            'CONFLICT',
            `Run ${id} ("${r.name}") is ${r.status} and reads this dataset as its test or held-out set; it cannot be deleted while it trains`,
            'Cancel the run first, or wait until it finishes.',
          );
        }
      }
      const summary = datasetPreview(datasetId);
      removeWith(summary.files, () => {
        s.repos.db.prepare('DELETE FROM datasets WHERE id = ?').run(datasetId);
      });
      for (const id of runIds) s.models.evict(`run:${id}`);
      return summary;
    },
  };
}
