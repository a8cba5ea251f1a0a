/** How final run metrics are shown: a readable label, a formatted value, ELBOs first. */
import { formatDuration, formatMetric } from './format';

const LABELS: Record<string, string> = {
  train_elbo: 'Train ELBO',
  val_elbo: 'Validation ELBO',
  seconds: 'Training time',
  seconds_per_epoch: 'Time per epoch',
  epochs: 'Epochs',
  non_finite_steps: 'Non-finite steps skipped',
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

export function metricRows(metrics: Record<string, number>): MetricRow[] {
  const names = Object.keys(metrics).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    return a.localeCompare(b);
  });
  return names.map((n) => ({ name: n, label: label(n), value: value(n, metrics[n] ?? NaN) }));
}
