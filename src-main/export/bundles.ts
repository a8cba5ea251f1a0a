/**
 * Model bundles of runs, on disk and in the database (issue 7, items 4 and 6):
 *
 *   writeRunBundle           a completed VAE, LDA or BNN run → a bundle folder of the current format (manifest with
 *                            the run's spec, column schema, metrics, backend, source; the networks also as ONNX)
 *   exportRunBundleZip       … zipped, for a download
 *   exportRunBundleToFolder  … written to a folder on this machine: refused with FOLDER_NOT_EMPTY when the folder holds
 *                            files (unless overwrite), built in a temporary folder next to it and renamed into place,
 *                            so a failure never leaves a half-written bundle
 *   importBundle             a .zip or a folder → checked (safe paths, manifest, format version, every checksum, and
 *                            a full load of the model) in a temporary folder, then moved to <dataDir>/models/<id>/ in
 *                            the same transaction that records it
 *   deleteImportedModel      the row, then the folder (moved aside first, so neither outlives the other)
 *   sweepModelsDir           at start: leftovers of an interrupted import or delete
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { ImportedModel, ModelColumn, ModelKind, ModelSummary } from '../../src-shared/domain/models';
import type { RunSummary } from '../../src-shared/domain/types';
import type { Repos } from '../storage/repositories';
import { initBackend } from '../engine/backend';
import {
  BundleError,
  listBundleFiles,
  MANIFEST_FILE,
  openBundleFolder,
  resealBundle,
  type BundleColumn,
  type BundleSource,
} from '../engine/models/common/bundle';
import { exportVaeBundle, loadVaeBundle, type VaeSnapshot } from '../engine/models/vae';
import { disposeNet, exportBnnBundle, loadBnnBundle } from '../engine/models/bnn';
import { exportLdaBundle, loadLdaBundle, modelFromJSON } from '../engine/models/lda';
import { exportLayersModelToOnnx } from './onnx';
import { vaeBundleUnsupported, VAE_BUNDLE_HINT } from '../engine/models/vae/bundle';
import { isArchiverJunk, zipFolder } from './zip';
import { unzipBundleOffThread } from './unzip-thread';
import { Confirmations } from '../api/confirmations';

export interface BundleServices {
  repos: Repos;
  dataDir: string;
  version: string;
  runPath(runId: number): string;
  /** Issues and checks the tokens that confirm overwriting a folder outside the data directory. */
  confirmations?: Confirmations;
}

const MAX_ZIP_BYTES = 1024 ** 3;

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'model'
  );
}

const rand = (): string => crypto.randomBytes(6).toString('hex');

/** The run, if it can be bundled (a completed VAE, LDA or BNN run). */
export function bundleableRun(s: BundleServices, runId: number): RunSummary & { model: ModelKind } {
  const run = s.repos.runs.get(runId);
  if (!run) throw new AppError('NOT_FOUND', `No run with id ${runId}`, 'Open a run from the history.');
  if (run.model !== 'vae' && run.model !== 'lda' && run.model !== 'bnn') {
    throw new AppError(
      'UNSUPPORTED',
      `Run ${runId} is a ${run.model.toUpperCase()} run; model bundles hold VAEs, LDA topic models and Bayesian neural networks`,
      'Export its posterior from the run page instead.',
    );
  }
  if (run.status !== 'completed') {
    throw new AppError(
      'NOT_FOUND',
      `Run ${runId} has no fitted model to export (status: ${run.status})`,
      run.status === 'running' || run.status === 'queued'
        ? 'Wait until the run completes.'
        : 'Only completed runs store a model; start the run again.',
    );
  }
  return run as RunSummary & { model: ModelKind };
}

export function bundleBaseName(run: Pick<RunSummary, 'id' | 'name' | 'model'>): string {
  return `elbo-studio-${run.model}-run-${run.id}-${slug(run.name)}`;
}

function sourceOf(s: BundleServices, run: RunSummary): BundleSource {
  const project = s.repos.projects.get(run.projectId);
  return { runId: run.id, runName: run.name, dataset: run.datasetName, ...(project ? { project: project.name } : {}) };
}

