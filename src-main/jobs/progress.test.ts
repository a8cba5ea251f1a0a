import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressReporter } from './progress';
import type { FromWorker } from './protocol';

describe('ProgressReporter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('throttles progress per phase but always sends the last step, with the rate since the first step', () => {
    const sent: FromWorker[] = [];
    const r = new ProgressReporter((m) => sent.push(m), { progressMs: 200 });
    r.progress({ step: 1, totalSteps: 100, epoch: 0, totalEpochs: 1 });
    vi.setSystemTime(100);
    r.progress({ step: 11, totalSteps: 100, epoch: 0, totalEpochs: 1 });
    r.progress({ step: 1, totalSteps: 10, epoch: 0, totalEpochs: 1, phase: 'evaluating' });
    vi.setSystemTime(1001);
    r.progress({ step: 100, totalSteps: 100, epoch: 1, totalEpochs: 1 });
    const p = sent.map((m) => (m.type === 'progress' ? m.progress : null));
    expect(p.map((x) => [x?.phase, x?.step])).toEqual([
      ['training', 1],
      ['evaluating', 1],
      ['training', 100],
    ]);
    // 99 steps in the 1.001 s since step 1; nothing left to do.
    expect(p[2]!.stepsPerSecond).toBeCloseTo(99 / 1.001, 6);
    expect(p[2]!.etaSeconds).toBe(0);
    expect(p[1]!.stepsPerSecond).toBe(0);
  });

  it('batches metrics, flushes them before an artifact, and ends with the summary and seconds', () => {
    const sent: FromWorker[] = [];
    const r = new ProgressReporter((m) => sent.push(m), { flushMs: 400 });
    r.metric(1, 0, 'elbo', -5);
    r.metric(2, 0, 'elbo', -4);
    expect(sent).toHaveLength(0);
    vi.setSystemTime(500);
    r.metric(3, 0, 'elbo', -3);
    expect(sent.map((m) => m.type)).toEqual(['metrics']);
    r.metric(4, 0, 'elbo', -2);
    r.artifact('bnn-bundle', { dir: 'bnn-bundle' });
    vi.setSystemTime(2500);
    r.finish('completed', { elbo: -2 });
    expect(sent.map((m) => m.type)).toEqual(['metrics', 'metrics', 'artifact', 'completed']);
    expect(sent[0]).toMatchObject({ points: [{ step: 1 }, { step: 2 }, { step: 3, wall: 0.5 }] });
    expect(sent[3]).toEqual({ type: 'completed', metrics: { elbo: -2, seconds: 2.5 }, evidence: {} });
  });
});
