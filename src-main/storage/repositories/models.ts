/**
 * Imported model bundles (migration 4). A row exists exactly when its folder `<dataDir>/<dir>` holds the verified
 * bundle: the importer moves the folder into place inside the same transaction that inserts the row, and delete
 * removes the row before the folder (see src-main/export/bundles.ts).
 */
import type { Db } from '../db';
import type { ImportedModel, ModelKind, ModelSummary } from '../../../src-shared/domain/models';

interface Row {
  id: number;
  name: string;
  kind: ModelKind;
  format: string;
  format_version: number;
  summary_json: string;
  source_name: string;
  dir: string;
  bytes: number;
  imported_at: string;
}

export interface ModelInput {
  name: string;
  kind: ModelKind;
  format: string;
  formatVersion: number;
  summary: ModelSummary;
  sourceName: string;
  dir: string;
  bytes: number;
}

const toModel = (r: Row): ImportedModel => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  summary: JSON.parse(r.summary_json) as ModelSummary,
  sourceName: r.source_name,
  bytes: r.bytes,
  importedAt: r.imported_at,
});

export class ModelsRepo {
  constructor(private readonly db: Db) {}

  list(): ImportedModel[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY imported_at DESC, id DESC').all() as Row[]).map(toModel);
  }

  get(id: number): ImportedModel | null {
    const r = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
    return r ? toModel(r) : null;
  }

  /** The folder of a model, relative to the data directory. */
  dir(id: number): string | null {
    const r = this.db.prepare('SELECT dir FROM models WHERE id = ?').get(id) as { dir: string } | undefined;
    return r?.dir ?? null;
  }

  /** Every folder the table refers to (to find orphans). */
  dirs(): string[] {
    return (this.db.prepare('SELECT dir FROM models').all() as { dir: string }[]).map((r) => r.dir);
  }

  /**
   * Inserts the row and calls place(id) → the folder (relative) in one transaction: when place throws, the row is
   * never committed.
   */
  create(m: Omit<ModelInput, 'dir'>, place: (id: number) => string): ImportedModel {
    const tx = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO models (name, kind, format, format_version, summary_json, source_name, dir, bytes, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)`,
        )
        .run(
          m.name,
          m.kind,
          m.format,
          m.formatVersion,
          JSON.stringify(m.summary),
          m.sourceName,
          m.bytes,
          new Date().toISOString(),
        );
      const id = Number(info.lastInsertRowid);
      const dir = place(id);
      this.db.prepare('UPDATE models SET dir = ? WHERE id = ?').run(dir, id);
      return id;
    });
    return this.get(tx())!;
  }

  rename(id: number, name: string): ImportedModel | null {
    this.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(name, id);
    return this.get(id);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0;
  }
}
