/** How final run metrics are shown: a readable label, a formatted value, ELBOs first; each model's headline figure.
 * Labels, units and help come from the one catalogue, src-shared/domain/labels.ts. */
import type { RunSummary } from '../../src-shared/domain/types';
import { metricHelp, metricInfo, metricLabel, metricShortLabel } from '../../src-shared/domain/labels';
import { formatDuration, formatMeanSe, formatMetric } from './format';

const ORDER = ['train_elbo', 'val_elbo'];

export interface MetricRow {
  name: string;
  label: string;
  /** One line of help with the unit and which way is better (for a title attribute). */
  help: string;
  value: string;
}

function value(name: string, v: number): string {
  if (metricInfo(name)?.flag && (v === 0 || v === 1)) return v === 1 ? 'yes' : 'no';
  if (name === 'seconds' || name.startsWith('seconds_')) return formatDuration(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toLocaleString();
  return formatMetric(v);
}

/** One row per metric, ELBOs first; a metric's `x_se` is folded into `x` as "value ± se" (not a row of its own). */
export function metricRows(metrics: Record<string, number>, model?: RunSummary['model']): MetricRow[] {
  const isSe = (n: string) => n.endsWith('_se') && metrics[n.slice(0, -3)] !== undefined;
  const names = Object.keys(metrics)
    .filter((n) => !isSe(n))
    .sort((a, b) => {
      const ia = ORDER.indexOf(a);
      const ib = ORDER.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      return a.localeCompare(b);
    });
  return names.map((n) => {
    const v = metrics[n] ?? NaN;
    const se = metrics[`${n}_se`];
    return {
      name: n,
      label: metricLabel(n, model),
      help: metricHelp(n, model),
      value: se === undefined ? value(n, v) : formatMeanSe(v, se),
    };
  });
}

/** The one figure a table shows for a run: the model's main measure of fit. */
export interface HeadlineMetric {
  name: string;
  label: string;
  value: number;
  text: string;
  better: 'higher' | 'lower';
  help: string;
}

/** Per model, the candidates in order of preference: the first the run has is its headline. */
const HEADLINES: Record<RunSummary['model'], { name: string; better: 'higher' | 'lower' }[]> = {
  vae: [
    { name: 'loglik', better: 'higher' },
    { name: 'eval_elbo', better: 'higher' },
    { name: 'val_elbo', better: 'higher' },
    { name: 'train_elbo', better: 'higher' },
  ],
  lda: [
    { name: 'perplexity', better: 'lower' },
    { name: 'perplexity_bound', better: 'lower' },
    { name: 'elbo', better: 'higher' },
  ],
  bnn: [
    { name: 'rmse', better: 'lower' },
    { name: 'logLik', better: 'higher' },
    { name: 'accuracy', better: 'higher' },
  ],
  glm: [
    { name: 'heldout_loglik', better: 'higher' },
    { name: 'final_elbo', better: 'higher' },
    { name: 'log_evidence', better: 'higher' },
  ],
};

/** The run's headline metric: test ELBO / IS log-likelihood for a VAE, held-out perplexity for LDA, test RMSE or LL for a BNN. */
export function headlineMetric(run: Pick<RunSummary, 'model' | 'metrics'>): HeadlineMetric | null {
  for (const h of HEADLINES[run.model] ?? []) {
    const v = run.metrics[h.name];
    if (typeof v === 'number') {
      const se = run.metrics[`${h.name}_se`];
      const text =
        typeof se === 'number' && Number.isFinite(se) ? `${formatMetric(v)} ± ${formatMetric(se)}` : formatMetric(v);
      return {
        ...h,
        label: metricShortLabel(h.name, run.model),
        help: metricHelp(h.name, run.model),
        value: v,
        text,
      };
    }
  }
  return null;
}
