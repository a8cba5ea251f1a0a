/**
 * CSV import: preview (sniff the delimiter, infer column types from a sample) and streaming import into a columnar
 * dataset directory, read back with DatasetFile. Every failure is an AppError('IMPORT_FAILED') naming line and column.
 */
import type { ImportPreview } from '../../src-shared/domain/types';
import { readSample } from './sample';
import type { DelimiterOption, EncodingOption } from './sniff';

export { importCsv, type ImportOptions, type ImportResult, type ImportProgressInfo } from './import';
export { DatasetFile } from './dataset-file';
export { type DatasetMeta, F32_FILE, META_FILE, STR_FILE, STR_INDEX_FILE } from './format';
export { MAX_CATEGORICAL_LEVELS } from './infer';

/** Reads the header and the first `sampleRows` rows (default 2000), returning the first `showRows` (default 20) as text and the inferred columns. */
export async function previewCsv(
  filePath: string,
  sourceName: string,
  opts: {
    delimiter?: DelimiterOption;
    showRows?: number;
    sampleRows?: number;
    signal?: AbortSignal;
    encoding?: EncodingOption;
  } = {},
): Promise<ImportPreview> {
  const s = await readSample(filePath, sourceName, {
    showRows: opts.showRows ?? 20,
    sampleRows: opts.sampleRows ?? 2000,
    ...opts,
  });
  return {
    sourceName,
    bytes: s.size,
    delimiter: s.delimiter,
    headers: s.headers,
    rows: s.rows,
    sampledRows: s.sampledRows,
    columns: s.columns,
    warnings: s.warnings,
  };
}
