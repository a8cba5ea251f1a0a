import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-shared/domain/types';
import {
  DEFAULT_HISTORY_QUERY,
  activeFilterCount,
  compareProblem,
  facet,
  historyQueryString,
  parseHistoryQuery,
  rangeProblem,
  searchArgs,
  sortByHeadline,
  validDay,
  verdictOf,
} from './history-query';

const parse = (s: string) => parseHistoryQuery(new URLSearchParams(s));

describe('history query in the URL', () => {
  it('round-trips every field and leaves defaults out', () => {
    expect(historyQueryString(DEFAULT_HISTORY_QUERY)).toBe('');
    const q = {
      ...DEFAULT_HISTORY_QUERY,
      q: 'flow & friends',
      project: 2,
      dataset: 5,
      model: 'vae' as const,
      family: 'planar:8',
      objective: 'iwae:5',
      status: 'completed' as const,
      verdict: 'none' as const,
      backend: 'wasm' as const,
      from: '2024-02-01',
      to: '2024-02-29',
      starred: true,
      tag: 'paper',
      sort: 'metric' as const,
      order: 'asc' as const,
    };
    const s = historyQueryString(q);
    expect(parse(s)).toEqual(q);
    expect(s).toContain('q=flow+%26+friends');
    expect(historyQueryString({ sort: 'name' })).toBe('sort=name');
  });

  it('drops what it cannot read instead of failing', () => {
    expect(
      parse(
        'project=x&dataset=0&model=svm&status=done&verdict=great&backend=gpu&from=2024-02-30&to=yesterday&sort=rm+-rf&order=up&starred=yes',
      ),
    ).toEqual(DEFAULT_HISTORY_QUERY);
    expect(validDay('2024-02-29')).toBe('2024-02-29');
    expect(validDay('2023-02-29')).toBeNull();
  });

  it('counts filters and notices a backwards date range', () => {
    expect(activeFilterCount(DEFAULT_HISTORY_QUERY)).toBe(0);
    expect(activeFilterCount(parse('q=x&model=lda&starred=1&from=2024-01-01'))).toBe(3);
    expect(rangeProblem(parse('from=2024-03-01&to=2024-02-01'))).toMatch(/after the end date/);
    expect(rangeProblem(parse('from=2024-02-01&to=2024-02-01'))).toBeNull();
  });

  it('turns a search into runs:search arguments; whole local days, the end day included', () => {
    const args = searchArgs(
      parse('q=+worked+&model=lda&from=2024-02-10&to=2024-02-11&sort=project&order=asc&starred=1'),
    );
    expect(args).toEqual({
      query: 'worked',
      model: 'lda',
      starred: true,
      sort: 'project',
      order: 'asc',
      limit: 10000,
      startedFrom: new Date(2024, 1, 10).toISOString(),
      startedBefore: new Date(2024, 1, 12).toISOString(),
    });
    // The headline metric is sorted in the page, not in SQL.
    expect(searchArgs(parse('sort=metric')).sort).toBe('created');
    expect(searchArgs(parse('verdict=failed&sort=verdict'))).toMatchObject({ verdict: 'failed', sort: 'verdict' });
    expect(activeFilterCount(parse('verdict=caution'))).toBe(1);
  });

  it('a finished run without a verdict is "not assessed"; a queued or running one has none yet', () => {
    const v = { verdict: 'caution' as const, reasons: [] };
    expect(verdictOf({ status: 'cancelled', verdict: v })).toBe('caution');
    expect(verdictOf({ status: 'completed', verdict: null })).toBe('none');
    expect(verdictOf({ status: 'failed', verdict: null })).toBe('none');
    expect(verdictOf({ status: 'running', verdict: null })).toBeNull();
    expect(verdictOf({ status: 'queued', verdict: null })).toBeNull();
  });
});

describe('sortByHeadline', () => {
  const runs = [
    { id: 1, h: { name: 'val_elbo', value: -30 } },
    { id: 2, h: { name: 'perplexity', value: 900 } },
    { id: 3, h: null },
    { id: 4, h: { name: 'val_elbo', value: -25 } },
    { id: 5, h: { name: 'perplexity', value: 700 } },
    { id: 6, h: { name: 'val_elbo', value: Number.NaN } },
  ];
  it('groups by metric, orders values within a group, and puts runs without one last', () => {
    expect(sortByHeadline(runs, (r) => r.h, 'asc').map((r) => r.id)).toEqual([5, 2, 1, 4, 6, 3]);
    expect(sortByHeadline(runs, (r) => r.h, 'desc').map((r) => r.id)).toEqual([2, 5, 4, 1, 6, 3]);
  });
});

describe('compareProblem and facets', () => {
  it('allows 2 to 8 runs of one model kind and says why not otherwise', () => {
    const v = { model: 'vae' as const };
    const l = { model: 'lda' as const };
    expect(compareProblem([v])).toMatch(/Select 2 to 8.*1 selected/);
    expect(compareProblem([v, v])).toBeNull();
    expect(compareProblem(Array(8).fill(v))).toBeNull();
    expect(compareProblem(Array(9).fill(v))).toMatch(/at most 8 runs; 9/);
    expect(compareProblem([v, l, v])).toBe(
      'Only runs of one model kind can be compared; the selection mixes 2 VAE, 1 LDA.',
    );
  });
  it('counts distinct values and keeps the current one offered', () => {
    const runs = [{ family: 'meanfield' }, { family: 'planar:8' }, { family: 'meanfield' }] as unknown as RunSummary[];
    expect(
      facet(
        runs,
        (r) => r.family,
        (v) => v,
      ),
    ).toEqual([
      { value: 'meanfield', label: 'meanfield', count: 2 },
      { value: 'planar:8', label: 'planar:8', count: 1 },
    ]);
    expect(
      facet(
        runs,
        (r) => r.family,
        (v) => v,
        'iaf:4',
      ).map((o) => [o.value, o.count]),
    ).toEqual([
      ['iaf:4', 0],
      ['meanfield', 2],
      ['planar:8', 1],
    ]);
  });
});
