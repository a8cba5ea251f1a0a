/** How final run metrics are shown: a readable label, a formatted value, ELBOs first; each model's headline figure. */
import type { RunSummary } from '../../src-shared/domain/types';
import { formatDuration, formatMeanSe, formatMetric } from './format';

const LABELS: Record<string, string> = {
  train_elbo: 'Train ELBO',
  val_elbo: 'Validation ELBO',
  seconds: 'Training time',
  seconds_per_epoch: 'Time per epoch',
  epochs: 'Epochs',
  non_finite_steps: 'Non-finite steps skipped',
  grad_snr_min: 'Gradient SNR, lowest group',
  grad_variance_total: 'Gradient variance (trace)',
  grad_variance_ratio: 'Score ÷ pathwise variance',
  final_elbo: 'Final ELBO',
  psis_khat: 'PSIS k̂ (q vs posterior)',
  ess: 'Importance ESS',
  log_evidence: 'Log evidence (IS estimate)',
  skipped_steps: 'Non-finite steps skipped',
  heldout_loglik: 'Held-out log predictive density (per row)',
  heldout_rows: 'Held-out rows',
};
const ORDER = ['train_elbo', 'val_elbo'];

export interface MetricRow {
  name: string;
  label: string;
  value: string;
}

function label(name: string): string {
  const known = LABELS[name];
  if (known) return known;
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function value(name: string, v: number): string {
  if (name === 'seconds' || name.startsWith('seconds_')) return formatDuration(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toLocaleString();
  return formatMetric(v);
}

/** One row per metric, ELBOs first; a metric's `x_se` is folded into `x` as "value ± se" (not a row of its own). */
export function metricRows(metrics: Record<string, number>): MetricRow[] {
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
    return { name: n, label: label(n), value: se === undefined ? value(n, v) : formatMeanSe(v, se) };
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
const HEADLINES: Record<
  RunSummary['model'],
  { name: string; label: string; better: 'higher' | 'lower'; help: string }[]
> = {
  vae: [
    {
      name: 'loglik',
      label: 'IS log-lik',
      better: 'higher',
      help: 'Importance-sampled log-likelihood of the evaluation rows (nats per row, higher is better).',
    },
    {
      name: 'eval_elbo',
      label: 'Eval ELBO',
      better: 'higher',
      help: 'ELBO on the evaluation rows at the end of training (nats per row).',
    },
    {
      name: 'val_elbo',
      label: 'Val ELBO',
      better: 'higher',
      help: 'Final ELBO on the validation split (nats per row).',
    },
    {
      name: 'train_elbo',
      label: 'Train ELBO',
      better: 'higher',
      help: 'Final ELBO on the training split (nats per row).',
    },
  ],
  lda: [
    {
      name: 'perplexity',
      label: 'Perplexity',
      better: 'lower',
      help: 'Held-out perplexity per word by document completion (lower is better).',
    },
    {
      name: 'perplexity_bound',
      label: 'Perplexity (bound)',
      better: 'lower',
      help: 'Bound-based held-out perplexity per word.',
    },
    { name: 'elbo', label: 'ELBO', better: 'higher', help: 'Final training ELBO.' },
  ],
  bnn: [
    {
      name: 'rmse',
      label: 'Test RMSE',
      better: 'lower',
      help: 'Root mean squared error of the predictive mean on the test rows (target units).',
    },
    { name: 'logLik', label: 'Test LL', better: 'higher', help: 'Mean log predictive density per test row (nats).' },
    {
      name: 'accuracy',
      label: 'Accuracy',
      better: 'higher',
      help: 'Share of test rows whose most probable class is right.',
    },
  ],
  glm: [
    {
      name: 'heldout_loglik',
      label: 'Held-out log-lik',
      better: 'higher',
      help: 'Log predictive density of the held-out rows, mean per row in the target’s units (higher is better).',
    },
    { name: 'final_elbo', label: 'ELBO', better: 'higher', help: 'Final ELBO of the posterior over the coefficients.' },
    { name: 'log_evidence', label: 'Log evidence', better: 'higher', help: 'Importance-sampled log evidence.' },
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
      return { ...h, value: v, text };
    }
  }
  return null;
}
