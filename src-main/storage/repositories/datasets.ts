import type { Db } from '../db';
import type { ColumnSchema, Dataset, Preprocessing } from '../../../src-shared/domain/types';

interface Row {
  id: number;
  project_id: number;
  name: string;
  source_name: string;
  content_hash: string;
  n_rows: number;
  n_cols: number;
  schema_json: string;
  preprocessing_json: string;
  data_dir: string;
  bytes: number;
  created_at: string;
}

export interface NewDataset {
  projectId: number;
  name: string;
  sourceName: string;
  contentHash: string;
  rows: number;
  schema: ColumnSchema[];
  preprocessing: Preprocessing;
  dataDir: string;
  bytes: number;
}

const toDataset = (r: Row): Dataset => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  sourceName: r.source_name,
  contentHash: r.content_hash,
  rows: r.n_rows,
  columns: r.n_cols,
  schema: JSON.parse(r.schema_json) as ColumnSchema[],
  preprocessing: JSON.parse(r.preprocessing_json) as Preprocessing,
  bytes: r.bytes,
  createdAt: r.created_at,
});

export class DatasetsRepo {
  constructor(private readonly db: Db) {}

  list(projectId: number): Dataset[] {
    return (this.db.prepare('SELECT * FROM datasets WHERE project_id = ? ORDER BY id').all(projectId) as Row[]).map(
      toDataset,
    );
  }

  get(id: number): Dataset | null {
    const r = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as Row | undefined;
    return r ? toDataset(r) : null;
  }

  /** Every dataset's folder (relative to the data directory), for the sweep of orphans. */
  dirs(): string[] {
    return (this.db.prepare('SELECT data_dir FROM datasets').all() as { data_dir: string }[]).map((r) => r.data_dir);
  }

  /** Where the dataset's columnar files live (relative to the data directory). */
  dataDir(id: number): string | null {
    const r = this.db.prepare('SELECT data_dir FROM datasets WHERE id = ?').get(id) as { data_dir: string } | undefined;
    return r ? r.data_dir : null;
  }

  create(d: NewDataset): Dataset {
    const info = this.db
      .prepare(
        `INSERT INTO datasets (project_id, name, source_name, content_hash, n_rows, n_cols, schema_json,
          preprocessing_json, data_dir, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.projectId,
        d.name,
        d.sourceName,
        d.contentHash,
        d.rows,
        d.schema.length,
        JSON.stringify(d.schema),
        JSON.stringify(d.preprocessing),
        d.dataDir,
        d.bytes,
        new Date().toISOString(),
      );
    return this.get(Number(info.lastInsertRowid))!;
  }
}
