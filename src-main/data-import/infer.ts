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

/** Spreadsheet and statistics-package stand-ins for "no number": read as missing in a numeric column, and named. */
const NON_FINITE_TOKENS = new Set([
  '?',
  'inf',
  '+inf',
  '-inf',
  'infinity',
  '+infinity',
  '-infinity',
  '#n/a',
  '#div/0!',
  '#value!',
  '#num!',
  '#null!',
  '#ref!',
]);
const NUMBER_SHAPE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A cell that stands for a non-finite or unknown number: Inf, -Infinity, ?, #DIV/0! …, or a number too large for a
 * double (1e400). A numeric column reads these as missing and says so, rather than turning categorical.
 */
export function isNonFinite(cell: string): boolean {
  const c = cell.trim();
  if (c.length === 0 || c.length > 400) return false;
  if (NON_FINITE_TOKENS.has(c.toLowerCase())) return true;
  return NUMBER_SHAPE.test(c) && !Number.isFinite(Number(c));
}

/** A number written with a decimal comma: 1,5 · -0,25 · 1.234,5 (dots as thousands separators). */
const DECIMAL_COMMA = /^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$/;

export function parseDecimalComma(cell: string): number {
  const c = cell.trim();
  return DECIMAL_COMMA.test(c) ? Number(c.replace(/\./g, '').replace(',', '.')) : Number.NaN;
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
  private nonFinite = 0;
  private firstNonFinite: { value: string; line: number } | null = null;
  private commaDecimals = 0;
  private dotDecimals = 0;
  private firstComma: string | null = null;

  /** commaDecimals: the file's delimiter is not ',', so "1,5" may be a number with a decimal comma. */
  constructor(
    readonly name: string,
    private readonly commaDecimals_ = false,
  ) {}

  add(raw: string, line: number): void {
    this.n++;
    if (isMissing(raw)) {
      this.missing++;
      return;
    }
    if (isNonFinite(raw)) {
      this.nonFinite++;
      this.firstNonFinite ??= { value: raw.trim(), line };
      return;
    }
    const cell0 = raw.trim();
    let cell = cell0;
    if (this.commaDecimals_) {
      const dc = parseDecimalComma(cell0);
      if (!Number.isNaN(dc)) {
        this.commaDecimals++;
        this.firstComma ??= cell0;
        cell = String(dc);
      } else if (/^[+-]?\d*\.\d+$/.test(cell0)) this.dotDecimals++;
    }
    const c = this.counts.get(cell0);
    if (c !== undefined) this.counts.set(cell0, c + 1);
    else if (this.counts.size < MAX_TRACKED_DISTINCT) this.counts.set(cell0, 1);
    else this.overflow = true;
    this.totalLen += cell0.length;
    if (cell0.includes(' ')) this.withSpaces++;
    const v = parseNumber(cell);
    if (Number.isNaN(v)) {
      this.firstNonNumeric ??= { value: cell0, line };
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
    const { name, n, numeric, integers } = this;
    // Inf, ?, 1e400 … among numbers: missing values of a numeric column (named in a warning). Among words: values.
    const numericWithGaps = this.nonFinite > 0 && numeric > 0 && numeric + this.nonFinite === n - this.missing;
    if (this.nonFinite > 0 && !numericWithGaps) {
      this.firstNonNumeric ??= this.firstNonFinite;
      this.counter = false;
    }
    const missing = numericWithGaps ? this.missing + this.nonFinite : this.missing;
    const present = numericWithGaps ? numeric : n - this.missing;
    const distinct = this.counts.size + (numericWithGaps ? 0 : Math.min(this.nonFinite, 1));
    // Decimal commas, when every number that has a fraction uses one (a dot elsewhere makes "1,500" ambiguous).
    const decimalComma = this.commaDecimals > 0 && this.dotDecimals === 0;
    const make = (type: ColumnType, reason: string, role?: ColumnRole): InferredColumn => ({
      name,
      type,
      role: role ?? suggestedRole(name, type),
      missing,
      distinct,
      reason:
        decimalComma && type === 'numeric'
          ? `${reason} (decimal comma, e.g. ${showValue(this.firstComma ?? '')})`
          : reason,
      ...(decimalComma && type === 'numeric' ? { decimalComma: true } : {}),
    });
    const gapsWarning =
      numericWithGaps && this.nonFinite > 0 && this.firstNonFinite
        ? `Column "${name}": ${this.nonFinite} sampled value${this.nonFinite === 1 ? ' is' : 's are'} not a finite number ` +
          `(e.g. ${showValue(this.firstNonFinite.value)} on line ${this.firstNonFinite.line}); ${this.nonFinite === 1 ? 'it is' : 'they are'} read as missing.`
        : undefined;
    const withWarning = (
      column: InferredColumn,
      warning: string | undefined,
    ): { column: InferredColumn; warning?: string } => (warning ? { column, warning } : { column });
    if (present === 0) return { column: make('text', `all ${n} sampled values are missing`, 'ignore') };
    const unique = !this.overflow && distinct === present;
    if (ID_NAME.test(name)) {
      return {
        column: make(
          'identifier',
          unique
            ? `the name looks like an identifier and all ${present} values are unique`
            : `the name looks like an identifier`,
        ),
      };
    }
    if (numeric === present) {
      if (distinct === 2 && this.zeroOne === present)
        return withWarning(make('binary', 'the values are only 0 and 1'), gapsWarning);
      if (CATEGORY_NAME.test(name) && integers === present && distinct <= 50) {
        return withWarning(
          make('categorical', `"${name}" holds ${distinct} distinct whole numbers, read as classes`),
          gapsWarning,
        );
      }
      if (unique && integers === present && present >= 20 && this.counter && !numericWithGaps) {
        return { column: make('identifier', `the values count rows (${this.first.join(', ')}, …)`) };
      }
      return withWarning(make('numeric', `all ${present} sampled values are numbers`), gapsWarning);
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
      const shown = orderLevels([...this.counts.keys()])
        .map((l) => showValue(l, 20))
        .join(', ');
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
    if (spaceShare >= 0.3)
      return withWarning(make('text', `${more}${distinct} distinct values, many with spaces`), warning);
    return withWarning(
      make('identifier', `${more}${distinct} distinct values in ${present} rows: too many for categories`),
      warning,
    );
  }
}
