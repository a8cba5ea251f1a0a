import type { Db } from '../db';
import { runVerdict, type RunVerdict, type VerdictEvidence } from '../../../src-shared/domain/verdict';
import type { BackendName, RunStatus, RunSummary } from '../../../src-shared/domain/types';
import { specFamilyLabel, specObjectiveLabel, type RunSpec } from '../../../src-shared/schemas/run-spec';

interface Row {
  id: number;
  project_id: number;
  dataset_id: number;
  dataset_name: string;
  name: string;
  model: string;
  family: string;
  objective: string;
  spec_json: string;
  seed: number;
  backend: string | null;
  status: RunStatus;
  error: string | null;
  metrics_json: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  notes: string;
  tags_json: string;
  starred: number;
  verdict: string | null;
  verdict_json: string | null;
  evidence_json: string | null;
}

const SELECT = `SELECT r.*, d.name AS dataset_name FROM runs r JOIN datasets d ON d.id = r.dataset_id`;

const toRun = (r: Row): RunSummary => {
  const spec = JSON.parse(r.spec_json) as RunSpec;
  return {
    id: r.id,
    projectId: r.project_id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    name: r.name,
    model: spec.model,
    family: r.family,
    objective: r.objective,
    spec,
    seed: r.seed,
    status: r.status,
    backend: r.backend as BackendName | null,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    metrics: JSON.parse(r.metrics_json) as Record<string, number>,
    notes: r.notes,
    tags: JSON.parse(r.tags_json) as string[],
    starred: r.starred === 1,
    verdict: r.verdict_json ? (JSON.parse(r.verdict_json) as RunVerdict) : null,
    evidence: r.evidence_json ? (JSON.parse(r.evidence_json) as VerdictEvidence) : null,
  };
};

const now = () => new Date().toISOString();

export class RunsRepo {
  constructor(private readonly db: Db) {}

  list(projectId?: number): RunSummary[] {
    const rows =
      projectId === undefined
        ? (this.db.prepare(`${SELECT} ORDER BY r.id DESC`).all() as Row[])
        : (this.db.prepare(`${SELECT} WHERE r.project_id = ? ORDER BY r.id DESC`).all(projectId) as Row[]);
    return rows.map(toRun);
  }

  get(id: number): RunSummary | null {
    const r = this.db.prepare(`${SELECT} WHERE r.id = ?`).get(id) as Row | undefined;
    return r ? toRun(r) : null;
  }

