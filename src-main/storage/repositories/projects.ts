import type { Db } from '../db';
import type { Project } from '../../../src-shared/domain/types';

interface Row {
  id: number;
  name: string;
  created_at: string;
  dataset_count: number;
  run_count: number;
}

const SELECT = `SELECT p.id, p.name, p.created_at,
  (SELECT COUNT(*) FROM datasets d WHERE d.project_id = p.id) AS dataset_count,
  (SELECT COUNT(*) FROM runs r WHERE r.project_id = p.id) AS run_count
  FROM projects p`;

const toProject = (r: Row): Project => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  datasetCount: r.dataset_count,
  runCount: r.run_count,
});

export class ProjectsRepo {
  constructor(private readonly db: Db) {}

  list(): Project[] {
    return (this.db.prepare(`${SELECT} ORDER BY p.id`).all() as Row[]).map(toProject);
  }

  get(id: number): Project | null {
    const r = this.db.prepare(`${SELECT} WHERE p.id = ?`).get(id) as Row | undefined;
    return r ? toProject(r) : null;
  }

  findByName(name: string): Project | null {
    const r = this.db.prepare(`${SELECT} WHERE p.name = ? ORDER BY p.id LIMIT 1`).get(name) as Row | undefined;
    return r ? toProject(r) : null;
  }

  create(name: string): Project {
    const info = this.db
      .prepare('INSERT INTO projects (name, created_at) VALUES (?, ?)')
      .run(name, new Date().toISOString());
    return this.get(Number(info.lastInsertRowid))!;
  }
}
