import { AppError } from '../../src-shared/ipc/app-error';

/** The one error every import failure becomes: code IMPORT_FAILED, a message naming line and column, and a hint. */
export function importError(message: string, hint?: string): AppError {
  return new AppError('IMPORT_FAILED', message, hint);
}

export function cancelledError(): AppError {
  return new AppError('IMPORT_FAILED', 'Import cancelled', 'Nothing was imported; start the import again when ready.');
}

/** Quote a cell for an error message, shortened so a huge cell cannot flood the UI. */
export function showValue(value: string, max = 60): string {
  const v = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(v);
}