/** Writes the bundle of a completed run into dir (which must not exist yet). Returns its files. */
export async function writeRunBundle(
  s: BundleServices,
  runId: number,
  dir: string,
): Promise<{ kind: ModelKind; files: string[] }> {
  const run = bundleableRun(s, runId);
  const runDir = s.runPath(run.id);
  const source = sourceOf(s, run);
  const missing = (what: string): never => {
    throw new AppError(
      'NOT_FOUND',
      `Run ${run.id} stored no ${what} to export`,
      'Fit the model again; completed runs store it.',
    );
  };
  if (run.spec.model === 'vae') {
    const file = path.join(runDir, 'vae-snapshot.json');
    if (!fs.existsSync(file)) missing('fitted VAE');
    await initBackend();
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as VaeSnapshot;
    const unsupported = vaeBundleUnsupported(snapshot);
    if (unsupported)
      throw new AppError('UNSUPPORTED', `Run ${run.id} cannot be exported: ${unsupported}`, VAE_BUNDLE_HINT);
    const features = s.repos.artifacts.payload(run.id, 'vae-snapshot')?.features ?? [];
    const schema = s.repos.datasets.get(run.datasetId)?.schema ?? [];
    // The raw columns with their dataset types and levels (binary labels map to codes when a new CSV is read).
    let columnSchema: BundleColumn[] | undefined;
    if (features.length > 0 && features.every((f) => schema.some((c) => c.name === f))) {
      columnSchema = features.map((f) => {
        const c = schema.find((x) => x.name === f)!;
        const type = c.type === 'binary' || c.type === 'categorical' ? c.type : 'numeric';
        return {
          name: f,
          role: 'feature',
          type,
          ...(c.levels && type !== 'numeric' ? { levels: c.levels } : {}),
          required: true,
        };
      });
    }
    await exportVaeBundle(snapshot, dir, {
      spec: run.spec,
      metrics: run.metrics,
      appVersion: s.version,
      backend: run.backend,
      source,
      ...(columnSchema ? { columnSchema } : {}),
    });
    exportLayersModelToOnnx(
      path.join(dir, 'encoder'),
      path.join(dir, 'onnx', 'encoder.onnx'),
      'vae_encoder',
      'q_params',
    );
    exportLayersModelToOnnx(path.join(dir, 'decoder'), path.join(dir, 'onnx', 'decoder.onnx'), 'vae_decoder', 'x_mean');
    resealBundle(dir);
  } else if (run.spec.model === 'bnn') {
    const stored = path.join(runDir, 'bnn-bundle');
    if (!fs.existsSync(path.join(stored, MANIFEST_FILE))) missing('fitted BNN');
    await initBackend();
    const { model, manifest } = loadBnnBundle(stored);
    try {
      exportBnnBundle(model, dir, { metrics: manifest.metrics, appVersion: s.version, backend: run.backend, source });
    } finally {
      disposeNet(model.net);
    }
    exportLayersModelToOnnx(path.join(dir, 'tfjs'), path.join(dir, 'onnx', 'predictive-mean.onnx'), 'bnn_mean');
    resealBundle(dir);
  } else if (run.spec.model === 'lda') {
    const art = s.repos.artifacts.get(run.id, 'model');
    if (!art) missing('fitted topic model');
    const model = modelFromJSON(art!.data);
    exportLdaBundle(model, dir, {
      appVersion: s.version,
      textColumn: run.spec.textColumn,
      preparation: run.spec.prep,
      spec: run.spec,
      metrics: run.metrics,
      backend: run.backend,
      source,
      familyLabel: run.family,
      objectiveLabel: run.objective,
    });
  }
  return { kind: run.model, files: listBundleFiles(dir) };
}

/** The bundle of a run as one zip (everything under a folder named like the file). */
export async function exportRunBundleZip(
  s: BundleServices,
  runId: number,
): Promise<{ fileName: string; zip: Uint8Array; files: string[] }> {
  const run = bundleableRun(s, runId);
  const tmpRoot = path.join(s.dataDir, 'tmp');
  fs.mkdirSync(tmpRoot, { recursive: true });
  const stage = path.join(tmpRoot, `bundle-${run.id}-${rand()}`);
  try {
    const { files } = await writeRunBundle(s, runId, stage);
    const base = bundleBaseName(run);
    return { fileName: `${base}.zip`, zip: zipFolder(stage, { top: base }), files };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** Files under a folder (recursively, '/'-separated, at most `limit` listed) and how many there are. */
export function folderHolds(folder: string, limit = 50): { files: string[]; count: number } {
  const files: string[] = [];
  let count = 0;
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(rel ? path.join(folder, rel) : folder, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !e.isSymbolicLink()) walk(r);
      else {
        count++;
        if (files.length < limit) files.push(r);
      }
    }
  };
  walk('');
  return { files, count };
}

