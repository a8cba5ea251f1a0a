/**
 * The model-bundle format family shared by every fitted model ELBO Studio exports (VAE, LDA, BNN): a folder (or the
 * same folder zipped) with a versioned `manifest.json` at its top level and the fitted parameters beside it.
 *
 *   manifest.json   { format: 'elbo-studio.<kind>-bundle', formatVersion, appVersion, createdAt, model, family,
 *                     objective, spec (the hyper-parameters), seed, metrics, backend, columnSchema (the columns a new
 *                     CSV must have), source (the run it came from), the model's own fields (preprocessing,
 *                     vocabulary options, architecture …), parts (role → file), and
 *                     files: [{ path, bytes, sha256 }] for every other file of the bundle }
 *
 * `sealBundle` writes the manifest last, listing every file with its size and SHA-256, so a reader can tell a
 * complete, undamaged bundle from a truncated copy or a flipped byte (`verifyBundleFiles`). Every path a bundle names
 * is resolved inside its folder (`insideBundle`); symbolic links are never followed or written. Bundles written
 * before checksums existed (VAE and BNN format version 1) have no `files` list and still load, unverified.
 *
 * Pure Node (fs, crypto, path): no Electron, storage or UI.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../../src-shared/ipc/app-error';
import { upgradeRunSpec } from '../../../../src-shared/schemas/spec-upgrade';

export type BundleKind = 'vae' | 'lda' | 'bnn';

/** Each known format, the model kind it holds, and the newest format version this app reads (and writes). */
export const BUNDLE_FORMATS = {
  'elbo-studio.vae-bundle': { kind: 'vae', version: 2 },
  'elbo-studio.lda-bundle': { kind: 'lda', version: 1 },
  'elbo-studio.bnn-bundle': { kind: 'bnn', version: 2 },
} as const satisfies Record<string, { kind: BundleKind; version: number }>;
export type BundleFormat = keyof typeof BUNDLE_FORMATS;

export const MANIFEST_FILE = 'manifest.json';

/** One file of a bundle as the manifest lists it (path relative to the bundle folder, '/'-separated). */
export interface BundleFileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

/** A column a new CSV must (or may) hold to be used with the model. */
export interface BundleColumn {
  name: string;
  /** feature: model input; target: compared with the predictions when present; text: the documents (LDA). */
  role: 'feature' | 'target' | 'text';
  type: 'numeric' | 'binary' | 'categorical' | 'text';
  /** Level labels of binary and categorical columns, in code order. */
  levels?: string[];
  required: boolean;
}

/** Where a bundle came from (informational: the run may not exist where the bundle is opened). */
export interface BundleSource {
  runId: number;
  runName: string;
  dataset: string;
  project?: string;
}

/** Fields every manifest of the family carries (the model-specific ones sit beside them). */
export interface BundleHeader {
  format: BundleFormat;
  formatVersion: number;
  appVersion: string;
  createdAt: string;
  model: BundleKind;
  /** Human-readable family (e.g. "meanfield", "iaf:4", "svgd:20", "mean-field Dirichlet"). */
  familyLabel: string;
  objectiveLabel: string;
  seed: number;
  backend: string | null;
  columnSchema: BundleColumn[];
  source: BundleSource | null;
  files: BundleFileEntry[];
}

/** Why a bundle was refused: a program branches on `reason`, a person reads `message` and `hint`. */
export type BundleErrorReason =
  'NO_MANIFEST' | 'BAD_MANIFEST' | 'UNKNOWN_FORMAT' | 'NEWER_VERSION' | 'DAMAGED' | 'UNSAFE_PATH';

export class BundleError extends AppError {
  constructor(
    readonly reason: BundleErrorReason,
    message: string,
    hint: string,
  ) {
    super(reason === 'NEWER_VERSION' ? 'UNSUPPORTED' : 'BAD_REQUEST', message, hint);
    this.name = 'BundleError';
  }
}

const REEXPORT_HINT =
  'Export the model again from the run it came from, or copy the bundle again (the copy may be incomplete).';

