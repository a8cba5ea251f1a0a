/**
 * Zip archives of model bundles, with the maintained `fflate` library for (de)compression and our own reading of the
 * central directory for what fflate does not report: each entry's file type (a Unix symbolic link is refused), the
 * encryption flag and the CRC-32 of the stored contents.
 *
 * `safeUnzip` checks every entry before it writes anything: an absolute path, a drive letter, a `..` segment, a NUL
 * or control character, a symbolic link, a duplicate name, an encrypted entry or more than the size limits → refused
 * with a BundleError ('UNSAFE_PATH' or 'DAMAGED'), and nothing is written. Then each file is written with exclusive
 * create inside the destination folder (resolved through insideBundle), so paths from a zip can never write outside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { BundleError, insideBundle, listBundleFiles } from '../engine/models/common/bundle';

export interface ZipLimits {
  maxEntries: number;
  /** Sum of the entries' uncompressed sizes. */
  maxBytes: number;
  /**
   * Largest uncompressed / compressed ratio of an entry over `ratioFloorBytes` (a zip bomb packs gigabytes of
   * repeated bytes into kilobytes; model weights and CSV text compress by at most ~10×).
   */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxBytes: 1024 ** 3,
  maxRatio: 200,
  ratioFloorBytes: 1024 ** 2,
};

/** Entries of archivers' own bookkeeping (macOS Finder), skipped rather than written. */
export const isArchiverJunk = (rel: string): boolean =>
  rel.split('/')[0] === '__MACOSX' || rel.split('/').pop() === '.DS_Store';

const SAFE_HINT =
  'Paths from a bundle can never write outside the chosen folder; use a bundle exported by ELBO Studio.';
const DAMAGED_HINT = 'The zip file is damaged or incomplete; download or copy it again, or export the model again.';

/** Zips every file of a folder (symbolic links refused), optionally under a top-level folder name. */
export function zipFolder(dir: string, opts: { top?: string; level?: 0 | 1 | 6 | 9 } = {}): Uint8Array {
  const files: Zippable = {};
  const prefix = opts.top ? `${opts.top.replace(/[/\\]/g, '_')}/` : '';
  const mtime = new Date();
  for (const rel of listBundleFiles(dir)) {
    files[`${prefix}${rel}`] = [
      new Uint8Array(fs.readFileSync(path.join(dir, rel))),
      { level: opts.level ?? 6, mtime },
    ];
  }
  return zipSync(files);
}

