import { describe, expect, it } from 'vitest';
import { headlineMetric, metricRows } from './metrics';

describe('metricRows', () => {
  it('puts the ELBOs first and formats by kind', () => {
    const rows = metricRows({ seconds: 30.48, epochs: 30, val_elbo: -24.5, train_elbo: -24.31, kl_per_dim: 0.5 });
    expect(rows.map((r) => r.name)).toEqual(['train_elbo', 'val_elbo', 'epochs', 'kl_per_dim', 'seconds']);
    expect(rows[0]?.value).toBe('-24.31');
    expect(rows.find((r) => r.name === 'epochs')?.value).toBe('30');
    expect(rows.find((r) => r.name === 'seconds')?.value).toBe('30 s');
    expect(rows.find((r) => r.name === 'kl_per_dim')?.label).toBe('Kl per dim');
  });
  it('folds each x_se into x as "value ± se", keeping an SE whose metric is missing', () => {
    const rows = metricRows({
      loglik: -2.5153,
      loglik_se: 0.0123,
      eval_elbo: -2.6,
      eval_elbo_se: 0.02,
      orphan_se: 0.5,
    });
    expect(rows.map((r) => r.name)).toEqual(['eval_elbo', 'loglik', 'orphan_se']);
    expect(rows.find((r) => r.name === 'loglik')?.value).toBe('-2.515 ± 0.012');
    expect(rows.find((r) => r.name === 'eval_elbo')?.value).toBe('-2.600 ± 0.020');
  });
});

describe('headlineMetric', () => {
  it('picks each model’s main figure, falling back in order', () => {
    expect(
      headlineMetric({ model: 'vae', metrics: { train_elbo: -30, val_elbo: -31, loglik: -28.5, eval_elbo: -30.2 } }),
    ).toMatchObject({ name: 'loglik', label: 'IS log-lik', value: -28.5, better: 'higher' });
    expect(headlineMetric({ model: 'vae', metrics: { train_elbo: -30, val_elbo: -31 } })).toMatchObject({
      name: 'val_elbo',
      text: '-31.00',
    });
    expect(headlineMetric({ model: 'vae', metrics: { train_elbo: -30 } })?.name).toBe('train_elbo');
    expect(
      headlineMetric({ model: 'lda', metrics: { elbo: -1e5, perplexity: 812.3, perplexity_bound: 900 } }),
    ).toMatchObject({ name: 'perplexity', better: 'lower', text: '812.3' });
    expect(headlineMetric({ model: 'lda', metrics: { elbo: -1234.5 } })?.name).toBe('elbo');
    expect(headlineMetric({ model: 'bnn', metrics: { rmse: 0.512, rmse_se: 0.013, logLik: -1.2 } })).toMatchObject({
      name: 'rmse',
      text: '0.512 ± 0.0130',
    });
    expect(headlineMetric({ model: 'bnn', metrics: { logLik: -0.4, accuracy: 0.9 } })?.name).toBe('logLik');
    expect(headlineMetric({ model: 'glm', metrics: { final_elbo: -50.25 } })?.label).toBe('ELBO');
  });
  it('is null for a run without final metrics', () => {
    expect(headlineMetric({ model: 'vae', metrics: {} })).toBeNull();
    expect(headlineMetric({ model: 'lda', metrics: { seconds: 3 } })).toBeNull();
  });
});

describe('labels from the one catalogue', () => {
  it('names a metric, gives its help with unit and direction, and shows flags as yes / no', () => {
    const rows = metricRows({ converged: 1, converged_stop: 0, perplexity: 812 }, 'lda');
    expect(rows.find((r) => r.name === 'converged')).toMatchObject({ label: 'Converged', value: 'yes' });
    expect(rows.find((r) => r.name === 'converged_stop')?.value).toBe('no');
    const p = rows.find((r) => r.name === 'perplexity')!;
    expect(p.label).toBe('Held-out perplexity');
    expect(p.help).toMatch(/\(per word; lower is better\)$/);
  });
});
