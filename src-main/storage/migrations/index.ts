/**
 * Numbered migrations, applied in order at start inside one transaction each. They live in TypeScript (not .sql
 * files) so the bundled main process carries them without a runtime file lookup. Never edit a shipped migration:
 * add the next number. A migration is SQL, or (for rewriting stored JSON) a function run in the same transaction.
 */
import type { Db } from '../db';
import {
  runSpecFields,
  runSpecSchema,
  specFamilyLabel,
  specObjectiveLabel,
} from '../../../src-shared/schemas/run-spec';
import { upgradeRunSpec } from '../../../src-shared/schemas/spec-upgrade';

export interface Migration {
  version: number;
  name: string;
  sql?: string;
  run?: (db: Db) => void;
}

/**
 * Migration 5: every stored run spec in today's shape (src-shared/schemas/spec-upgrade.ts: the training aids in one
 * `training` block, the optimiser a union on kind, the BNN's lrSchedule as optimiser.schedule). A spec that parses is
 * stored as parsed (every default filled in) and its family and objective labels recomputed; one whose combination
 * today's checks refuse is stored with its fields parsed (the form lists the problems, a re-run is refused with them),
 * and one whose fields do not parse either is stored as upgraded. Settings a run did
 * not use are dropped and named in the run's notes, so its history says what it really trained with.
 */
/**
 * Migration 7: η became a spec default (1, for short texts; issue 18). Stored LDA specs without η trained with
 * η = 1/K, so that value is written into them: a re-run reproduces the run, and the form shows what it used.
 */
export function ldaEtaExplicit(db: Db): void {
  const rows = db.prepare(`SELECT id, spec_json FROM runs WHERE model = 'lda'`).all() as {
    id: number;
    spec_json: string;
  }[];
  const update = db.prepare('UPDATE runs SET spec_json = ? WHERE id = ?');
  for (const r of rows) {
    const spec = JSON.parse(r.spec_json) as { eta?: unknown; topics?: unknown };
    if (spec.eta !== undefined || typeof spec.topics !== 'number') continue;
    update.run(JSON.stringify({ ...spec, eta: 1 / spec.topics }), r.id);
  }
}

export function upgradeStoredSpecs(db: Db): void {
  const rows = db.prepare('SELECT id, spec_json, family, objective, notes FROM runs').all() as {
    id: number;
    spec_json: string;
    family: string;
    objective: string;
    notes: string;
  }[];
  const update = db.prepare('UPDATE runs SET spec_json = ?, family = ?, objective = ?, notes = ? WHERE id = ?');
  for (const r of rows) {
    let raw: unknown;
    try {
      raw = JSON.parse(r.spec_json);
    } catch {
      continue;
    }
    const up = upgradeRunSpec(raw);
    if (!up.changed) continue;
    const parsed = runSpecSchema.safeParse(up.spec);
    // Refused by today's checks: keep its fields with defaults filled in when they parse, else as upgraded.
    const fields = parsed.success ? parsed : runSpecFields.safeParse(up.spec);
    const spec = fields.success ? fields.data : up.spec;
    const note = up.dropped.length
      ? `Spec upgraded to the training block; settings this run did not use were removed: ${up.dropped.join(', ')}.`
      : '';
    update.run(
      JSON.stringify(spec),
      fields.success ? specFamilyLabel(fields.data) : r.family,
      fields.success ? specObjectiveLabel(fields.data) : r.objective,
      note ? (r.notes ? `${r.notes}\n\n${note}` : note) : r.notes,
      r.id,
    );
  }
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE projects (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  TEXT NOT NULL
);

CREATE TABLE datasets (
  id                  INTEGER PRIMARY KEY,
  project_id          INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  source_name         TEXT NOT NULL,
  content_hash        TEXT NOT NULL,
  n_rows              INTEGER NOT NULL CHECK (n_rows >= 0),
  n_cols              INTEGER NOT NULL CHECK (n_cols >= 0),
  schema_json         TEXT NOT NULL,
  preprocessing_json  TEXT NOT NULL,
  data_dir            TEXT NOT NULL,
  bytes               INTEGER NOT NULL DEFAULT 0,
  created_at          TEXT NOT NULL
);
CREATE INDEX datasets_project ON datasets(project_id);

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  model         TEXT NOT NULL,
  family        TEXT NOT NULL,
  objective     TEXT NOT NULL,
  spec_json     TEXT NOT NULL,
  seed          INTEGER NOT NULL,
  backend       TEXT,
  status        TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled')),
  error         TEXT,
  metrics_json  TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT
);
CREATE INDEX runs_project ON runs(project_id);
CREATE INDEX runs_dataset ON runs(dataset_id);
CREATE INDEX runs_status ON runs(status);

