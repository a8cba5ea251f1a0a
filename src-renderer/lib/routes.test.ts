import { describe, expect, it } from 'vitest';
import { href, parseHash } from './routes';
import { DEFAULT_HISTORY_QUERY } from './history-query';

describe('parseHash', () => {
  it('parses every screen', () => {
    expect(parseHash('')).toEqual({ name: 'home' });
    expect(parseHash('#/')).toEqual({ name: 'home' });
    expect(parseHash('#/projects/3')).toEqual({ name: 'project', projectId: 3 });
    expect(parseHash('#/projects/3/import')).toEqual({ name: 'import', projectId: 3 });
    // From the home page: no project yet (the wizard picks or creates one).
    expect(parseHash('#/import')).toEqual({ name: 'import', projectId: null });
    expect(parseHash(href.import())).toEqual({ name: 'import', projectId: null });
    expect(parseHash(href.import(3))).toEqual({ name: 'import', projectId: 3 });
    expect(parseHash('#/projects/3/train?dataset=7')).toEqual({
      name: 'train',
      projectId: 3,
      datasetId: 7,
      preset: null,
      from: null,
    });
    expect(parseHash('#/projects/3/train')).toEqual({
      name: 'train',
      projectId: 3,
      datasetId: null,
      preset: null,
      from: null,
    });
    expect(parseHash('#/runs/12')).toEqual({ name: 'run', runId: 12 });
  });
  it('rejects malformed ids', () => {
    expect(parseHash('#/projects/abc').name).toBe('notfound');
    expect(parseHash('#/runs/0').name).toBe('notfound');
    expect(parseHash('#/runs/1.5').name).toBe('notfound');
    expect(parseHash('#/projects/2/train?dataset=x')).toEqual({
      name: 'train',
      projectId: 2,
      datasetId: null,
      preset: null,
      from: null,
    });
  });
  it('round-trips href', () => {
    expect(parseHash(href.train(4, 9))).toEqual({
      name: 'train',
      projectId: 4,
      datasetId: 9,
      preset: null,
      from: null,
    });
    expect(parseHash(href.train(4, 9, 'digits'))).toEqual({
      name: 'train',
      projectId: 4,
      datasetId: 9,
      preset: 'digits',
      from: null,
    });
    expect(
      parseHash('#/projects/1/train?preset=../x').name === 'train' && parseHash('#/projects/1/train?preset=../x'),
    ).toMatchObject({ preset: null });
    expect(parseHash(href.run(5))).toEqual({ name: 'run', runId: 5 });
    expect(parseHash(href.import(2))).toEqual({ name: 'import', projectId: 2 });
    expect(parseHash(href.topics(5))).toEqual({ name: 'topics', runId: 5, tab: 'topics' });
    expect(parseHash(href.topics(5, 'map'))).toEqual({ name: 'topics', runId: 5, tab: 'map' });
    expect(parseHash('#/runs/5/topics?tab=bogus')).toEqual({ name: 'topics', runId: 5, tab: 'topics' });
    expect(parseHash(href.compare([3, 4]))).toEqual({ name: 'compare', runIds: [3, 4], savedId: null });
    expect(parseHash('#/compare?runs=3,x,3,0,9')).toEqual({ name: 'compare', runIds: [3, 9], savedId: null });
    expect(parseHash('#/compare?runs=1,2,3,4,5,6,7,8,9')).toMatchObject({ runIds: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(href.savedComparison(5)).toBe('#/compare?saved=5');
    expect(parseHash(href.compareHome())).toEqual({ name: 'compare', runIds: [], savedId: null });
    expect(parseHash(href.savedComparison(5))).toEqual({ name: 'compare', runIds: [], savedId: 5 });
    expect(parseHash(href.compare([3, 4], 5))).toEqual({ name: 'compare', runIds: [3, 4], savedId: 5 });
    expect(parseHash('#/compare?saved=x&runs=2,3')).toEqual({ name: 'compare', runIds: [2, 3], savedId: null });
    expect(parseHash(href.interpolate([3, 4], 5, 9))).toEqual({
      name: 'interpolate',
      runIds: [3, 4],
      rowA: 5,
      rowB: 9,
    });
    expect(parseHash('#/interpolate?runs=2')).toEqual({ name: 'interpolate', runIds: [2], rowA: 0, rowB: 1 });
    expect(parseHash(href.train(4, 9, undefined, 12))).toEqual({
      name: 'train',
      projectId: 4,
      datasetId: 9,
      preset: null,
      from: 12,
    });
    expect(parseHash('#/projects/4/train?from=abc')).toMatchObject({ name: 'train', from: null });
  });
  it('keeps the history search in the address', () => {
    expect(href.history()).toBe('#/history');
    expect(parseHash('#/history')).toEqual({ name: 'history', query: DEFAULT_HISTORY_QUERY });
    const url = href.history({ q: 'flow', model: 'vae', starred: true, sort: 'name', order: 'asc' });
    expect(url).toBe('#/history?q=flow&model=vae&starred=1&sort=name&order=asc');
    expect(parseHash(url)).toEqual({
      name: 'history',
      query: { ...DEFAULT_HISTORY_QUERY, q: 'flow', model: 'vae', starred: true, sort: 'name', order: 'asc' },
    });
    expect(parseHash('#/history/3').name).toBe('notfound');
  });
  it('opens the imported models and one of them', () => {
    expect(href.models()).toBe('#/models');
    expect(parseHash(href.models())).toEqual({ name: 'models' });
    expect(parseHash(href.model(4))).toEqual({ name: 'model', modelId: 4 });
    expect(parseHash('#/models/0').name).toBe('notfound');
    expect(parseHash('#/models/x').name).toBe('notfound');
    expect(parseHash('#/models/4/extra').name).toBe('notfound');
  });

  it('parses the collapse lab with its runs in order, and builds it back', () => {
    expect(parseHash('#/lab?runs=4,2,9,2,x')).toEqual({ name: 'lab', runIds: [4, 2, 9] });
    expect(parseHash(href.lab([1, 2, 3, 4]))).toEqual({ name: 'lab', runIds: [1, 2, 3, 4] });
    expect(parseHash('#/lab/3').name).toBe('notfound');
  });
});
