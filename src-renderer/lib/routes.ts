/** Hash routes (pure, tested): `#/`, `#/projects/1`, `#/projects/1/import`, `#/projects/1/train?dataset=3`, `#/runs/7`. */
import { historyQueryString, parseHistoryQuery, type HistoryQuery } from './history-query';

export type Route =
  | { name: 'home' }
  | { name: 'project'; projectId: number }
  /** `#/import` (from the home page: the wizard picks or creates the project) or `#/projects/1/import`. */
  | { name: 'import'; projectId: number | null }
  | { name: 'train'; projectId: number; datasetId: number | null; preset: string | null; from: number | null }
  | { name: 'run'; runId: number }
  | { name: 'topics'; runId: number; tab: TopicsTab }
  /** `#/compare?runs=1,2`, a saved comparison `#/compare?saved=3` (its runs), or both (the saved one, runs changed). */
  | { name: 'compare'; runIds: number[]; savedId: number | null }
  | { name: 'interpolate'; runIds: number[]; rowA: number; rowB: number }
  /** The posterior-collapse lab's runs side by side (`#/lab?runs=1,2,3,4`, in the lab's arm order). */
  | { name: 'lab'; runIds: number[] }
  | { name: 'uncertainty'; runId: number; compareWith: number | null }
  | { name: 'history'; query: HistoryQuery }
  /** Imported model bundles (`#/models`) and one of them, to use on a new CSV (`#/models/4`). */
  | { name: 'models' }
  | { name: 'model'; modelId: number }
  | { name: 'notfound'; path: string };

/** The tabs of a topic model's views (`#/runs/7/topics?tab=map`). */
export const TOPICS_TABS = ['topics', 'map', 'documents', 'curves', 'categories', 'use'] as const;
export type TopicsTab = (typeof TOPICS_TABS)[number];

function toId(s: string | undefined): number | null {
  if (!s || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n > 0 ? n : null;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = raw.split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'import' && parts.length === 1) return { name: 'import', projectId: null };
  if (parts[0] === 'projects') {
    const projectId = toId(parts[1]);
    if (projectId !== null) {
      if (parts.length === 2) return { name: 'project', projectId };
      if (parts.length === 3 && parts[2] === 'import') return { name: 'import', projectId };
      if (parts.length === 3 && parts[2] === 'train') {
        const preset = params.get('preset');
        return {
          name: 'train',
          projectId,
          datasetId: toId(params.get('dataset') ?? undefined),
          preset: preset && /^[\w-]{1,64}$/.test(preset) ? preset : null,
          from: toId(params.get('from') ?? undefined),
        };
      }
    }
  }
  if (parts[0] === 'runs' && parts.length === 2) {
    const runId = toId(parts[1]);
    if (runId !== null) return { name: 'run', runId };
  }
  if (parts[0] === 'runs' && parts.length === 3 && parts[2] === 'topics') {
    const runId = toId(parts[1]);
    const tab = params.get('tab');
    if (runId !== null)
      return {
        name: 'topics',
        runId,
        tab: (TOPICS_TABS as readonly string[]).includes(tab ?? '') ? (tab as TopicsTab) : 'topics',
      };
  }
  if (parts[0] === 'runs' && parts.length === 3 && parts[2] === 'uncertainty') {
    const runId = toId(parts[1]);
    if (runId !== null) return { name: 'uncertainty', runId, compareWith: toId(params.get('compare') ?? undefined) };
  }
  if (parts[0] === 'history' && parts.length === 1) return { name: 'history', query: parseHistoryQuery(params) };
  if (parts[0] === 'models' && parts.length === 1) return { name: 'models' };
  if (parts[0] === 'models' && parts.length === 2) {
    const modelId = toId(parts[1]);
    if (modelId !== null) return { name: 'model', modelId };
  }
  if (parts[0] === 'compare' && parts.length === 1) {
    const runIds = (params.get('runs') ?? '')
      .split(',')
      .map((x) => toId(x.trim()))
      .filter((x): x is number => x !== null);
    return {
      name: 'compare',
      runIds: [...new Set(runIds)].slice(0, 8),
      savedId: toId(params.get('saved') ?? undefined),
    };
  }
  if (parts[0] === 'lab' && parts.length === 1) {
    const runIds = (params.get('runs') ?? '')
      .split(',')
      .map((x) => toId(x.trim()))
      .filter((x): x is number => x !== null);
    return { name: 'lab', runIds: [...new Set(runIds)].slice(0, 8) };
  }
  if (parts[0] === 'interpolate' && parts.length === 1) {
    const runIds = (params.get('runs') ?? '')
      .split(',')
      .map((x) => toId(x.trim()))
      .filter((x): x is number => x !== null);
    const row = (k: string, d: number): number => (/^\d+$/.test(params.get(k) ?? '') ? Number(params.get(k)) : d);
    return { name: 'interpolate', runIds: [...new Set(runIds)].slice(0, 2), rowA: row('a', 0), rowB: row('b', 1) };
  }
  return { name: 'notfound', path };
}

export const href = {
  home: (): string => '#/',
  models: (): string => '#/models',
  model: (modelId: number): string => `#/models/${modelId}`,
  project: (projectId: number): string => `#/projects/${projectId}`,
  import: (projectId: number | null = null): string =>
    projectId === null ? '#/import' : `#/projects/${projectId}/import`,
  train: (projectId: number, datasetId?: number | null, preset?: string, from?: number): string => {
    const q = new URLSearchParams();
    if (datasetId) q.set('dataset', String(datasetId));
    if (preset) q.set('preset', preset);
    if (from) q.set('from', String(from));
    const qs = q.toString();
    return `#/projects/${projectId}/train${qs ? `?${qs}` : ''}`;
  },
  run: (runId: number): string => `#/runs/${runId}`,
  lab: (runIds: number[]): string => `#/lab?runs=${runIds.join(',')}`,
  topics: (runId: number, tab: TopicsTab = 'topics'): string =>
    `#/runs/${runId}/topics${tab === 'topics' ? '' : `?tab=${tab}`}`,
  compare: (runIds: number[], savedId?: number | null): string =>
    savedId
      ? `#/compare?saved=${savedId}${runIds.length ? `&runs=${runIds.join(',')}` : ''}`
      : `#/compare?runs=${runIds.join(',')}`,
  savedComparison: (savedId: number): string => `#/compare?saved=${savedId}`,
  /** The compare page without runs: saved comparisons and a run picker. */
  compareHome: (): string => '#/compare',
  interpolate: (runIds: number[], rowA = 0, rowB = 1): string =>
    `#/interpolate?runs=${runIds.join(',')}&a=${rowA}&b=${rowB}`,
  history: (query: Partial<HistoryQuery> = {}): string => {
    const qs = historyQueryString(query);
    return `#/history${qs ? `?${qs}` : ''}`;
  },
  uncertainty: (runId: number, compareWith?: number | null): string =>
    `#/runs/${runId}/uncertainty${compareWith ? `?compare=${compareWith}` : ''}`,
};
