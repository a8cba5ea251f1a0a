/**
 * Files the user chose (Electron's dialog) or uploaded (browser mode), known by an opaque id so the renderer never
 * names a path on disk. Uploads live in the data directory's uploads/ folder.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { AppError } from '../../src-shared/ipc/app-error';
import type { PickedFile } from '../../src-shared/domain/types';

interface Entry {
  path: string;
  name: string;
  bytes: number;
  upload: boolean;
  /** When it was registered (ms since the epoch), for the sweep of abandoned uploads. */
  at: number;
}

/** An upload over the size cap: the part written is removed and nothing is registered. */
export class UploadTooLargeError extends AppError {}

const mb = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(0)} MB`;

export class FileRegistry {
  private readonly files = new Map<string, Entry>();
  constructor(private readonly uploadDir: string) {}

  /** Registers a file the user picked in a native dialog. */
  register(filePath: string): PickedFile {
    const st = fs.statSync(filePath);
    if (!st.isFile()) throw new AppError('BAD_REQUEST', `${filePath} is not a file`);
    const fileId = crypto.randomBytes(16).toString('hex');
    const name = path.basename(filePath);
    this.files.set(fileId, { path: filePath, name, bytes: st.size, upload: false, at: Date.now() });
    return { fileId, name, bytes: st.size };
  }

  /**
   * Streams an upload to disk (never held in memory whole), refusing it once it passes `maxBytes`. A failed upload
   * (cut off, too large, disk full) leaves nothing behind.
   */
  async upload(name: string, body: Readable, maxBytes = Infinity): Promise<PickedFile> {
    const safeName =
      path
        .basename(name)
        .replace(/[\u0000-\u001f]/g, '')
        .slice(0, 255) || 'upload.csv';
    fs.mkdirSync(this.uploadDir, { recursive: true });
    const fileId = crypto.randomBytes(16).toString('hex');
    const dest = path.join(this.uploadDir, fileId);
    let seen = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > maxBytes) {
          cb(
            new UploadTooLargeError(
              'BAD_REQUEST',
              `${safeName} is larger than the upload limit of ${mb(maxBytes)}`,
              'Restart `npm run serve` with --max-upload-mb N (or ELBO_STUDIO_MAX_UPLOAD_MB) to allow larger files.',
            ),
          );
        } else cb(null, chunk);
      },
    });
    try {
      await pipeline(body, cap, fs.createWriteStream(dest));
    } catch (e) {
      fs.rmSync(dest, { force: true });
      if (e instanceof AppError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC') {
        throw new AppError(
          'BAD_REQUEST',
          `The disk holding ${this.uploadDir} is full; the upload of ${safeName} was removed`,
          'Free some disk space, then upload again.',
        );
      }
      throw new AppError(
        'BAD_REQUEST',
        `The upload of ${safeName} did not complete: ${(e as Error).message}`,
        'Try again.',
      );
    }
    const bytes = fs.statSync(dest).size;
    this.files.set(fileId, { path: dest, name: safeName, bytes, upload: true, at: Date.now() });
    return { fileId, name: safeName, bytes };
  }

  /**
   * Removes abandoned uploads: files in uploads/ this registry does not know (left by a process that was killed or
   * closed; only once older than `orphanAgeMs`, since another process on the same data directory may be uploading),
   * and known uploads never imported within `idleMs`. Returns the removed file names.
   */
  sweep(orphanAgeMs = 3600_000, idleMs = 24 * 3600_000): string[] {
    const removed: string[] = [];
    const now = Date.now();
    for (const [id, e] of this.files) {
      if (e.upload && now - e.at >= idleMs) {
        fs.rmSync(e.path, { force: true });
        this.files.delete(id);
        removed.push(path.basename(e.path));
      }
    }
    let names: string[];
    try {
      names = fs.readdirSync(this.uploadDir);
    } catch {
      return removed;
    }
    const known = new Set([...this.files.values()].filter((e) => e.upload).map((e) => path.basename(e.path)));
    for (const n of names) {
      if (known.has(n)) continue;
      const full = path.join(this.uploadDir, n);
      try {
        if (now - fs.lstatSync(full).mtimeMs >= orphanAgeMs) {
          fs.rmSync(full, { recursive: true, force: true });
          removed.push(n);
        }
      } catch {
        /* gone meanwhile */
      }
    }
    return removed;
  }

  resolve(fileId: string): Entry {
    const e = this.files.get(fileId);
    if (!e) {
      throw new AppError(
        'NOT_FOUND',
        `No chosen file with id ${fileId}`,
        'Choose the file again (choices are forgotten when the app restarts).',
      );
    }
    return e;
  }

  /** Removes an uploaded copy once it has been imported. */
  release(fileId: string): void {
    const e = this.files.get(fileId);
    if (e?.upload) fs.rmSync(e.path, { force: true });
    this.files.delete(fileId);
  }
}
