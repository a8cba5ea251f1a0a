import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-shared/domain/types';
import { newerRun } from './run-order';

function run(status: RunSummary['status'], finishedAt: string | null = null): RunSummary {
  return {
    id: 1,
    projectId: 1,
    datasetId: 1,
    datasetName: 'd',
    name: 'r',
    model: 'vae',
    family: 'meanfield',
    objective: 'elbo',
    spec: { model: 'vae' } as RunSummary['spec'],
    seed: 1,
    status,
    backend: null,
    error: null,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt,
    metrics: {},
    notes: '',
    tags: [],
    starred: false,
    verdict: null,
    evidence: null,
  };
}

describe('newerRun', () => {
  it('never moves a run backwards', () => {
    expect(newerRun(run('cancelled', 'x'), run('running')).status).toBe('cancelled');
    expect(newerRun(run('running'), run('queued')).status).toBe('running');
  });
  it('accepts forward moves and same-status refreshes', () => {
    expect(newerRun(run('running'), run('completed', 'x')).status).toBe('completed');
    const fresh = run('running');
    expect(newerRun(run('running'), fresh)).toBe(fresh);
    expect(newerRun(null, fresh)).toBe(fresh);
  });
});
