/**
 * Files the user chose (Electron's dialog) or uploaded (browser mode), known by an opaque id so the renderer never
 * names a path on disk. Uploads live in the data directory's uploads/ folder.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { AppError } from '../../src-shared/ipc/app-error';
import type { PickedFile } from '../../src-shared/domain/types';

interface Entry {
  path: string;
  name: string;
  bytes: number;
  upload: boolean;
}

export class FileRegistry {
  private readonly files = new Map<string, Entry>();
  constructor(private readonly uploadDir: string) {}

  /** Registers a file the user picked in a native dialog. */
  register(filePath: string): PickedFile {
    const st = fs.statSync(filePath);
    if (!st.isFile()) throw new AppError('BAD_REQUEST', `${filePath} is not a file`);
    const fileId = crypto.randomBytes(16).toString('hex');
    const name = path.basename(filePath);
    this.files.set(fileId, { path: filePath, name, bytes: st.size, upload: false });
    return { fileId, name, bytes: st.size };
  }

  /** Streams an upload to disk (never held in memory whole). */
  async upload(name: string, body: Readable): Promise<PickedFile> {
    const safeName = path.basename(name).replace(/[\u0000-\u001f]/g, '').slice(0, 255) || 'upload.csv';
    fs.mkdirSync(this.uploadDir, { recursive: true });
    const fileId = crypto.randomBytes(16).toString('hex');
    const dest = path.join(this.uploadDir, fileId);
    try {
      await pipeline(body, fs.createWriteStream(dest));
    } catch (e) {
      fs.rmSync(dest, { force: true });
      throw new AppError('BAD_REQUEST', `The upload of ${safeName} did not complete: ${(e as Error).message}`, 'Try again.');
    }
    const bytes = fs.statSync(dest).size;
    this.files.set(fileId, { path: dest, name: safeName, bytes, upload: true });
    return { fileId, name: safeName, bytes };
  }

  resolve(fileId: string): Entry {
    const e = this.files.get(fileId);
    if (!e) {
      throw new AppError('NOT_FOUND', `No chosen file with id ${fileId}`, 'Choose the file again (choices are forgotten when the app restarts).');
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
