/** The compare view's choices (what a saved comparison restores), shared by its panels. */
import type { CompareAxis, ComparisonOptions } from '../../../src-shared/domain/comparison';

export class CompareOptionsState {
  axis = $state<CompareAxis>('epoch');
  /** '' = the default metric of the model kind. */
  metric = $state('');
  showIdentical = $state(false);
  /** null = the default (the dataset's label column); '' = no colour. */
  colorBy = $state<string | null>(null);
  posteriorRow = $state(0);
  rowA = $state(0);
  rowB = $state(1);
  /** null = the model's first numeric feature. */
  bandFeature = $state<string | null>(null);
  topicWords = $state(8);

  /** Back to the defaults, then the saved choices on top. */
  apply(o: ComparisonOptions): void {
    this.axis = o.axis ?? 'epoch';
    this.metric = o.metric ?? '';
    this.showIdentical = o.showIdentical ?? false;
    this.colorBy = o.colorBy ?? null;
    this.posteriorRow = o.posteriorRow ?? 0;
    this.rowA = o.rowA ?? 0;
    this.rowB = o.rowB ?? 1;
    this.bandFeature = o.bandFeature ?? null;
    this.topicWords = o.topicWords ?? 8;
  }

  /** The choices that differ from the defaults, as saved. */
  snapshot(): ComparisonOptions {
    const o: ComparisonOptions = { axis: this.axis };
    if (this.metric) o.metric = this.metric;
    if (this.showIdentical) o.showIdentical = true;
    if (this.colorBy !== null) o.colorBy = this.colorBy;
    // Number inputs hold null while empty: only whole non-negative rows are kept.
    const row = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
    if (row(this.posteriorRow) && this.posteriorRow !== 0) o.posteriorRow = this.posteriorRow;
    if (row(this.rowA) && this.rowA !== 0) o.rowA = this.rowA;
    if (row(this.rowB) && this.rowB !== 1) o.rowB = this.rowB;
    if (this.bandFeature !== null) o.bandFeature = this.bandFeature;
    if (this.topicWords !== 8) o.topicWords = this.topicWords;
    return o;
  }
}

/** Same choices (key order and defaults aside)? */
export function sameOptions(a: ComparisonOptions, b: ComparisonOptions): boolean {
  const norm = (o: ComparisonOptions) => {
    const s = new CompareOptionsState();
    s.apply(o);
    const snap = s.snapshot() as Record<string, unknown>;
    return JSON.stringify(
      Object.keys(snap)
        .sort()
        .map((k) => [k, snap[k]]),
    );
  };
  return norm(a) === norm(b);
}