/**
 * Refuses folders no bundle should replace: the file-system root, the home folder, the data directory, its parents,
 * and the folders it manages (datasets, runs, models, uploads, tmp) with everything inside them.
 */
function checkTarget(s: BundleServices, folder: string): string {
  if (!path.isAbsolute(folder)) {
    throw new AppError(
      'BAD_REQUEST',
      `"${folder}" is not a full folder path`,
      `Give the whole path, e.g. ${path.join(os.homedir(), 'elbo-bundles', 'my-model')}.`,
    );
  }
  const target = path.resolve(folder);
  const data = path.resolve(s.dataDir);
  const inside = (a: string, b: string) => a === b || a.startsWith(b + path.sep);
  if (target === path.parse(target).root || target === os.homedir()) {
    throw new AppError(
      'BAD_REQUEST',
      `Refusing to write a bundle into ${target} itself`,
      'Choose (or name) a folder for the bundle inside it, e.g. …/my-model.',
    );
  }
  const managed = ['datasets', 'runs', 'models', 'uploads', 'tmp'].map((d) => path.join(data, d));
  if (inside(data, target) || managed.some((m) => inside(target, m))) {
    throw new AppError(
      'BAD_REQUEST',
      `Refusing to write a bundle into ELBO Studio's own data folders (${target})`,
      'Choose a folder outside the data directory.',
    );
  }
  return target;
}

/** What a folder holds (every path, size and modification time), hashed: a confirmation is for this state only. */
function folderFingerprint(folder: string): string {
  const h = crypto.createHash('sha256');
  const held = folderHolds(folder, 100_000);
  for (const rel of held.files.sort()) {
    const st = fs.lstatSync(path.join(folder, ...rel.split('/')));
    h.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
  }
  h.update(String(held.count));
  return h.digest('hex');
}

/** Without a Services (the CLI, tests), one store per process. */
const processConfirmations = new Confirmations();

/**
 * Writes a run's bundle to a folder on this machine. Refuses (FOLDER_NOT_EMPTY) when the folder already holds files,
 * with a confirmToken in the refusal: only `overwrite` with that token, for that folder, while it holds the same
 * files, replaces it (the check is here, not only in the UI). The bundle is built in a hidden folder next to the
 * target and renamed into place; with overwrite, the old folder is moved aside first and removed only after the new
 * one is in place.
 */
export async function exportRunBundleToFolder(
  s: BundleServices,
  runId: number,
  folder: string,
  overwrite: boolean,
  confirmToken?: string,
): Promise<{ folder: string; files: string[]; replaced: number }> {
  bundleableRun(s, runId);
  const target = checkTarget(s, folder);
  let replaced = 0;
  if (fs.existsSync(target)) {
    const st = fs.lstatSync(target);
    if (st.isSymbolicLink() || !st.isDirectory())
      throw new AppError(
        'BAD_REQUEST',
        `${target} exists and is not a folder`,
        'Choose a folder path (a new one is created).',
      );
    const held = folderHolds(target, 8);
    if (held.count > 0) {
      const confirmations = s.confirmations ?? processConfirmations;
      const fingerprint = folderFingerprint(target);
      if (!overwrite || !confirmations.consume(confirmToken, 'models:export', target, fingerprint)) {
        const list =
          held.files.join(', ') + (held.count > held.files.length ? `, … ${held.count - held.files.length} more` : '');
        const why = !overwrite
          ? ''
          : confirmToken
            ? ' (the confirmation is spent, expired, or the folder changed since)'
            : ' (overwrite needs the confirmToken of this answer)';
        throw new AppError(
          'FOLDER_NOT_EMPTY',
          `Folder ${target} already holds ${held.count} file${held.count === 1 ? '' : 's'} (${list})${why}`,
          'Overwrite replaces everything in that folder with the bundle; or choose an empty or new folder.',
          { confirmToken: confirmations.issue('models:export', target, fingerprint) },
        );
      }
    }
    replaced = held.count;
  }
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const stage = path.join(parent, `.${path.basename(target)}.elbo-tmp-${rand()}`);
  try {
    const { files } = await writeRunBundle(s, runId, stage);
    openBundleFolder(stage); // what lands in the folder is a complete, checksummed bundle
    if (fs.existsSync(target)) {
      const old = path.join(parent, `.${path.basename(target)}.elbo-old-${rand()}`);
      fs.renameSync(target, old);
      try {
        fs.renameSync(stage, target);
      } catch (e) {
        fs.renameSync(old, target);
        throw e;
      }
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(stage, target);
    }
    return { folder: target, files, replaced };
  } catch (e) {
    fs.rmSync(stage, { recursive: true, force: true });
    if (e instanceof AppError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new AppError(
        'BAD_REQUEST',
        `Cannot write to ${parent}: permission denied`,
        'Choose a folder you can write to.',
      );
    }
    throw e;
  }
}

