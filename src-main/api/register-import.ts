import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import type { ImportSource } from '../../src-shared/schemas/api';
import { DatasetFile, previewCsv } from '../data-import';
import { importCsvOffThread, scanMissingOffThread } from '../data-import/import-thread';
import type { Services } from './services';
import { SAMPLES } from './samples';
import { dropLease, takeLease } from '../jobs/run-lease';
import { IMPORT_LEASE_SUFFIX } from '../storage/sweep';

function resolveSource(s: Services, source: ImportSource): { path: string; name: string } {
  if ('sampleId' in source) {
    const sample = SAMPLES.find((x) => x.id === source.sampleId);
    if (!sample) {
      throw new AppError(
        'NOT_FOUND',
        `No sample named "${source.sampleId}"`,
        `Samples: ${SAMPLES.map((x) => x.id).join(', ')}`,
      );
    }
    return { path: path.join(s.samplesDir, sample.fileName), name: sample.fileName };
  }
  const f = s.files.resolve(source.fileId);
  return { path: f.path, name: f.name };
}

export function registerImport(
  s: Services,
): Pick<Handlers, 'files:pick' | 'import:preview' | 'import:missing' | 'import:commit' | 'datasets:rows'> {
  return {
    'files:pick': async ({ accept }) => {
      if (!s.pickFile) {
        throw new AppError(
          'UNSUPPORTED',
          'There is no native file dialog in browser mode',
          'Use the file picker on the Import page.',
        );
      }
      const p = await s.pickFile(accept);
      return p ? s.files.register(p) : null;
    },
    'import:preview': async ({ source, delimiter, encoding }) => {
      const src = resolveSource(s, source);
      return previewCsv(src.path, src.name, { delimiter, encoding });
    },
    'import:missing': async ({ source, delimiter, encoding }) => {
      const src = resolveSource(s, source);
      return scanMissingOffThread(src.path, src.name, { delimiter, encoding });
    },
    'import:commit': async (args) => {
      if (!s.repos.projects.get(args.projectId))
        throw new AppError('NOT_FOUND', `No project with id ${args.projectId}`);
      const src = resolveSource(s, args.source);
      const id = crypto.randomBytes(12).toString('hex');
      const rel = path.join('datasets', id);
      const dest = path.join(s.dataDir, rel);
      // The lease tells a sweep in another process (the CLI, the app started meanwhile) that this folder is ours;
      // if this process is killed, the next start removes the half-written folder at once.
      const datasetsDir = path.join(s.dataDir, 'datasets');
      const lease = `${id}${IMPORT_LEASE_SUFFIX}`;
      takeLease(datasetsDir, lease);
      try {
        // On a worker thread, so the server keeps answering while a big file is parsed.
        const result = await importCsvOffThread(src.path, dest, {
          sourceName: src.name,
          delimiter: args.delimiter,
          encoding: args.encoding,
          columns: args.columns,
          missing: args.missing,
          numericImpute: args.numericImpute,
          indicators: args.indicators,
          ...(args.policySource ? { policySource: args.policySource } : {}),
          standardize: args.standardize,
          onProgress: (p) => s.events.emit('import:progress', { importId: args.importId, ...p }),
        });
        const dataset = s.repos.datasets.create({
          projectId: args.projectId,
          name: args.name,
          sourceName: src.name,
          contentHash: result.contentHash,
          rows: result.rows,
          schema: result.schema,
          preprocessing: result.preprocessing,
          dataDir: rel,
          bytes: result.bytes,
        });
        s.events.emit('import:progress', {
          importId: args.importId,
          phase: 'done',
          rows: result.rows,
          bytesRead: fs.statSync(src.path).size,
          totalBytes: fs.statSync(src.path).size,
        });
        if ('fileId' in args.source) s.files.release(args.source.fileId);
        return dataset;
      } catch (e) {
        fs.rmSync(dest, { recursive: true, force: true });
        throw e;
      } finally {
        dropLease(datasetsDir, lease);
      }
    },
    'datasets:rows': async ({ datasetId, offset, limit }) => {
      const d = s.repos.datasets.get(datasetId);
      if (!d) throw new AppError('NOT_FOUND', `No dataset with id ${datasetId}`);
      const file = DatasetFile.open(s.datasetPath(datasetId));
      const sl = file.slice(offset, limit);
      return { columns: sl.columns, rows: sl.rows, offset, total: file.rows };
    },
  };
}
