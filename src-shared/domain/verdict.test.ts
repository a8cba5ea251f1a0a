import { describe, expect, it } from 'vitest';
import { runVerdict } from './verdict';

describe('runVerdict', () => {
  it('is ok for a converged fit with a small k̂', () => {
    expect(
      runVerdict({
        status: 'completed',
        convergence: { converged: true, relativeChange: 0.001, tolerance: 0.01 },
        khat: { value: 0.3, ess: 800, samples: 1000 },
      }),
    ).toEqual({ verdict: 'ok', reasons: [] });
  });
  it('fails a diverged run, naming the step, the value and the fix', () => {
    const v = runVerdict({ status: 'failed', error: 'x', diverged: { step: 412, value: -5.65e13 } });
    expect(v.verdict).toBe('failed');
    expect(v.reasons[0]!.code).toBe('diverged');
    expect(v.reasons[0]!.message).toBe('Training diverged at step 412: the bound reached -5.650e+13.');
    expect(v.reasons[0]!.remedy).toMatch(/learning rate.*clip/);
  });
  it('applies the k̂ thresholds 0.5 and 0.7', () => {
    expect(runVerdict({ khat: { value: 0.49, ess: 1, samples: 1 } }).verdict).toBe('ok');
    expect(runVerdict({ khat: { value: 0.6, ess: 1, samples: 1 } }).verdict).toBe('caution');
    expect(runVerdict({ khat: { value: 6.75, ess: 6, samples: 1000 } })).toMatchObject({
      verdict: 'failed',
      reasons: [{ code: 'khat-bad' }],
    });
    // A network's weight posterior: the same k̂ is a caution, with the predictions judged by other means.
    const bnn = runVerdict({ khat: { value: 5.85, ess: 1, samples: 1000, weights: true } });
    expect(bnn).toMatchObject({ verdict: 'caution', reasons: [{ code: 'khat-bad', severity: 'caution' }] });
    expect(bnn.reasons[0]!.remedy).toMatch(/coverage/);
  });
  it('says "still improving" and blames gradient noise only when not converged', () => {
    const v = runVerdict({
      convergence: { converged: false, relativeChange: 0.05, tolerance: 0.01 },
      gradientSnr: { value: 0.02, group: 'encoder' },
    });
    expect(v.verdict).toBe('caution');
    expect(v.reasons.map((r) => r.code)).toEqual(['not-converged', 'gradient-noise']);
    expect(
      runVerdict({
        convergence: { converged: true, relativeChange: 0.001, tolerance: 0.01 },
        gradientSnr: { value: 0.02, group: 'encoder' },
      }).verdict,
    ).toBe('ok');
  });
  it('tells collapse (caution) from a few unused dimensions (info, still ok)', () => {
    expect(runVerdict({ collapse: { collapsed: true, inactive: [1, 2, 3], total: 4 } }).verdict).toBe('caution');
    const v = runVerdict({ collapse: { collapsed: false, inactive: [1], total: 2 } });
    expect(v.verdict).toBe('ok');
    expect(v.reasons[0]!.message).toMatch(/1 of 2 latent dimensions are inactive \(z2\)/);
  });
  it('does not call an early-stopped run "still improving": it says why it stopped (info)', () => {
    const conv = { converged: false, relativeChange: 0.0109, tolerance: 0.01 };
    expect(runVerdict({ convergence: conv }).reasons[0]!.code).toBe('not-converged');
    const early = runVerdict({ convergence: { ...conv, earlyStopped: { epoch: 267, bestEpoch: 217 } } });
    expect(early).toMatchObject({ verdict: 'ok', reasons: [{ code: 'early-stopped', severity: 'info' }] });
    expect(early.reasons[0]!.message).toMatch(/epoch 267.*epoch 217/);
  });

  it('warns when LDA coherence fell beyond pass-to-pass noise, not within it', () => {
    expect(runVerdict({ coherence: { first: -0.02, last: -0.09, passes: 10 } })).toMatchObject({
      verdict: 'caution',
      reasons: [{ code: 'coherence-falling' }],
    });
    expect(runVerdict({ coherence: { first: -0.057, last: -0.072, passes: 10 } }).verdict).toBe('ok');
    expect(runVerdict({ coherence: { first: 0.1, last: -0.2, passes: 2 } }).verdict).toBe('ok');
  });

  it('warns when LDA held-out perplexity rose two passes in a row', () => {
    expect(runVerdict({ perplexityRising: { passes: 2, from: 3065, to: 3174 } }).verdict).toBe('caution');
    expect(runVerdict({ perplexityRising: { passes: 1, from: 3065, to: 3100 } }).verdict).toBe('ok');
  });
});
