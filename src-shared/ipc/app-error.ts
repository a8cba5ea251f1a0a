/**
 * The only error shape that crosses the API boundary: a code a program can branch on, a message a person can read
 * (echoing the bad value), and a hint naming the fix. Never a stack trace.
 */
export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** An export to a folder that already holds files, without `overwrite: true` (the UI asks, then retries). */
  | 'FOLDER_NOT_EMPTY'
  | 'IMPORT_FAILED'
  | 'RUN_FAILED'
  | 'UNSUPPORTED'
  | 'INTERNAL';

export interface AppErrorData {
  code: AppErrorCode;
  message: string;
  hint?: string;
}

export class AppError extends Error implements AppErrorData {
  readonly code: AppErrorCode;
  readonly hint?: string;
  constructor(code: AppErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    if (hint !== undefined) this.hint = hint;
  }
  toJSON(): AppErrorData {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
  static is(value: unknown): value is AppErrorData {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as AppErrorData).code === 'string' &&
      typeof (value as AppErrorData).message === 'string'
    );
  }
}

/** Any thrown value → AppErrorData, hiding internals of unexpected errors. */
export function toAppError(e: unknown): AppErrorData {
  if (e instanceof AppError) return e.toJSON();
  if (AppError.is(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${msg.split('\n')[0]}`,
    hint: 'This is a bug in ELBO Studio; the log in the data directory has details.',
  };
}
