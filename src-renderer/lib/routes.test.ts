import { describe, expect, it } from 'vitest';
import { href, parseHash } from './routes';

describe('parseHash', () => {
  it('parses every screen', () => {
    expect(parseHash('')).toEqual({ name: 'home' });
    expect(parseHash('#/')).toEqual({ name: 'home' });
    expect(parseHash('#/projects/3')).toEqual({ name: 'project', projectId: 3 });
    expect(parseHash('#/projects/3/import')).toEqual({ name: 'import', projectId: 3 });
    expect(parseHash('#/projects/3/train?dataset=7')).toEqual({ name: 'train', projectId: 3, datasetId: 7, preset: null });
    expect(parseHash('#/projects/3/train')).toEqual({ name: 'train', projectId: 3, datasetId: null, preset: null });
    expect(parseHash('#/runs/12')).toEqual({ name: 'run', runId: 12 });
  });
  it('rejects malformed ids', () => {
    expect(parseHash('#/projects/abc').name).toBe('notfound');
    expect(parseHash('#/runs/0').name).toBe('notfound');
    expect(parseHash('#/runs/1.5').name).toBe('notfound');
    expect(parseHash('#/projects/2/train?dataset=x')).toEqual({ name: 'train', projectId: 2, datasetId: null, preset: null });
  });
  it('round-trips href', () => {
    expect(parseHash(href.train(4, 9))).toEqual({ name: 'train', projectId: 4, datasetId: 9, preset: null });
    expect(parseHash(href.train(4, 9, 'digits'))).toEqual({ name: 'train', projectId: 4, datasetId: 9, preset: 'digits' });
    expect(parseHash('#/projects/1/train?preset=../x').name === 'train' && parseHash('#/projects/1/train?preset=../x')).toMatchObject({ preset: null });
    expect(parseHash(href.run(5))).toEqual({ name: 'run', runId: 5 });
    expect(parseHash(href.import(2))).toEqual({ name: 'import', projectId: 2 });
    expect(parseHash(href.topics(5))).toEqual({ name: 'topics', runId: 5, tab: 'topics' });
    expect(parseHash(href.topics(5, 'map'))).toEqual({ name: 'topics', runId: 5, tab: 'map' });
    expect(parseHash('#/runs/5/topics?tab=bogus')).toEqual({ name: 'topics', runId: 5, tab: 'topics' });
    expect(parseHash(href.compare([3, 4]))).toEqual({ name: 'compare', runIds: [3, 4] });
    expect(parseHash('#/compare?runs=3,x,3,0,9')).toEqual({ name: 'compare', runIds: [3, 9] });
    expect(parseHash(href.interpolate([3, 4], 5, 9))).toEqual({ name: 'interpolate', runIds: [3, 4], rowA: 5, rowB: 9 });
    expect(parseHash('#/interpolate?runs=2')).toEqual({ name: 'interpolate', runIds: [2], rowA: 0, rowB: 1 });
  });
});