/** Resolve a bundle-relative path inside root, refusing absolute paths, drive letters, NUL bytes and escapes. */
export function insideBundle(root: string, rel: string): string {
  if (
    typeof rel !== 'string' ||
    rel === '' ||
    path.isAbsolute(rel) ||
    rel.includes('\0') ||
    /^[a-zA-Z]:/.test(rel) ||
    rel.startsWith('\\')
  ) {
    throw new BundleError(
      'UNSAFE_PATH',
      `Refusing bundle path "${String(rel)}": it must be a relative path inside the bundle folder.`,
      'Paths from a bundle can never write or read outside the chosen folder; export the bundle again with ELBO Studio.',
    );
  }
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  if (full !== base && !full.startsWith(base + path.sep)) {
    throw new BundleError(
      'UNSAFE_PATH',
      `Refusing bundle path "${rel}": it leaves the bundle folder.`,
      'Paths from a bundle can never write or read outside the chosen folder; export the bundle again with ELBO Studio.',
    );
  }
  return full;
}

/**
 * Every regular file under dir as sorted '/'-separated relative paths. A symbolic link (or anything that is neither a
 * file nor a folder) is refused, so a bundle can never point outside itself.
 */
export function listBundleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? path.join(dir, rel) : dir;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        throw new BundleError(
          'UNSAFE_PATH',
          `Refusing bundle entry "${r}": it is a symbolic link.`,
          'Paths from a bundle can never point outside the chosen folder; export the bundle again with ELBO Studio.',
        );
      }
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
      else
        throw new BundleError(
          'UNSAFE_PATH',
          `Refusing bundle entry "${r}": it is not a regular file.`,
          'A bundle holds only folders and regular files.',
        );
    }
  };
  walk('');
  return out.sort();
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Entries (path, size, SHA-256) of every file of the bundle folder except manifest.json. */
export function bundleFileEntries(dir: string): BundleFileEntry[] {
  return listBundleFiles(dir)
    .filter((p) => p !== MANIFEST_FILE)
    .map((p) => {
      const abs = insideBundle(dir, p);
      return { path: p, bytes: fs.statSync(abs).size, sha256: sha256File(abs) };
    });
}

/** Writes manifest.json (last) with `files` listing every other file of dir. Returns the manifest written. */
export function sealBundle<M extends { files?: unknown }>(dir: string, manifest: M): M & { files: BundleFileEntry[] } {
  const sealed = { ...manifest, files: bundleFileEntries(dir) };
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), `${JSON.stringify(sealed, null, 2)}\n`);
  return sealed;
}

/** Re-reads manifest.json and seals it again (after files were added to the bundle, e.g. ONNX networks). */
export function resealBundle(dir: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  return sealBundle(dir, { ...m, ...patch });
}

export interface ReadManifest {
  manifest: Record<string, unknown> & { format: BundleFormat; formatVersion: number };
  kind: BundleKind;
  /** Whether the manifest lists checksums (format versions with `files`). */
  checksummed: boolean;
}

/**
 * Reads and checks a bundle's manifest.json: present, valid JSON, a known format, a format version this app reads.
 * `expect` narrows to one kind (a VAE loader refuses an LDA bundle with a clear message).
 */
