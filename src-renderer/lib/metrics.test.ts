import { describe, expect, it } from 'vitest';
import { metricRows } from './metrics';

describe('metricRows', () => {
  it('puts the ELBOs first and formats by kind', () => {
    const rows = metricRows({ seconds: 30.48, epochs: 30, val_elbo: -24.5, train_elbo: -24.31, kl_per_dim: 0.5 });
    expect(rows.map((r) => r.name)).toEqual(['train_elbo', 'val_elbo', 'epochs', 'kl_per_dim', 'seconds']);
    expect(rows[0]?.value).toBe('-24.31');
    expect(rows.find((r) => r.name === 'epochs')?.value).toBe('30');
    expect(rows.find((r) => r.name === 'seconds')?.value).toBe('30 s');
    expect(rows.find((r) => r.name === 'kl_per_dim')?.label).toBe('Kl per dim');
  });
});