CREATE TABLE metrics (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step    INTEGER NOT NULL,
  epoch   INTEGER NOT NULL,
  name    TEXT NOT NULL,
  value   REAL NOT NULL,
  wall    REAL NOT NULL
);
CREATE INDEX metrics_run_name_step ON metrics(run_id, name, step);

CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  name        TEXT NOT NULL,
  data_json   TEXT,
  path        TEXT,
  created_at  TEXT NOT NULL,
  UNIQUE (run_id, name)
);
`,
  },
  {
    version: 2,
    name: 'run-notes-tags-star',
    sql: `
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1));
CREATE INDEX runs_starred ON runs(starred);
`,
  },
  {
    version: 3,
    name: 'saved-comparisons',
    // run_ids_json keeps the saved order (the first run is the baseline). No foreign key: a deleted run stays listed
    // so reopening the comparison can say "run N was deleted" instead of silently showing fewer runs.
    sql: `
CREATE TABLE comparisons (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  run_ids_json  TEXT NOT NULL CHECK (json_valid(run_ids_json) AND json_type(run_ids_json) = 'array'),
  options_json  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options_json)),
  notes         TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX comparisons_updated ON comparisons(updated_at);
`,
  },
  {
    version: 4,
    name: 'imported-models',
    // Model bundles opened in this app (issue 7): the files live in <dataDir>/models/<id>/ (dir is relative to the
    // data directory); summary_json is the manifest's summary shown in the list without reading the files.
    sql: `
CREATE TABLE models (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  kind            TEXT NOT NULL CHECK (kind IN ('vae', 'lda', 'bnn')),
  format          TEXT NOT NULL,
  format_version  INTEGER NOT NULL CHECK (format_version >= 1),
  summary_json    TEXT NOT NULL CHECK (json_valid(summary_json)),
  source_name     TEXT NOT NULL,
  dir             TEXT NOT NULL,
  bytes           INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  imported_at     TEXT NOT NULL
);
CREATE INDEX models_imported ON models(imported_at);
`,
  },
  {
    version: 5,
    name: 'run-spec-training-block',
    run: upgradeStoredSpecs,
  },
  {
    version: 6,
    name: 'run-verdicts',
    // One verdict per run (src-shared/domain/verdict.ts): the level for filtering, the verdict with its reasons, and
    // the evidence it was judged on (so a page can show the numbers). Runs from before verdicts keep NULL: "not
    // assessed", never a made-up "ok".
    sql: `
ALTER TABLE runs ADD COLUMN verdict TEXT CHECK (verdict IN ('ok', 'caution', 'failed'));
ALTER TABLE runs ADD COLUMN verdict_json TEXT;
ALTER TABLE runs ADD COLUMN evidence_json TEXT;
CREATE INDEX runs_verdict ON runs(verdict);
`,
  },
  {
    version: 7,
    name: 'lda-eta-explicit',
    run: ldaEtaExplicit,
  },
  {
    version: 8,
    name: 'reference-posteriors',
    // The reference posterior of a GLM on one dataset (exact or NUTS; src-shared/domain/reference.ts), computed once
    // per (dataset content, model spec, sampler settings): cache_key is the hash of those (reference/cache-key.ts).
    // Deleting the dataset deletes its references.
    sql: `
CREATE TABLE reference_posteriors (
  id          INTEGER PRIMARY KEY,
  cache_key   TEXT NOT NULL UNIQUE,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  spec_json   TEXT NOT NULL,
  method      TEXT NOT NULL CHECK (method IN ('exact', 'nuts')),
  result_json TEXT NOT NULL,
  seconds     REAL NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX reference_posteriors_dataset ON reference_posteriors(dataset_id);
`,
  },
];
