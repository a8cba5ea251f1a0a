import type { Db } from '../db';
import type { ArtifactName, ArtifactPayloads } from '../../../src-shared/domain/artifacts';
import type { Artifact } from '../../../src-shared/domain/types';

interface Row {
  id: number;
  run_id: number;
  kind: string;
  name: string;
  data_json: string | null;
  created_at: string;
}

export class ArtifactsRepo {
  constructor(private readonly db: Db) {}

  /** Stores (or replaces) a small JSON artifact of a run. */
  put(runId: number, kind: string, name: string, data: unknown): void {
    this.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, name, data_json, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, name) DO UPDATE SET kind = excluded.kind, data_json = excluded.data_json,
         created_at = excluded.created_at`,
      )
      .run(runId, kind, name, JSON.stringify(data), new Date().toISOString());
  }

  get(runId: number, name: string): Artifact | null {
    const r = this.db.prepare('SELECT * FROM artifacts WHERE run_id = ? AND name = ?').get(runId, name) as
      Row | undefined;
    if (!r) return null;
    return {
      id: r.id,
      runId: r.run_id,
      kind: r.kind,
      name: r.name,
      createdAt: r.created_at,
      data: r.data_json === null ? null : (JSON.parse(r.data_json) as unknown),
    };
  }

  /** The stored payload of artifact `name`, typed by the shared map (null when the run has none). */
  payload<N extends ArtifactName>(runId: number, name: N): ArtifactPayloads[N] | null {
    return (this.get(runId, name)?.data ?? null) as ArtifactPayloads[N] | null;
  }

  list(runId: number): { name: string; kind: string }[] {
    return this.db.prepare('SELECT name, kind FROM artifacts WHERE run_id = ? ORDER BY id').all(runId) as {
      name: string;
      kind: string;
    }[];
  }
}
