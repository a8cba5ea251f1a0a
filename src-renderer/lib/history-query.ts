/**
 * The history page's search as URL state (`#/history?q=flow&model=vae&sort=metric&order=asc`): parsed leniently
 * (anything unreadable is dropped, never an error page), written back with defaults left out so a search can be
 * bookmarked and reloaded, and turned into `runs:search` arguments.
 */
import type { InvokeArgs } from '../../src-shared/ipc/contract';
import type { BackendName, RunStatus, RunSummary } from '../../src-shared/domain/types';

export const HISTORY_MODELS = ['vae', 'lda', 'bnn', 'glm'] as const;
export const HISTORY_STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];
export const HISTORY_BACKENDS: readonly BackendName[] = ['tensorflow', 'native', 'wasm', 'cpu'];
/** The verdict filter: 'none' = a finished run without a verdict (from before verdicts), shown "not assessed". */
export const HISTORY_VERDICTS = ['ok', 'caution', 'failed', 'none'] as const;
export type HistoryVerdict = (typeof HISTORY_VERDICTS)[number];
export const VERDICT_FILTER_LABEL: Record<HistoryVerdict, string> = {
  ok: 'ok',
  caution: 'caution',
  failed: 'failed',
  none: 'not assessed',
};
/** A run's value for the verdict filter (null while queued or running: no verdict yet, not "not assessed"). */
export function verdictOf(r: Pick<RunSummary, 'status' | 'verdict'>): HistoryVerdict | null {
  if (r.verdict) return r.verdict.verdict;
  return r.status === 'queued' || r.status === 'running' ? null : 'none';
}
/** Columns the table sorts by: all in SQL except `metric` (the headline metric differs per model; sorted here). */
export const HISTORY_SORTS = [
  'created',
  'name',
  'project',
  'dataset',
  'model',
  'family',
  'objective',
  'status',
  'verdict',
  'backend',
  'started',
  'duration',
  'metric',
  'starred',
] as const;
export type HistorySort = (typeof HISTORY_SORTS)[number];

export interface HistoryQuery {
  /** Free text over names, notes and tags (and dataset, model, family, objective). */
  q: string;
  project: number | null;
  dataset: number | null;
  model: (typeof HISTORY_MODELS)[number] | null;
  family: string | null;
  objective: string | null;
  status: RunStatus | null;
  verdict: HistoryVerdict | null;
  backend: BackendName | null;
  /** Started on or after this local day / on or before this local day (YYYY-MM-DD). */
  from: string | null;
  to: string | null;
  starred: boolean;
  tag: string | null;
  sort: HistorySort;
  order: 'asc' | 'desc';
}

export const DEFAULT_HISTORY_QUERY: HistoryQuery = {
  q: '',
  project: null,
  dataset: null,
  model: null,
  family: null,
  objective: null,
  status: null,
  verdict: null,
  backend: null,
  from: null,
  to: null,
  starred: false,
  tag: null,
  sort: 'started',
  order: 'desc',
};

const id = (s: string | null): number | null => (s && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : null);
const oneOf = <T extends string>(list: readonly T[], s: string | null): T | null =>
  s !== null && (list as readonly string[]).includes(s) ? (s as T) : null;
const text = (s: string | null, max: number): string | null => {
  const t = (s ?? '').trim();
  return t ? t.slice(0, max) : null;
};

/** A real calendar day as YYYY-MM-DD, else null. */
export function validDay(s: string | null): string | null {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d ? s : null;
}

export function parseHistoryQuery(params: URLSearchParams): HistoryQuery {
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    project: id(params.get('project')),
    dataset: id(params.get('dataset')),
    model: oneOf(HISTORY_MODELS, params.get('model')),
    family: text(params.get('family'), 100),
    objective: text(params.get('objective'), 100),
    status: oneOf(HISTORY_STATUSES, params.get('status')),
    verdict: oneOf(HISTORY_VERDICTS, params.get('verdict')),
    backend: oneOf(HISTORY_BACKENDS, params.get('backend')),
    from: validDay(params.get('from')),
    to: validDay(params.get('to')),
    starred: params.get('starred') === '1',
    tag: text(params.get('tag'), 100),
    sort: oneOf(HISTORY_SORTS, params.get('sort')) ?? DEFAULT_HISTORY_QUERY.sort,
    order:
      params.get('order') === 'asc' ? 'asc' : params.get('order') === 'desc' ? 'desc' : DEFAULT_HISTORY_QUERY.order,
  };
}

/** The query string of a search, defaults left out ('' for the default search). */
export function historyQueryString(q: Partial<HistoryQuery>): string {
  const full = { ...DEFAULT_HISTORY_QUERY, ...q };
  const p = new URLSearchParams();
  if (full.q) p.set('q', full.q);
  for (const k of [
    'project',
    'dataset',
    'model',
    'family',
    'objective',
    'status',
    'verdict',
    'backend',
    'from',
    'to',
    'tag',
  ] as const) {
    const v = full[k];
    if (v !== null && v !== '') p.set(k, String(v));
  }
  if (full.starred) p.set('starred', '1');
  if (full.sort !== DEFAULT_HISTORY_QUERY.sort) p.set('sort', full.sort);
  if (full.order !== DEFAULT_HISTORY_QUERY.order) p.set('order', full.order);
  return p.toString();
}