export interface ZipEntry {
  /** The name as stored. */
  raw: string;
  /** The '/'-separated relative path it would be written to ('' for the root). */
  path: string;
  dir: boolean;
  symlink: boolean;
  encrypted: boolean;
  crc: number;
  compressedSize: number;
  size: number;
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

const damaged = (m: string): never => {
  throw new BundleError('DAMAGED', `Damaged zip file: ${m}`, DAMAGED_HINT);
};

/** The entries of a zip's central directory (names decoded as UTF-8). */
export function listZipEntries(buf: Uint8Array): ZipEntry[] {
  const notZip = (): never => {
    throw new BundleError(
      'DAMAGED',
      'This file is not a zip archive.',
      'Choose the .zip file ELBO Studio exported, or give the folder of an unzipped bundle.',
    );
  };
  const startsLikeZip = buf.length >= 4 && u32(buf, 0) === 0x04034b50;
  if (buf.length < 22)
    return startsLikeZip ? damaged(`it has ${buf.length} bytes, fewer than an empty zip.`) : notZip();
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (u32(buf, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    return startsLikeZip
      ? damaged('its end (the central directory) is missing — the file was probably cut short.')
      : notZip();
  const count = u16(buf, eocd + 10);
  const cdSize = u32(buf, eocd + 12);
  const cdOffset = u32(buf, eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff)
    damaged('ZIP64 archives are not supported (a model bundle is far smaller than 4 GB).');
  if (cdOffset + cdSize > eocd) damaged('the central directory lies outside the file.');
  const dec = new TextDecoder('utf-8');
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || u32(buf, p) !== 0x02014b50)
      damaged(`central directory entry ${k + 1} of ${count} is unreadable.`);
    const madeBy = u16(buf, p + 4);
    const flags = u16(buf, p + 8);
    const crc = u32(buf, p + 16);
    const compressedSize = u32(buf, p + 20);
    const size = u32(buf, p + 24);
    const nameLen = u16(buf, p + 28);
    const extraLen = u16(buf, p + 30);
    const commentLen = u16(buf, p + 32);
    const ext = u32(buf, p + 38);
    const raw = dec.decode(buf.subarray(p + 46, p + 46 + nameLen));
    const host = madeBy >>> 8;
    const mode = (ext >>> 16) & 0o170000;
    // Unix (3) and macOS (19) store st_mode in the high 16 bits of the external attributes.
    const symlink = (host === 3 || host === 19) && mode === 0o120000;
    const dirByMode = (host === 3 || host === 19) && mode === 0o040000;
    const dir = raw.endsWith('/') || raw.endsWith('\\') || dirByMode || (host === 0 && (ext & 0x10) !== 0);
    out.push({ raw, path: raw, dir, symlink, encrypted: (flags & 1) !== 0, crc, compressedSize, size });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Checks one entry name; returns its normalised relative path ('' for a root folder entry) or throws. */
export function checkEntryName(raw: string): string {
  const refuse = (why: string): never => {
    throw new BundleError(
      'UNSAFE_PATH',
      `Refusing zip entry "${raw.replace(/[\u0000-\u001f]/g, '?')}": ${why}.`,
      SAFE_HINT,
    );
  };
  if (/[\u0000-\u001f]/.test(raw)) refuse('its name holds a control character');
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/')) refuse('it is an absolute path');
  if (/^[a-zA-Z]:/.test(name)) refuse('it names a drive');
  const parts = name.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) refuse('it climbs out of the folder with ".."');
  return parts.join('/');
}

let CRC_TABLE: Uint32Array | null = null;
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Extracts a zip into destDir (created; it should be a new, empty folder). Every entry is checked first (see the file
 * header); nothing is written unless all pass. Returns the files written, '/'-separated and relative to destDir.
 */
export function safeUnzip(
  buf: Uint8Array,
  destDir: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  keep: (rel: string) => boolean = () => true,
): string[] {
  const entries = listZipEntries(buf);
  checkZipLimits(entries, limits);
  const plan = new Map<string, ZipEntry>();
  const dirs = new Set<string>();
  const lower = new Set<string>();
  for (const e of entries) {
    const rel = checkEntryName(e.raw);
    if (e.symlink)
      throw new BundleError('UNSAFE_PATH', `Refusing zip entry "${e.raw}": it is a symbolic link.`, SAFE_HINT);
    if (e.encrypted)
      throw new BundleError(
        'DAMAGED',
        `Zip entry "${e.raw}" is encrypted; ELBO Studio bundles never are.`,
        'Zip the bundle again without a password.',
      );
    if (e.dir) {
      if (rel) dirs.add(rel);
      continue;
    }
    if (!rel) throw new BundleError('UNSAFE_PATH', `Refusing zip entry "${e.raw}": it has no file name.`, SAFE_HINT);
    if (!keep(rel)) continue;
    const key = rel.toLowerCase();
    if (lower.has(key))
      throw new BundleError('UNSAFE_PATH', `Refusing zip entry "${e.raw}": the zip holds it twice.`, SAFE_HINT);
    lower.add(key);
    plan.set(rel, e);
  }
  // A file must not also be a folder ("a" and "a/b").
  for (const rel of plan.keys()) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (plan.has(parts.slice(0, i).join('/')))
        throw new BundleError(
          'UNSAFE_PATH',
          `Refusing zip entry "${rel}": "${parts.slice(0, i).join('/')}" is both a file and a folder.`,
          SAFE_HINT,
        );
    }
  }
  let data: Record<string, Uint8Array>;
  try {
    data = unzipSync(buf, {
      filter: (f) => !f.name.endsWith('/') && !f.name.endsWith('\\') && plan.has(checkEntryName(f.name)),
    });
  } catch (e) {
    return damaged(`it does not unpack (${(e as Error).message}).`);
  }
  const byRel = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(data)) {
    const rel = checkEntryName(name);
    if (rel && plan.has(rel)) byRel.set(rel, bytes);
  }
  for (const [rel, e] of plan) {
    const bytes = byRel.get(rel);
    if (!bytes) damaged(`entry ${rel} could not be read.`);
    if (bytes!.length !== e.size) damaged(`entry ${rel} unpacks to ${bytes!.length} bytes; the zip says ${e.size}.`);
    if (crc32(bytes!) !== e.crc) damaged(`entry ${rel} fails its CRC check (its bytes changed).`);
  }
  fs.mkdirSync(destDir, { recursive: true });
  for (const d of dirs) fs.mkdirSync(insideBundle(destDir, d), { recursive: true });
  const written: string[] = [];
  for (const [rel] of plan) {
    const full = insideBundle(destDir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, byRel.get(rel)!, { flag: 'wx' });
    written.push(rel);
  }
  return written.sort();
}

