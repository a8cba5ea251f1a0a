/**
 * Everything handlers need, injected, so handlers are tested without Electron or HTTP. `createServices` wires the
 * real ones for a data directory; Electron's index.ts, the browser-mode server and the CLI all use it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '../storage/db';
import { makeRepos, type Repos } from '../storage/repositories';
import { JobRunner, type WorkerFactory } from '../jobs/job-runner';
import { EventBus } from './events';
import { FileRegistry } from './files';
import { Confirmations } from './confirmations';
import { findSamplesDir } from './samples';
import { sweepDataDir } from '../storage/sweep';
import { ModelService } from '../model-service/service';
import { ReferenceService } from '../reference/service';

export interface Services {
  mode: 'electron' | 'browser';
  version: string;
  dataDir: string;
  repos: Repos;
  events: EventBus;
  runner: JobRunner;
  /** Every use of a fitted model on rows (views, inference, predictions, scoring), on its worker thread. */
  models: ModelService;
  /** Reference posteriors of GLMs (exact or NUTS), one worker thread per job, cached per dataset and spec. */
  references: ReferenceService;
  files: FileRegistry;
  /** Tokens that confirm overwriting or deleting files outside the data directory (issued by a refusal). */
  confirmations: Confirmations;
  samplesDir: string;
  /** Absolute folder of a dataset's stored files. */
  datasetPath(datasetId: number): string;
  /** Absolute folder of a run's larger files (model snapshot …). */
  runPath(runId: number): string;
  /** Electron only: shows the native open dialog (for a CSV, or a model bundle's .zip). */
  pickFile?: (accept?: 'csv' | 'zip') => Promise<string | null>;
  /** Electron only: shows the native folder dialog. */
  pickFolder?: (purpose: 'export' | 'import') => Promise<string | null>;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  dataDir: string;
  mode: 'electron' | 'browser';
  workerFactory?: WorkerFactory;
  pickFile?: (accept?: 'csv' | 'zip') => Promise<string | null>;
  pickFolder?: (purpose: 'export' | 'import') => Promise<string | null>;
  samplesDir?: string;
  /** Start the job runner's recovery (fail interrupted runs, re-queue queued ones). Default true. */
  recover?: boolean;
}

export function appVersion(): string {
  for (const p of [path.resolve(__dirname, '../../package.json'), path.resolve(__dirname, '../../../package.json')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'elbo-studio' && pkg.version) return pkg.version;
    } catch {
      /* try the next */
    }
  }
  return '0.0.0';
}

export function resolveDataDir(argv: string[], fallback: string): string {
  const i = argv.indexOf('--data-dir');
  const fromArg = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
  return path.resolve(fromArg || process.env.ELBO_STUDIO_DATA || fallback);
}

export function createServices(o: CreateServicesOptions): Services {
  fs.mkdirSync(o.dataDir, { recursive: true });
  const db = openDb(path.join(o.dataDir, 'elbo-studio.sqlite'));
  const repos = makeRepos(db);
  const events = new EventBus();
  const datasetPath = (datasetId: number) => {
    const rel = repos.datasets.dataDir(datasetId);
    if (!rel) throw new Error(`Dataset ${datasetId} has no files`);
    return path.resolve(o.dataDir, rel);
  };
  const runPath = (runId: number) => path.join(o.dataDir, 'runs', String(runId));
  const runner = new JobRunner({
    repos,
    events,
    datasetDir: datasetPath,
    runDir: runPath,
    dataDir: o.dataDir,
    ...(o.workerFactory ? { workerFactory: o.workerFactory } : {}),
  });
  if (o.recover !== false) runner.recover();
  // Leftovers of killed or failed work: unfinished imports, temporary files, abandoned uploads (another live process
  // sharing the data directory keeps its own).
  const files = new FileRegistry(path.join(o.dataDir, 'uploads'));
  try {
    sweepDataDir(o.dataDir, repos.datasets.dirs());
    files.sweep();
  } catch {
    /* tried again at the next start */
  }
  const sweepTimer = setInterval(() => {
    try {
      files.sweep();
    } catch {
      /* next time */
    }
  }, 3600_000);
  sweepTimer.unref();
  const models = new ModelService();
  const references = new ReferenceService({ repos, events, datasetDir: datasetPath });
  const services: Services = {
    mode: o.mode,
    version: appVersion(),
    dataDir: o.dataDir,
    repos,
    events,
    runner,
    models,
    references,
    files,
    confirmations: new Confirmations(),
    samplesDir: o.samplesDir ?? findSamplesDir(),
    datasetPath,
    runPath,
    ...(o.pickFile ? { pickFile: o.pickFile } : {}),
    ...(o.pickFolder ? { pickFolder: o.pickFolder } : {}),
    async close() {
      clearInterval(sweepTimer);
      await runner.shutdown();
      await models.close();
      await references.close();
      db.close();
    },
  };
  return services;
}