  create(p: { projectId: number; datasetId: number; name: string; spec: RunSpec }): RunSummary {
    const family = specFamilyLabel(p.spec);
    const objective = specObjectiveLabel(p.spec);
    const info = this.db
      .prepare(
        `INSERT INTO runs (project_id, dataset_id, name, model, family, objective, spec_json, seed, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
      )
      .run(
        p.projectId,
        p.datasetId,
        p.name,
        p.spec.model,
        family,
        objective,
        JSON.stringify(p.spec),
        p.spec.seed,
        now(),
      );
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** Rename, annotate, tag or star a run (only the given fields change). */
  update(id: number, p: { name?: string; notes?: string; tags?: string[]; starred?: boolean }): void {
    const sets: string[] = [];
    const vals: (string | number)[] = [];
    if (p.name !== undefined) {
      sets.push('name = ?');
      vals.push(p.name);
    }
    if (p.notes !== undefined) {
      sets.push('notes = ?');
      vals.push(p.notes);
    }
    if (p.tags !== undefined) {
      sets.push('tags_json = ?');
      vals.push(JSON.stringify([...new Set(p.tags)]));
    }
    if (p.starred !== undefined) {
      sets.push('starred = ?');
      vals.push(p.starred ? 1 : 0);
    }
    if (!sets.length) return;
    this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...vals, id);
  }

  /**
   * Every run of every project, filtered and sorted in SQL. `query` matches names, notes, tags, the dataset's
   * name, model, family and objective (case-insensitive substring).
   */
  search(f: {
    query?: string;
    projectId?: number;
    datasetId?: number;
    model?: string;
    family?: string;
    objective?: string;
    status?: RunStatus;
    backend?: string;
    starred?: boolean;
    tag?: string;
    /** The run's verdict; 'none' = finished without one (from before verdicts: "not assessed"). */
    verdict?: RunVerdict['verdict'] | 'none';
    /** ISO instants: started (a queued run: created) at or after `startedFrom` and before `startedBefore`. */
    startedFrom?: string;
    startedBefore?: string;
    sort?:
      | 'created'
      | 'name'
      | 'status'
      | 'duration'
      | 'dataset'
      | 'model'
      | 'family'
      | 'project'
      | 'objective'
      | 'backend'
      | 'started'
      | 'starred'
      | 'verdict';
    order?: 'asc' | 'desc';
    limit?: number;
  }): RunSummary[] {
    const where: string[] = [];
    const vals: (string | number)[] = [];
    if (f.query) {
      const q = `%${f.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(lower(r.name) LIKE ? ESCAPE '\\' OR lower(r.notes) LIKE ? ESCAPE '\\' OR lower(r.tags_json) LIKE ? ESCAPE '\\'
        OR lower(d.name) LIKE ? ESCAPE '\\' OR lower(r.model) LIKE ? ESCAPE '\\' OR lower(r.family) LIKE ? ESCAPE '\\' OR lower(r.objective) LIKE ? ESCAPE '\\')`);
      vals.push(q, q, q, q, q, q, q);
    }
    const eq: [string, string | number | undefined][] = [
      ['r.project_id', f.projectId],
      ['r.dataset_id', f.datasetId],
      ['r.model', f.model],
      ['r.family', f.family],
      ['r.objective', f.objective],
      ['r.status', f.status],
      ['r.backend', f.backend],
    ];
    for (const [col, v] of eq)
      if (v !== undefined) {
        where.push(`${col} = ?`);
        vals.push(v);
      }
    if (f.starred !== undefined) {
      where.push('r.starred = ?');
      vals.push(f.starred ? 1 : 0);
    }
    if (f.tag) {
      where.push(`EXISTS (SELECT 1 FROM json_each(r.tags_json) WHERE json_each.value = ?)`);
      vals.push(f.tag);
    }
    if (f.verdict === 'none') where.push(`r.verdict IS NULL AND r.status IN ('completed', 'failed', 'cancelled')`);
    else if (f.verdict) {
      where.push('r.verdict = ?');
      vals.push(f.verdict);
    }
    // Times are stored as toISOString() (UTC, 'Z'): normalised the same way they compare as text.
    const iso = (t: string) => new Date(t).toISOString();
    if (f.startedFrom) {
      where.push('COALESCE(r.started_at, r.created_at) >= ?');
      vals.push(iso(f.startedFrom));
    }
    if (f.startedBefore) {
      where.push('COALESCE(r.started_at, r.created_at) < ?');
      vals.push(iso(f.startedBefore));
    }
    const sortCol = {
      created: 'r.id',
      name: 'lower(r.name)',
      status: 'r.status',
      duration: `(julianday(COALESCE(r.finished_at, r.started_at)) - julianday(r.started_at))`,
      dataset: 'lower(d.name)',
      model: 'r.model',
      family: 'r.family',
      project: '(SELECT lower(p.name) FROM projects p WHERE p.id = r.project_id)',
      objective: 'r.objective',
      backend: `COALESCE(r.backend, '')`,
      started: 'COALESCE(r.started_at, r.created_at)',
      starred: 'r.starred',
      // Ascending: worst first (failed, caution, ok), then runs without a verdict.
      verdict: `CASE r.verdict WHEN 'failed' THEN 0 WHEN 'caution' THEN 1 WHEN 'ok' THEN 2 ELSE 3 END`,
    }[f.sort ?? 'created'];
    const order = f.order === 'asc' ? 'ASC' : 'DESC';
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${sortCol} ${order}, r.id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...vals, f.limit ?? 1000) as Row[]).map(toRun);
  }

  markRunning(id: number, backend: BackendName): void {
    this.db
      .prepare(`UPDATE runs SET status = 'running', backend = ?, started_at = COALESCE(started_at, ?) WHERE id = ?`)
      .run(backend, now(), id);
  }

  /** Final state and its verdict; refuses to leave a terminal state (a cancelled run stays cancelled). */
  finish(
    id: number,
    status: 'completed' | 'failed' | 'cancelled',
    error: string | null,
    metrics?: Record<string, number>,
    judged?: { verdict: RunVerdict; evidence: VerdictEvidence },
  ): void {
    this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, finished_at = ?, metrics_json = COALESCE(?, metrics_json),
         verdict = ?, verdict_json = ?, evidence_json = ?
         WHERE id = ? AND status IN ('queued', 'running')`,
      )
      .run(
        status,
        error,
        now(),
        metrics ? JSON.stringify(metrics) : null,
        judged?.verdict.verdict ?? null,
        judged ? JSON.stringify(judged.verdict) : null,
        judged ? JSON.stringify(judged.evidence) : null,
        id,
      );
  }

  /**
   * At start: runs a killed app left running are failed; queued ones are returned to be queued again. Runs that
   * `ownedElsewhere` says another live process trains or queued (the CLI on the same data directory) are left alone.
   */
  recoverAfterRestart(ownedElsewhere: (id: number) => boolean = () => false): { failed: number[]; queued: number[] } {
    const running = (this.db.prepare(`SELECT id FROM runs WHERE status = 'running'`).all() as { id: number }[])
      .map((r) => r.id)
      .filter((id) => !ownedElsewhere(id));
    const error = 'Interrupted: ELBO Studio stopped while this run was training. Re-run it to train again.';
    const evidence: VerdictEvidence = { status: 'failed', error };
    const fail = this.db.prepare(
      `UPDATE runs SET status = 'failed', finished_at = ?, error = ?, verdict = 'failed', verdict_json = ?,
       evidence_json = ? WHERE id = ? AND status = 'running'`,
    );
    const at = now();
    const verdict = JSON.stringify(runVerdict(evidence));
    this.db.transaction(() => {
      for (const id of running) fail.run(at, error, verdict, JSON.stringify(evidence), id);
    })();
    const queued = (
      this.db.prepare(`SELECT id FROM runs WHERE status = 'queued' ORDER BY id`).all() as { id: number }[]
    )
      .map((r) => r.id)
      .filter((id) => !ownedElsewhere(id));
    return { failed: running, queued };
  }
}