// ── Import ──────────────────────────────────────────────────────────────────────────────────────────────────────────

export const modelsRoot = (s: Pick<BundleServices, 'dataDir'>): string => path.join(s.dataDir, 'models');

/** The folder holding manifest.json: the root, or its only sub-folder (a zipped bundle folder). */
function bundleRoot(dir: string): string {
  if (fs.existsSync(path.join(dir, MANIFEST_FILE))) return dir;
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && e.name !== '__MACOSX');
  if (
    entries.length === 1 &&
    entries[0]!.isDirectory() &&
    !entries[0]!.isSymbolicLink() &&
    fs.existsSync(path.join(dir, entries[0]!.name, MANIFEST_FILE))
  ) {
    return path.join(dir, entries[0]!.name);
  }
  return dir;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The list's view of a manifest (any supported version). */
export function summariseManifest(
  m: Record<string, unknown>,
  kind: ModelKind,
  files: number,
  checksummed: boolean,
): ModelSummary {
  const metricsIn = (m.metrics && typeof m.metrics === 'object' ? m.metrics : {}) as Record<string, unknown>;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(metricsIn)) {
    const x = num(v);
    if (x !== null && Object.keys(metrics).length < 12) metrics[k] = x;
  }
  let columns = (Array.isArray(m.columnSchema) ? m.columnSchema : []) as ModelColumn[];
  let description = '';
  if (kind === 'vae') {
    const latent = m.latent as { type: string; dim: number; categories: number | null };
    const arch = m.architecture as { inputDim: number; hidden: number[] };
    const lik = m.likelihood as { kind: string };
    description = `${latent.type === 'categorical' ? `${latent.dim} × ${latent.categories}-way categorical` : `${latent.dim}-d Gaussian`} latent · ${arch.inputDim} inputs · hidden ${arch.hidden.join('×') || 'none'} · ${lik.kind} likelihood`;
    if (columns.length === 0) {
      columns = ((m.columns ?? []) as Array<{ name: string; kind: string; levels?: string[] }>).map((c) =>
        c.kind === 'categorical'
          ? { name: c.name, role: 'feature', type: 'categorical', levels: c.levels ?? [], required: true }
          : { name: c.name, role: 'feature', type: 'numeric', required: true },
      );
    }
  } else if (kind === 'lda') {
    description = `${String(m.K)} topics · ${Number(m.V).toLocaleString('en')} words · text column "${(m.text as { column: string }).column}"`;
  } else {
    const arch = m.architecture as { sizes: number[]; activation: string };
    const cols = m.columns as { features: string[]; target: string };
    description = `${String(m.task)} of ${cols.target} · ${cols.features.length} feature${cols.features.length === 1 ? '' : 's'} · layers ${arch.sizes.join('→')} (${arch.activation})`;
    if (columns.length === 0) {
      const t = m.preprocessing as {
        features: Array<{ name: string; kind: string; levels?: string[] }>;
        target: { name: string; kind: string; classes?: string[] };
      };
      columns = t.features.map((f) =>
        f.kind === 'numeric'
          ? { name: f.name, role: 'feature', type: 'numeric', required: true }
          : {
              name: f.name,
              role: 'feature',
              type: f.kind === 'binary' ? 'binary' : 'categorical',
              levels: f.levels ?? [],
              required: true,
            },
      );
      columns.push(
        t.target.kind === 'numeric'
          ? { name: t.target.name, role: 'target', type: 'numeric', required: false }
          : {
              name: t.target.name,
              role: 'target',
              type: 'categorical',
              levels: t.target.classes ?? [],
              required: false,
            },
      );
    }
  }
  const src = m.source as ModelSummary['source'] | undefined;
  return {
    kind,
    format: String(m.format),
    formatVersion: Number(m.formatVersion),
    appVersion: typeof m.appVersion === 'string' ? m.appVersion : 'unknown',
    createdAt: typeof m.createdAt === 'string' ? m.createdAt : '',
    familyLabel: typeof m.familyLabel === 'string' ? m.familyLabel : typeof m.family === 'string' ? m.family : '',
    objectiveLabel: typeof m.objectiveLabel === 'string' ? m.objectiveLabel : kind === 'bnn' ? 'elbo' : '',
    seed: num(m.seed) ?? 0,
    backend: typeof m.backend === 'string' ? m.backend : null,
    source: src && typeof src === 'object' && typeof src.runId === 'number' ? src : null,
    metrics,
    columns,
    description,
    checksummed,
    files,
  };
}

