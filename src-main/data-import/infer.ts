/** Header checks and column type inference from a sample of rows. */
import type { ColumnRole, ColumnType, InferredColumn } from '../../src-shared/domain/types';
import { importError, showValue } from './errors';

/** More distinct values than this and a column cannot be categorical. */
export const MAX_CATEGORICAL_LEVELS = 1000;

const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none']);

/** Empty, NA, N/A, NaN, null or None (any case, surrounding spaces ignored). */
export function isMissing(cell: string): boolean {
  if (cell.length === 0) return true;
  if (cell.length > 6) return false;
  return MISSING_TOKENS.has(cell.trim().toLowerCase());
}

/** A finite decimal number (as JavaScript's Number() reads it); whitespace-only is not a number. */
export function parseNumber(cell: string): number {
  const v = Number(cell);
  if (v === 0 && cell.trim() === '') return Number.NaN;
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Trims header names and rejects empty or duplicate ones. */
export function checkHeaders(fields: string[], line: number): string[] {
  const names = fields.map((f) => f.trim());
  const seen = new Map<string, number>();
  names.forEach((name, j) => {
    if (name === '') {
      throw importError(
        `Line ${line}, column ${j + 1}: the header is empty`,
        'Every column needs a name in the header line; name it, or remove the column.',
      );
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw importError(
        `Line ${line}: duplicate header ${showValue(name)} in columns ${prev + 1} and ${j + 1}`,
        'Column names must be unique; rename one of them.',
      );
    }
    seen.set(name, j);
  });
  return names;
}

const ID_NAME = /^(id|uuid|guid|key|index|row|rowid|row_id|idx)$|[_\s.-]id$|[a-z]Id$|^id[_\s.-]/i;
const LABEL_NAME = /^(label|labels|class|target|y|category)$/i;
const CATEGORY_NAME = /^(label|labels|class|category)$/i;
const FALSE_WORDS = new Set(['0', 'no', 'n', 'false', 'f', 'off', 'negative', 'neg']);

export function suggestedRole(name: string, type: ColumnType): ColumnRole {
  if (type === 'identifier') return 'ignore';
  if (type === 'text') return 'text';
  if (LABEL_NAME.test(name)) return 'label';
  return 'feature';
}

/**
 * Orders the levels of a binary or categorical column: numbers ascending when every level is a number, else a
 * "false-like" value first for two levels (no/yes, false/true), else alphabetical.
 */
export function orderLevels(levels: string[]): string[] {
  const out = [...levels];
  if (out.length > 0 && out.every((l) => !Number.isNaN(parseNumber(l)))) {
    return out.sort((a, b) => parseNumber(a) - parseNumber(b));
  }
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (out.length === 2) {
    const [a, b] = out as [string, string];
    if (FALSE_WORDS.has(b.toLowerCase()) && !FALSE_WORDS.has(a.toLowerCase())) return [b, a];
  }
  return out;
}

/** Distinct values tracked per column while sampling; beyond this a column is too varied to be categorical anyway. */
const MAX_TRACKED_DISTINCT = MAX_CATEGORICAL_LEVELS + 1;

/**
 * Incremental type inference for one column: feed it the sampled cells with add(), then read result(). Memory is
 * bounded per column (at most MAX_TRACKED_DISTINCT distinct values are kept), whatever the width of the file.
 */
export class ColumnInference {
  private n = 0;
  private missing = 0;
  private numeric = 0;
  private integers = 0;
  private zeroOne = 0;
  private withSpaces = 0;
  private totalLen = 0;
  private firstNonNumeric: { value: string; line: number } | null = null;
  private readonly counts = new Map<string, number>();
  private overflow = false;
  private counter = true;
  private prev = Number.NaN;
  private first: number[] = [];

  constructor(readonly name: string) {}

  add(raw: string, line: number): void {
    this.n++;
    if (isMissing(raw)) {
      this.missing++;
      return;
    }
    const cell = raw.trim();
    const c = this.counts.get(cell);
    if (c !== undefined) this.counts.set(cell, c + 1);
    else if (this.counts.size < MAX_TRACKED_DISTINCT) this.counts.set(cell, 1);
    else this.overflow = true;
    this.totalLen += cell.length;
    if (cell.includes(' ')) this.withSpaces++;
    const v = parseNumber(cell);
    if (Number.isNaN(v)) {
      this.firstNonNumeric ??= { value: cell, line };
      this.counter = false;
      return;
    }
    this.numeric++;
    if (Number.isInteger(v)) this.integers++;
    if (v === 0 || v === 1) this.zeroOne++;
    if (this.first.length < 2) this.first.push(v);
    if (!Number.isNaN(this.prev) && v !== this.prev + 1) this.counter = false;
    this.prev = v;
  }

  result(): { column: InferredColumn; warning?: string } {
    const { name, n, missing, numeric, integers } = this;
    const present = n - missing;
    const distinct = this.counts.size;
    const make = (type: ColumnType, reason: string, role?: ColumnRole): InferredColumn => ({
      name,
      type,
      role: role ?? suggestedRole(name, type),
      missing,
      distinct,
      reason,
    });
    const withWarning = (column: InferredColumn, warning: string | undefined): { column: InferredColumn; warning?: string } =>
      warning ? { column, warning } : { column };
    if (present === 0) return { column: make('text', `all ${n} sampled values are missing`, 'ignore') };
    const unique = !this.overflow && distinct === present;
    if (ID_NAME.test(name)) {
      return {
        column: make('identifier', unique ? `the name looks like an identifier and all ${present} values are unique` : `the name looks like an identifier`),
      };
    }
    if (numeric === present) {
      if (distinct === 2 && this.zeroOne === present) return { column: make('binary', 'the values are only 0 and 1') };
      if (CATEGORY_NAME.test(name) && integers === present && distinct <= 50) {
        return { column: make('categorical', `"${name}" holds ${distinct} distinct whole numbers, read as classes`) };
      }
      if (unique && integers === present && present >= 20 && this.counter) {
        return { column: make('identifier', `the values count rows (${this.first.join(', ')}, …)`) };
      }
      return { column: make('numeric', `all ${present} sampled values are numbers`) };
    }
    let warning: string | undefined;
    if (numeric / present >= 0.9 && this.firstNonNumeric) {
      warning =
        `Column "${name}": ${Math.round((100 * numeric) / present)}% of the sampled values are numbers, but ` +
        `${showValue(this.firstNonNumeric.value)} on line ${this.firstNonNumeric.line} is not; it was read as text categories. ` +
        `Fix the value or mark it as missing (empty or NA) to import the column as numeric.`;
    }
    const avgLen = this.totalLen / present;
    const spaceShare = this.withSpaces / present;
    const more = this.overflow ? 'more than ' : '';
    if (distinct === 2 && avgLen < 30) {
      const shown = orderLevels([...this.counts.keys()]).map((l) => showValue(l, 20)).join(', ');
      return withWarning(make('binary', `exactly two distinct values (${shown})`), warning);
    }
    if (avgLen >= 30 || (spaceShare >= 0.5 && (this.overflow || distinct > 0.5 * present) && avgLen >= 12)) {
      return withWarning(make('text', `long strings with spaces (average ${Math.round(avgLen)} characters)`), warning);
    }
    if (unique && present >= 20 && spaceShare < 0.5) {
      return withWarning(make('identifier', `all ${present} values are different`), warning);
    }
    if (!this.overflow && distinct <= MAX_CATEGORICAL_LEVELS && (distinct <= 50 || distinct <= 0.5 * present)) {
      return withWarning(make('categorical', `${distinct} distinct values in ${present} rows`), warning);
    }
    if (spaceShare >= 0.3) return withWarning(make('text', `${more}${distinct} distinct values, many with spaces`), warning);
    return withWarning(make('identifier', `${more}${distinct} distinct values in ${present} rows: too many for categories`), warning);
  }
}

