/** Hash routes (pure, tested): `#/`, `#/projects/1`, `#/projects/1/import`, `#/projects/1/train?dataset=3`, `#/runs/7`. */
export type Route =
  | { name: 'home' }
  | { name: 'project'; projectId: number }
  | { name: 'import'; projectId: number }
  | { name: 'train'; projectId: number; datasetId: number | null; preset: string | null }
  | { name: 'run'; runId: number }
  | { name: 'notfound'; path: string };

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
  if (parts[0] === 'projects') {
    const projectId = toId(parts[1]);
    if (projectId !== null) {
      if (parts.length === 2) return { name: 'project', projectId };
      if (parts.length === 3 && parts[2] === 'import') return { name: 'import', projectId };
      if (parts.length === 3 && parts[2] === 'train') {
        const preset = params.get('preset');
        return { name: 'train', projectId, datasetId: toId(params.get('dataset') ?? undefined), preset: preset && /^[\w-]{1,64}$/.test(preset) ? preset : null };
      }
    }
  }
  if (parts[0] === 'runs' && parts.length === 2) {
    const runId = toId(parts[1]);
    if (runId !== null) return { name: 'run', runId };
  }
  return { name: 'notfound', path };
}

export const href = {
  home: (): string => '#/',
  project: (projectId: number): string => `#/projects/${projectId}`,
  import: (projectId: number): string => `#/projects/${projectId}/import`,
  train: (projectId: number, datasetId?: number | null, preset?: string): string => {
    const q = new URLSearchParams();
    if (datasetId) q.set('dataset', String(datasetId));
    if (preset) q.set('preset', preset);
    const qs = q.toString();
    return `#/projects/${projectId}/train${qs ? `?${qs}` : ''}`;
  },
  run: (runId: number): string => `#/runs/${runId}`,
};

