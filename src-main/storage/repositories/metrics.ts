import type { Db } from '../db';
import type { MetricPoint, MetricSeries } from '../../../src-shared/domain/types';

export class MetricsRepo {
  private readonly insert;
  private readonly insertMany;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO metrics (run_id, step, epoch, name, value, wall) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertMany = db.transaction((runId: number, points: MetricPoint[]) => {
      for (const p of points) this.insert.run(runId, p.step, p.epoch, p.name, p.value, p.wall);
    });
  }

  /** Writes a batch in one transaction (training sends metrics in batches so writes never slow a step). */
  append(runId: number, points: MetricPoint[]): void {
    const finite = points.filter((p) => Number.isFinite(p.value));
    if (finite.length) this.insertMany(runId, finite);
  }

  series(runId: number, names?: string[]): MetricSeries[] {
    const rows = this.db
      .prepare('SELECT step, epoch, name, value, wall FROM metrics WHERE run_id = ? ORDER BY name, step, rowid')
      .all(runId) as MetricPoint[];
    const byName = new Map<string, MetricSeries>();
    for (const r of rows) {
      if (names && !names.includes(r.name)) continue;
      let s = byName.get(r.name);
      if (!s) {
        s = { name: r.name, step: [], epoch: [], value: [], wall: [] };
        byName.set(r.name, s);
      }
      s.step.push(r.step);
      s.epoch.push(r.epoch);
      s.value.push(r.value);
      s.wall.push(r.wall);
    }
    return [...byName.values()];
  }

  count(runId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ?').get(runId) as { n: number }).n;
  }
}