export function readBundleManifest(dir: string, expect?: BundleKind): ReadManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    const st = fs.lstatSync(file);
    if (st.isSymbolicLink() || !st.isFile()) throw new Error('not a regular file');
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new BundleError(
      'NO_MANIFEST',
      'This is not an ELBO Studio model bundle: it has no manifest.json at its top level.',
      'Choose the .zip file or folder ELBO Studio exported (manifest.json sits at its top level).',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BundleError(
      'BAD_MANIFEST',
      `Damaged bundle: manifest.json is not valid JSON (${(e as Error).message}).`,
      REEXPORT_HINT,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BundleError('BAD_MANIFEST', 'Damaged bundle: manifest.json does not hold an object.', REEXPORT_HINT);
  }
  const m = raw as Record<string, unknown>;
  const format = m.format;
  const known = Object.keys(BUNDLE_FORMATS);
  if (typeof format !== 'string' || !(format in BUNDLE_FORMATS)) {
    throw new BundleError(
      'UNKNOWN_FORMAT',
      `Not an ELBO Studio model bundle: manifest.json names format ${JSON.stringify(format ?? null)}.`,
      `This version reads ${known.join(', ')}.`,
    );
  }
  const info = BUNDLE_FORMATS[format as BundleFormat];
  if (expect && info.kind !== expect) {
    throw new BundleError(
      'UNKNOWN_FORMAT',
      `This is a ${info.kind.toUpperCase()} bundle, not a ${expect.toUpperCase()} bundle.`,
      `Open it as a ${info.kind.toUpperCase()} model.`,
    );
  }
  const v = m.formatVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new BundleError(
      'BAD_MANIFEST',
      `Damaged bundle: manifest.json has formatVersion ${JSON.stringify(v ?? null)}; expected a whole number ≥ 1.`,
      REEXPORT_HINT,
    );
  }
  if (v > info.version) {
    const by =
      typeof m.appVersion === 'string' && /^[\w.+-]{1,40}$/.test(m.appVersion)
        ? `It says it was written by ELBO Studio ${m.appVersion}. `
        : '';
    throw new BundleError(
      'NEWER_VERSION',
      `This bundle was made by a newer ELBO Studio (format v${v}); this version reads up to v${info.version} — update ELBO Studio.`,
      `${by}Install that version or a later one to open it, or export the model again with this version.`,
    );
  }
  const checksummed = Array.isArray(m.files);
  // Format versions that introduced checksums must carry them.
  const firstChecksummed = info.kind === 'lda' ? 1 : 2;
  if (!checksummed && v >= firstChecksummed) {
    throw new BundleError(
      'BAD_MANIFEST',
      'Damaged bundle: manifest.json has no list of files and checksums.',
      REEXPORT_HINT,
    );
  }
  // A run spec written by an earlier version is read in today's shape (the same upgrade as the history database's).
  if ('spec' in m) m.spec = upgradeRunSpec(m.spec).spec;
  return { manifest: m as ReadManifest['manifest'], kind: info.kind, checksummed };
}

function isEntry(e: unknown): e is BundleFileEntry {
  const x = e as BundleFileEntry;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.path === 'string' &&
    Number.isInteger(x.bytes) &&
    x.bytes >= 0 &&
    typeof x.sha256 === 'string' &&
    /^[a-f0-9]{64}$/.test(x.sha256)
  );
}

/**
 * Checks every file the manifest lists: inside the folder, a regular file (no symbolic link), the listed size and
 * SHA-256. Returns the entries; throws BundleError('DAMAGED' | 'UNSAFE_PATH' | 'BAD_MANIFEST') naming the file.
 */
export function verifyBundleFiles(dir: string, manifest: Record<string, unknown>): BundleFileEntry[] {
  const files = manifest.files;
  if (!Array.isArray(files)) return [];
  const seen = new Set<string>();
  for (const e of files) {
    if (!isEntry(e))
      throw new BundleError(
        'BAD_MANIFEST',
        `Damaged bundle: manifest.json lists a file entry without path, bytes and sha256 (${JSON.stringify(e).slice(0, 120)}).`,
        REEXPORT_HINT,
      );
    if (seen.has(e.path))
      throw new BundleError('BAD_MANIFEST', `Damaged bundle: manifest.json lists file ${e.path} twice.`, REEXPORT_HINT);
    seen.add(e.path);
    const abs = insideBundle(dir, e.path);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      throw new BundleError('DAMAGED', `Damaged bundle: file ${e.path} is missing.`, REEXPORT_HINT);
    }
    if (st.isSymbolicLink())
      throw new BundleError(
        'UNSAFE_PATH',
        `Refusing bundle entry "${e.path}": it is a symbolic link.`,
        'Paths from a bundle can never point outside the chosen folder.',
      );
    if (!st.isFile()) throw new BundleError('DAMAGED', `Damaged bundle: ${e.path} is not a file.`, REEXPORT_HINT);
    if (st.size !== e.bytes)
      throw new BundleError(
        'DAMAGED',
        `Damaged bundle: file ${e.path} has ${st.size} bytes; the manifest says ${e.bytes}.`,
        REEXPORT_HINT,
      );
    const h = sha256File(abs);
    if (h !== e.sha256)
      throw new BundleError(
        'DAMAGED',
        `Damaged bundle: file ${e.path} does not match its checksum (the content changed after export).`,
        REEXPORT_HINT,
      );
  }
  return files as BundleFileEntry[];
}

/** readBundleManifest + verifyBundleFiles: a bundle folder ready to load. */
export function openBundleFolder(dir: string, expect?: BundleKind): ReadManifest & { files: BundleFileEntry[] } {
  const r = readBundleManifest(dir, expect);
  return { ...r, files: verifyBundleFiles(dir, r.manifest) };
}
