/**
 * The one place a request enters: channel lookup, zod validation of the arguments, the handler, and every failure
 * turned into `{ code, message, hint }` (never a stack trace). Both transports call `dispatch`.
 */
import type { z } from 'zod';
import { AppError, toAppError, type AppErrorData } from '../../src-shared/ipc/app-error';
import { invokeSchemas, isInvokeChannel, type Handlers, type InvokeChannel } from '../../src-shared/ipc/contract';
import { registerImport } from './register-import';
import { registerProjects } from './register-projects';
import { registerRuns } from './register-runs';
import { registerHistory } from './register-history';
import { registerExport } from './register-export';
import { registerLda } from './register-lda';
import { registerVae } from './register-vae';
import { registerBnn } from './register-bnn';
import { registerComparisons } from './register-comparisons';
import { registerModels } from './register-models';
import { registerReference } from './register-reference';
import type { Services } from './services';
import { describeStorageError } from '../storage/storage-errors';

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: AppErrorData; status: number };

export function createHandlers(s: Services): Handlers {
  const all: Handlers = {
    ...registerProjects(s),
    ...registerImport(s),
    ...registerRuns(s),
    ...registerHistory(s),
    ...registerExport(s),
    ...registerLda(s),
    ...registerVae(s),
    ...registerBnn(s),
    ...registerComparisons(s),
    ...registerModels(s),
    ...registerReference(s),
  };
  // A full disk, a read-only data directory or a damaged database: say so, with the path and the fix.
  const wrapped: Record<string, (a: unknown) => Promise<unknown>> = {};
  for (const [channel, handler] of Object.entries(all) as [string, (a: unknown) => Promise<unknown>][]) {
    wrapped[channel] = async (a) => {
      try {
        return await handler(a);
      } catch (e) {
        throw describeStorageError(e, s.dataDir) ?? e;
      }
    };
  }
  return wrapped as unknown as Handlers;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`)
    .join('; ');
}

const statusOf: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  FOLDER_NOT_EMPTY: 409,
  IMPORT_FAILED: 422,
  RUN_FAILED: 422,
  UNSUPPORTED: 422,
  STORAGE: 507,
  INTERNAL: 500,
};

export function createDispatcher(handlers: Handlers, log: (msg: string) => void = (m) => console.error(m)) {
  return async function dispatch(channel: string, rawArgs: unknown): Promise<DispatchResult> {
    if (!isInvokeChannel(channel)) {
      const e = new AppError(
        'NOT_FOUND',
        `Unknown request "${channel}"`,
        'The UI and the main process are from different versions; restart the app.',
      );
      return { ok: false, error: e.toJSON(), status: 404 };
    }
    const schema = invokeSchemas[channel] as z.ZodType;
    const parsed = schema.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const e = new AppError(
        'BAD_REQUEST',
        `Invalid arguments for ${channel}: ${formatIssues(parsed.error)}`,
        'Check the values you entered.',
      );
      return { ok: false, error: e.toJSON(), status: 400 };
    }
    try {
      const handler = handlers[channel as InvokeChannel] as (a: unknown) => Promise<unknown>;
      const result = await handler(parsed.data);
      return { ok: true, result: result ?? null };
    } catch (err) {
      const error = toAppError(err);
      if (error.code === 'INTERNAL') log(`[${channel}] ${(err as Error)?.stack ?? String(err)}`);
      return { ok: false, error, status: statusOf[error.code] ?? 500 };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
