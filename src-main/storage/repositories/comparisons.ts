/**
 * Saved comparisons. A comparison keeps the run ids it was saved with, in order; runs deleted since are reported in
 * `missingRunIds` (never dropped silently), so the compare view can say which ones went.
 */
import type { Db } from '../db';
import type { ComparisonOptions, SavedComparison } from '../../../src-shared/domain/comparison';
import { readComparisonOptions } from '../../../src-shared/schemas/comparison';

interface Row {
  id: number;
  name: string;
  run_ids_json: string;
  options_json: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

export interface ComparisonInput {
  name: string;
  runIds: number[];
  options: ComparisonOptions;
  notes: string;
}

function parseIds(json: string): number[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x > 0) : [];
  } catch {
    return [];
  }
}

function parseOptions(json: string): ComparisonOptions {
  try {
    return readComparisonOptions(JSON.parse(json));
  } catch {
    return {};
  }
}

// Stored as toISOString(); lists sort by updated_at, then id (two saves in one millisecond keep their order).
const now = () => new Date().toISOString();

export class ComparisonsRepo {
  constructor(private readonly db: Db) {}

  private hydrate(rows: Row[]): SavedComparison[] {
    const all = [...new Set(rows.flatMap((r) => parseIds(r.run_ids_json)))];
    const existing = new Map<number, { name: string; model: string }>();
    // Look the runs up in chunks (SQLite's bound-parameter limit), once for every comparison listed.
    for (let i = 0; i < all.length; i += 500) {
      const chunk = all.slice(i, i + 500);
      const found = this.db
        .prepare(`SELECT id, name, model FROM runs WHERE id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as { id: number; name: string; model: string }[];
      for (const f of found) existing.set(f.id, { name: f.name, model: f.model });
    }
    return rows.map((r) => {
      const runIds = parseIds(r.run_ids_json);
      const present = runIds.filter((id) => existing.has(id));
      const runNames: Record<number, string> = {};
      for (const id of present) runNames[id] = existing.get(id)!.name;
      return {
        id: r.id,
        name: r.name,
        runIds,
        options: parseOptions(r.options_json),
        notes: r.notes,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        missingRunIds: runIds.filter((id) => !existing.has(id)),
        model: present.length > 0 ? existing.get(present[0]!)!.model : null,
        runNames,
      };
    });
  }

  list(): SavedComparison[] {
    return this.hydrate(this.db.prepare('SELECT * FROM comparisons ORDER BY updated_at DESC, id DESC').all() as Row[]);
  }

  get(id: number): SavedComparison | null {
    const r = this.db.prepare('SELECT * FROM comparisons WHERE id = ?').get(id) as Row | undefined;
    return r ? this.hydrate([r])[0]! : null;
  }

  create(c: ComparisonInput): SavedComparison {
    const t = now();
    const info = this.db
      .prepare(
        'INSERT INTO comparisons (name, run_ids_json, options_json, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(c.name, JSON.stringify(c.runIds), JSON.stringify(c.options), c.notes, t, t);
    return this.get(Number(info.lastInsertRowid))!;
  }

  update(id: number, patch: Partial<ComparisonInput>): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    if (patch.name !== undefined) {
      sets.push('name = ?');
      values.push(patch.name);
    }
    if (patch.runIds !== undefined) {
      sets.push('run_ids_json = ?');
      values.push(JSON.stringify(patch.runIds));
    }
    if (patch.options !== undefined) {
      sets.push('options_json = ?');
      values.push(JSON.stringify(patch.options));
    }
    if (patch.notes !== undefined) {
      sets.push('notes = ?');
      values.push(patch.notes);
    }
    sets.push('updated_at = ?');
    values.push(now());
    this.db.prepare(`UPDATE comparisons SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM comparisons WHERE id = ?').run(id).changes > 0;
  }
}