/** Local midnight of a YYYY-MM-DD day, plus `days`, as an ISO instant. */
function localMidnight(day: string, days = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days).toISOString();
}

/** How many filters (besides the free text) narrow the search. */
export function activeFilterCount(q: HistoryQuery): number {
  const keys = [
    'project',
    'dataset',
    'model',
    'family',
    'objective',
    'status',
    'verdict',
    'backend',
    'from',
    'to',
    'tag',
  ] as const;
  return keys.filter((k) => q[k] !== null).length + (q.starred ? 1 : 0);
}

/** The date range reads backwards (from after to): nothing can match. */
export function rangeProblem(q: HistoryQuery): string | null {
  return q.from && q.to && q.from > q.to ? `The start date ${q.from} is after the end date ${q.to}` : null;
}

/** `runs:search` arguments for a search; the day range covers whole local days (to is inclusive). */
export function searchArgs(q: HistoryQuery): InvokeArgs<'runs:search'> {
  const args: InvokeArgs<'runs:search'> = {
    sort: q.sort === 'metric' ? 'created' : q.sort,
    order: q.order,
    limit: 10000,
  };
  if (q.q.trim()) args.query = q.q.trim();
  if (q.project !== null) args.projectId = q.project;
  if (q.dataset !== null) args.datasetId = q.dataset;
  if (q.model) args.model = q.model;
  if (q.family) args.family = q.family;
  if (q.objective) args.objective = q.objective;
  if (q.status) args.status = q.status;
  if (q.verdict) args.verdict = q.verdict;
  if (q.backend) args.backend = q.backend;
  if (q.starred) args.starred = true;
  if (q.tag) args.tag = q.tag;
  if (q.from) args.startedFrom = localMidnight(q.from);
  if (q.to) args.startedBefore = localMidnight(q.to, 1);
  return args;
}

/** A run's figure for the headline-metric column (null when it has none yet). */
export interface HeadlineLike {
  name: string;
  value: number;
}

/**
 * Sorts by the headline metric: runs are grouped by the metric's name (ELBOs are not compared with perplexities),
 * values ordered within a group; runs without one go last either way.
 */
export function sortByHeadline<R extends Pick<RunSummary, 'id'>>(
  runs: readonly R[],
  headline: (r: R) => HeadlineLike | null,
  order: 'asc' | 'desc',
): R[] {
  const sign = order === 'asc' ? 1 : -1;
  const usable = (h: HeadlineLike | null): h is HeadlineLike => h !== null && Number.isFinite(h.value);
  return [...runs].sort((a, b) => {
    const ha = headline(a);
    const hb = headline(b);
    if (!usable(ha) || !usable(hb)) return usable(ha) ? -1 : usable(hb) ? 1 : b.id - a.id;
    if (ha.name !== hb.name) return ha.name.localeCompare(hb.name);
    return ha.value === hb.value ? b.id - a.id : sign * (ha.value - hb.value);
  });
}

/** Why the selected runs cannot be compared (null when they can): 2 to 8 runs of one model kind. */
export function compareProblem(runs: readonly Pick<RunSummary, 'model'>[]): string | null {
  if (runs.length < 2)
    return `Select 2 to 8 runs of the same model to compare${runs.length === 1 ? ' (1 selected)' : ''}.`;
  if (runs.length > 8) return `A comparison holds at most 8 runs; ${runs.length} are selected.`;
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.model, (counts.get(r.model) ?? 0) + 1);
  if (counts.size > 1) {
    const parts = [...counts].map(([m, n]) => `${n} ${m.toUpperCase()}`).join(', ');
    return `Only runs of one model kind can be compared; the selection mixes ${parts}.`;
  }
  return null;
}

export interface FacetOption<V> {
  value: V;
  label: string;
  count: number;
}

/** Distinct values of a field over the runs, with counts, sorted by label; `current` stays offered even when no run has it. */
export function facet<V extends string | number>(
  runs: readonly RunSummary[],
  get: (r: RunSummary) => V | null,
  label: (v: V, r: RunSummary | null) => string,
  current: V | null = null,
): FacetOption<V>[] {
  const seen = new Map<V, FacetOption<V>>();
  for (const r of runs) {
    const v = get(r);
    if (v === null) continue;
    const o = seen.get(v);
    if (o) o.count++;
    else seen.set(v, { value: v, label: label(v, r), count: 1 });
  }
  if (current !== null && !seen.has(current))
    seen.set(current, { value: current, label: label(current, null), count: 0 });
  return [...seen.values()].sort((a, b) => a.label.localeCompare(b.label));
}
