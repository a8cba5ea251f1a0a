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
  /** The data directory cannot be used: full disk, read-only, damaged database (the message names the path and fix). */
  | 'STORAGE'
  | 'INTERNAL';

export interface AppErrorData {
  code: AppErrorCode;
  message: string;
  hint?: string;
  /**
   * FOLDER_NOT_EMPTY: the token that confirms this very overwrite. Send it back (with `overwrite: true`) once the user
   * has agreed; it is single-use and valid while the folder holds what the message lists.
   */
  confirmToken?: string;
}

export class AppError extends Error implements AppErrorData {
  readonly code: AppErrorCode;
  readonly hint?: string;
  readonly confirmToken?: string;
  constructor(code: AppErrorCode, message: string, hint?: string, extra?: { confirmToken?: string }) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    if (hint !== undefined) this.hint = hint;
    if (extra?.confirmToken !== undefined) this.confirmToken = extra.confirmToken;
  }
  toJSON(): AppErrorData {
    const base: AppErrorData =
      this.hint === undefined
        ? { code: this.code, message: this.message }
        : { code: this.code, message: this.message, hint: this.hint };
    return this.confirmToken === undefined ? base : { ...base, confirmToken: this.confirmToken };
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
  if (AppError.is(e)) {
    return {
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.confirmToken ? { confirmToken: e.confirmToken } : {}),
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${msg.split('\n')[0]}`,
    hint: 'This is a bug in ELBO Studio; the log in the data directory has details.',
  };
}
