import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AppError } from '../../../src-shared/ipc/app-error';
import { importCsv, type ImportOptions } from '../import';

export interface Scratch {
  dir: string;
  file: (name: string, content: string | Buffer) => string;
  cleanup: () => void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-import-'));
  return {
    dir,
    file: (name, content) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `fn`, expecting an AppError('IMPORT_FAILED') whose message matches; returns it. */
export async function expectImportError(fn: () => Promise<unknown>, message: RegExp, hint?: RegExp): Promise<AppError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(AppError);
  const err = caught as AppError;
  expect(err.code).toBe('IMPORT_FAILED');
  expect(err.message).toMatch(message);
  if (hint) expect(err.hint ?? '').toMatch(hint);
  return err;
}

/** Imports `content`, expecting failure with `message`, and checks that nothing is left in the destination. */
export async function expectFailedImport(
  s: Scratch,
  content: string | Buffer,
  message: RegExp,
  opts: ImportOptions = {},
  hint?: RegExp,
): Promise<AppError> {
  const src = s.file(`bad-${Math.random().toString(36).slice(2)}.csv`, content);
  const dest = join(s.dir, `ds-${Math.random().toString(36).slice(2)}`);
  const err = await expectImportError(() => importCsv(src, dest, opts), message, hint);
  expect(existsSync(dest), 'destDir must be removed').toBe(false);
  return err;
}
