/**
 * On-disk layout of an imported dataset (one directory per dataset):
 *
 *   meta.json    DatasetMeta below; written last, so its presence marks a complete import.
 *   data.f32     numeric, binary and categorical columns as little-endian Float32, column-major: the i-th float column
 *                (meta.float32Columns order) occupies bytes [i·rows·4, (i+1)·rows·4). Binary and categorical columns
 *                hold the level index (schema.levels). NaN only for cells kept missing (the 'keep'
 *                policy, schema.missingStored); drop and impute leave none. Indicator columns (impute with
 *                indicators) follow the source columns.
 *   strings.bin  text and identifier columns (used or ignored) as UTF-8, row-major: row 0's cells (meta.stringColumns order),
 *                then row 1's, … with no separators. Missing cells are empty.
 *   strings.idx  little-endian Float64 byte offsets into strings.bin: entry 0 is 0 and entry r·k + c + 1 is where cell
 *                (r, c) ends, k = stringColumns.length. Rows r0..r1 need one read of the index and one of the data.
 */
import type { ColumnSchema, Preprocessing } from '../../src-shared/domain/types';

export const META_FILE = 'meta.json';
export const F32_FILE = 'data.f32';
export const STR_FILE = 'strings.bin';
export const STR_INDEX_FILE = 'strings.idx';
export const FORMAT_NAME = 'elbo-studio-dataset';
export const FORMAT_VERSION = 1;

export interface DatasetMeta {
  format: typeof FORMAT_NAME;
  version: typeof FORMAT_VERSION;
  rows: number;
  /**
   * The stored columns in source order. Ignored text and identifier columns are kept as strings (role 'ignore');
   * ignored numeric, binary and categorical columns are not stored and not listed.
   */
  schema: ColumnSchema[];
  preprocessing: Preprocessing;
  /** sha256 (hex) of the source file's bytes. */
  contentHash: string;
  sourceBytes: number;
  sourceRows: number;
  float32Columns: string[];
  stringColumns: string[];
  createdAt: string;
}
