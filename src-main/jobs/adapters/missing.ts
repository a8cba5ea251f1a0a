/** The one check that a model which cannot use missing values is not handed a dataset that kept some (domain/missing.ts). */
import { missingRefusal, type MISSING_SUPPORT } from '../../../src-shared/domain/missing';
import { AppError } from '../../../src-shared/ipc/app-error';
import type { DatasetInfo } from './types';

/** Throws BAD_REQUEST naming the column, its missing count and the fix when a used column holds missing cells. */
export function refuseMissing(model: keyof typeof MISSING_SUPPORT, d: DatasetInfo, used: string[]): void {
  const names = new Set(used);
  const r = missingRefusal(
    model,
    d.name,
    d.rows,
    d.schema.filter((c) => names.has(c.name)),
  );
  if (r) throw new AppError('BAD_REQUEST', r.message, r.hint);
}