/** Loads the model once (then releases it), so a bundle that passes the checks but cannot be used is refused now. */
async function tryLoad(kind: ModelKind, dir: string): Promise<void> {
  try {
    if (kind === 'vae') {
      await initBackend();
      (await loadVaeBundle(dir)).dispose();
    } else if (kind === 'bnn') {
      await initBackend();
      disposeNet(loadBnnBundle(dir).model.net);
    } else {
      loadLdaBundle(dir);
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new BundleError(
      'DAMAGED',
      `Damaged bundle: the ${kind.toUpperCase()} model does not load (${(e as Error).message}).`,
      'Export the model again from the run it came from.',
    );
  }
}

/** A checksummed bundle (its manifest lists files) may hold nothing else; older formats list none. */
function refuseUnlisted(dir: string, listed: { path: string }[]): void {
  if (listed.length === 0) return;
  const allowed = new Set([MANIFEST_FILE, ...listed.map((f) => f.path)]);
  const extra = listBundleFiles(dir).filter((rel) => !allowed.has(rel) && !isArchiverJunk(rel));
  if (extra.length) {
    throw new BundleError(
      'UNSAFE_PATH',
      `Refusing the bundle: manifest.json does not list ${extra.length === 1 ? 'the file' : `${extra.length} files:`} ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ' …' : ''}`,
      'A bundle holds only the files its manifest lists; export the model again, or remove the extra files.',
    );
  }
}

export type BundleSourceArg = { zipPath: string; name: string } | { folder: string };

/** Imports a bundle (.zip or folder) into <dataDir>/models/<id>/ and records it. */
export async function importBundle(s: BundleServices, source: BundleSourceArg): Promise<ImportedModel> {
  const root = modelsRoot(s);
  fs.mkdirSync(root, { recursive: true });
  // The pid in the name lets the next start remove them at once if this process is killed mid-import.
  const work = path.join(root, `.import-${process.pid}-${rand()}`);
  const ready = path.join(root, `.ready-${process.pid}-${rand()}`);
  try {
    let bundleDir: string;
    let sourceName: string;
    if ('zipPath' in source) {
      sourceName = source.name;
      const size = fs.statSync(source.zipPath).size;
      if (size > MAX_ZIP_BYTES)
        throw new BundleError(
          'DAMAGED',
          `${source.name} has ${(size / 1024 ** 2).toFixed(0)} MB; a model bundle is at most ${MAX_ZIP_BYTES / 1024 ** 2} MB.`,
          'Choose the .zip ELBO Studio exported.',
        );
      await unzipBundleOffThread(source.zipPath, work);
      bundleDir = bundleRoot(work);
      refuseUnlisted(bundleDir, openBundleFolder(bundleDir).files);
      fs.renameSync(bundleDir, ready);
    } else {
      if (!path.isAbsolute(source.folder))
        throw new AppError(
          'BAD_REQUEST',
          `"${source.folder}" is not a full folder path`,
          'Give the whole path of the bundle folder (the one holding manifest.json).',
        );
      const folder = path.resolve(source.folder);
      let st: fs.Stats;
      try {
        st = fs.statSync(folder);
      } catch {
        throw new AppError(
          'NOT_FOUND',
          `There is no folder ${folder}`,
          'Check the path; it is a folder on the computer ELBO Studio runs on.',
        );
      }
      if (!st.isDirectory())
        throw new AppError(
          'BAD_REQUEST',
          `${folder} is a file, not a folder`,
          'For a .zip, use "Upload .zip"; otherwise give the folder holding manifest.json.',
        );
      sourceName = folder;
      bundleDir = bundleRoot(folder);
      refuseUnlisted(bundleDir, openBundleFolder(bundleDir).files); // refuse early, before copying anything
      // Copy file by file (listBundleFiles refuses symbolic links), then check the copy: it is what is kept.
      for (const rel of listBundleFiles(bundleDir)) {
        const dest = path.join(ready, ...rel.split('/'));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.copyFileSync(path.join(bundleDir, ...rel.split('/')), dest, fs.constants.COPYFILE_EXCL);
      }
    }
    const opened = openBundleFolder(ready);
    await tryLoad(opened.kind, ready);
    const files = listBundleFiles(ready);
    const bytes = files.reduce((a, f) => a + fs.statSync(path.join(ready, ...f.split('/'))).size, 0);
    const summary = summariseManifest(opened.manifest, opened.kind, files.length, opened.checksummed);
    const name = summary.source ? `${summary.source.runName}` : `${opened.kind.toUpperCase()} model`;
    return s.repos.models.create(
      {
        name: name.slice(0, 300),
        kind: opened.kind,
        format: opened.manifest.format,
        formatVersion: opened.manifest.formatVersion,
        summary,
        sourceName,
        bytes,
      },
      (id) => {
        const rel = path.join('models', String(id));
        const dest = path.join(s.dataDir, rel);
        fs.rmSync(dest, { recursive: true, force: true }); // an orphan of an interrupted import with the same id
        fs.renameSync(ready, dest);
        return rel;
      },
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(ready, { recursive: true, force: true });
  }
}

/** Absolute folder of an imported model. */
export function importedModelDir(s: BundleServices, id: number): string {
  const rel = s.repos.models.dir(id);
  if (rel === null)
    throw new AppError('NOT_FOUND', `No imported model with id ${id}`, 'Open one from the Models page.');
  return path.resolve(s.dataDir, rel);
}

/** Deletes an imported model: its folder is moved aside, the row deleted, then the folder removed. */
export function deleteImportedModel(s: BundleServices, id: number): void {
  const dir = importedModelDir(s, id);
  const trash = path.join(modelsRoot(s), `.trash-${id}-${process.pid}-${rand()}`);
  const had = fs.existsSync(dir);
  if (had) fs.renameSync(dir, trash);
  try {
    s.repos.models.delete(id);
  } catch (e) {
    if (had) fs.renameSync(trash, dir);
    throw e;
  }
  fs.rmSync(trash, { recursive: true, force: true });
}

/**
 * Removes what an interrupted import or delete left in <dataDir>/models: folders no row refers to — at once when the
 * process named in a working folder's name (.import-<pid>-…, .ready-<pid>-…) is gone, else once they are older than
 * `minAgeMs` (another process sharing the data directory — the CLI and the app — may be importing right now).
 */
export function sweepModelsDir(s: BundleServices, minAgeMs = 3600_000): string[] {
  const root = modelsRoot(s);
  if (!fs.existsSync(root)) return [];
  const known = new Set(s.repos.models.dirs().map((d) => path.resolve(s.dataDir, d)));
  const removed: string[] = [];
  const now = Date.now();
  const ownerGone = (name: string): boolean => {
    const m = /^\.(?:import|ready|trash-\d+)-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  for (const e of fs.readdirSync(root)) {
    const full = path.join(root, e);
    if (!known.has(full) && (ownerGone(e) || now - fs.lstatSync(full).mtimeMs >= minAgeMs)) {
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(e);
    }
  }
  return removed;
}