const mbOf = (b: number): string => `${(b / 1024 ** 2).toFixed(0)} MB`;

/** Entry count, total unpacked size and compression ratio, from the central directory, before anything unpacks. */
export function checkZipLimits(entries: ZipEntry[], limits: ZipLimits): void {
  if (entries.length > limits.maxEntries)
    damaged(`it has ${entries.length} entries; a model bundle has at most ${limits.maxEntries}.`);
  let total = 0;
  for (const e of entries) {
    total += e.size;
    if (total > limits.maxBytes) damaged(`its files unpack to more than ${mbOf(limits.maxBytes)}.`);
    if (e.size > limits.ratioFloorBytes && e.size > limits.maxRatio * Math.max(1, e.compressedSize)) {
      throw new BundleError(
        'DAMAGED',
        `Refusing zip entry "${e.raw.slice(0, 200)}": it unpacks ${(e.size / Math.max(1, e.compressedSize)).toFixed(0)}× (${e.compressedSize} bytes → ${mbOf(e.size)}), more than the ${limits.maxRatio}× a model bundle can reach — a zip bomb.`,
        'Use a bundle exported by ELBO Studio.',
      );
    }
  }
}

/**
 * Unpacks a model bundle's zip: the limits above, then the manifest read from the zip itself, and any file the
 * manifest does not list refused before a byte of it is written (a bundle of the checksummed formats lists every
 * file; older formats without a list are unpacked under the size limits only). Archivers' bookkeeping (__MACOSX,
 * .DS_Store) is skipped.
 */
export function unzipBundle(buf: Uint8Array, destDir: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): string[] {
  const entries = listZipEntries(buf);
  checkZipLimits(entries, limits);
  const files = entries
    .filter((e) => !e.dir)
    .map((e) => ({ e, rel: checkEntryName(e.raw) }))
    .filter((f) => f.rel && !isArchiverJunk(f.rel));
  const manifest =
    files.find((f) => f.rel === 'manifest.json') ?? files.find((f) => /^[^/]+\/manifest\.json$/.test(f.rel));
  if (manifest) {
    const prefix = manifest.rel.slice(0, -'manifest.json'.length);
    let listed: unknown;
    try {
      const raw = unzipSync(buf, { filter: (f) => f.name === manifest.e.raw })[manifest.e.raw];
      listed = raw ? (JSON.parse(new TextDecoder().decode(raw)) as { files?: unknown }).files : undefined;
    } catch {
      listed = undefined; // a manifest that does not parse is reported by the full check after unpacking
    }
    if (Array.isArray(listed)) {
      const allowed = new Set([
        manifest.rel,
        ...listed.map((f) => `${prefix}${String((f as { path?: unknown })?.path ?? '')}`),
      ]);
      const extra = files.filter((f) => !allowed.has(f.rel));
      if (extra.length) {
        throw new BundleError(
          'UNSAFE_PATH',
          `Refusing the bundle: manifest.json does not list ${extra.length === 1 ? 'the file' : `${extra.length} files:`} ${extra
            .slice(0, 5)
            .map((f) => `${f.rel} (${mbOf(f.e.size)})`)
            .join(', ')}${extra.length > 5 ? ' …' : ''}`,
          'A bundle holds only the files its manifest lists; export the model again, or remove the extra files.',
        );
      }
    }
  }
  return safeUnzip(buf, destDir, limits, (rel) => !isArchiverJunk(rel));
}
