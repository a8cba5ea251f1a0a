import { describe, expect, it } from 'vitest';
import { LAB_RUNS, labStory, type LabOutcome } from './collapse-lab';
import { vaeSpecSchema } from '../schemas/run-spec';

const outcome = (over: Partial<LabOutcome>): LabOutcome => ({
  klPerDim: [0.5, 0.5],
  klHistory: [1, 1, 1],
  activeUnits: 2,
  totalUnits: 2,
  logLik: -21.4,
  logLikSe: 0.3,
  collapsed: false,
  ...over,
});

describe('collapse lab', () => {
  it('every lab spec passes the strict run-spec schema and differs only in decoder or training aids', () => {
    for (const r of LAB_RUNS) expect(() => vaeSpecSchema.parse(r.spec)).not.toThrow();
    const strip = (s: Record<string, unknown>) => ({ ...s, decoder: undefined, training: undefined });
    for (const r of LAB_RUNS) expect(strip(r.spec)).toEqual(strip(LAB_RUNS[0]!.spec));
  });

  it('says collapse when the KL is ≈ 0, whatever the arm', () => {
    const o = outcome({ klPerDim: [0.01, 0.02], activeUnits: 0, collapsed: true });
    expect(labStory({ arm: 'collapse' }, o)).toMatch(/^Posterior collapse: 0 of 2 latent units active, KL 0\.03/);
    expect(labStory({ arm: 'window' }, o)).toContain('Posterior collapse');
  });

  it('free bits: held or not from the smallest dimension', () => {
    expect(labStory({ arm: 'freebits' }, outcome({ klPerDim: [0.49, 0.6] }), 0.5)).toContain(
      'held every dimension at the floor',
    );
    expect(labStory({ arm: 'freebits' }, outcome({ klPerDim: [0.2, 0.6] }), 0.5)).toContain('did not hold');
  });

  it('names a KL that peaked and keeps falling as a delayed collapse', () => {
    const o = outcome({ klPerDim: [0.3, 0.26], klHistory: [10, 6, 3, 1.2, 0.8, 0.56] });
    expect(labStory({ arm: 'anneal' }, o)).toContain('peaked at 10.00 nats (epoch 1) and is still falling');
    expect(labStory({ arm: 'anneal' }, outcome({}))).not.toContain('still falling');
  });
});
