/** Saved comparisons: a named set of runs of one model kind with the compare view's choices, reopened later. */

export type CompareAxis = 'step' | 'epoch' | 'wall';

/** The compare view's choices a saved comparison restores (every field optional: older saves lack newer ones). */
export interface ComparisonOptions {
  /** x-axis of the training curves. */
  axis?: CompareAxis;
  /** Metric of the training curves (its val_ twin is drawn dashed). */
  metric?: string;
  /** Show configuration fields that are equal in every run. */
  showIdentical?: boolean;
  /** VAE: column the latent maps are coloured by ('' = none). */
  colorBy?: string;
  /** VAE: row whose posterior q(z | x) is drawn. */
  posteriorRow?: number;
  /** VAE: the interpolation's end rows. */
  rowA?: number;
  rowB?: number;
  /** BNN: feature the predictive bands are drawn over. */
  bandFeature?: string;
  /** LDA: words listed per topic. */
  topicWords?: number;
}

export interface SavedComparison {
  id: number;
  name: string;
  /** In the order saved (the first is the baseline that differences are measured against). */
  runIds: number[];
  options: ComparisonOptions;
  notes: string;
  createdAt: string;
  updatedAt: string;
  /** Runs of `runIds` deleted since the comparison was saved (kept, so reopening can say which ones went). */
  missingRunIds: number[];
  /** Model kind of the runs still there (null when none is left). */
  model: string | null;
  /** Names of the runs still there, by id, for lists. */
  runNames: Record<number, string>;
}
