/**
 * A database written by ELBO Studio at commit 023d4a8 (fixtures/v0.1.0-023d4a8.sqlite, made with its CLI: one VAE
 * iaf:2 run, one GLM iwae:3 run, one LDA run, one BNN run; metric rows trimmed to one per series and the large
 * artifacts deleted to keep the file small) opened by today's code: migration 5 rewrites every stored spec into the
 * strict shape, and the spec a re-run sends parses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from './db';
import { migrations } from './migrations';
import { makeRepos } from './repositories';
import { runsStartArgs } from '../../src-shared/schemas/api';
import {
  bnnSpecSchema,
  ldaSpecSchema,
  runSpecFields,
  runSpecSchema,
  vaeSpecSchema,
} from '../../src-shared/schemas/run-spec';
// The run forms' pure spec ↔ form mappings (what "Open in form" in the history uses).
import {
  bnnFormFromSpec,
  bnnSpecInput,
  ldaFormFromSpec,
  ldaSpecInput,
  vaeFormFromSpec,
  vaeSpecInput,
} from '../../src-renderer/lib/state/run-forms';

const FIXTURE = path.join(__dirname, 'fixtures', 'v0.1.0-023d4a8.sqlite');

function copyFixture(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-fixture-')), 'elbo-studio.sqlite');
  fs.copyFileSync(FIXTURE, file);
  return file;
}

const TRAINING_DEFAULT = { beta: 1, anneal: { kind: 'none' }, freeBits: 0, estimator: 'reparam', kl: 'auto' };

describe('a database written by v0.1.0 (023d4a8)', () => {
  it("opens with today's code: every spec migrated, parsing under the strict schema, and re-runnable", () => {
    const db = openDb(copyFixture());
    const versions = (
      db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
    ).map((r) => r.version);
    expect(versions).toEqual(migrations.map((m) => m.version));
    const repos = makeRepos(db);
    const runs = repos.runs.list().sort((a, b) => a.id - b.id);
    expect(runs.map((r) => [r.model, r.family, r.objective, r.status])).toEqual([
      ['vae', 'iaf:2', 'elbo', 'completed'],
      ['glm', 'meanfield', 'iwae:3', 'completed'],
      ['lda', 'meanfield', 'elbo:svi', 'completed'],
      ['bnn', 'meanfield', 'elbo', 'completed'],
    ]);
    for (const r of runs) {
      // "Open in form" pre-fills the model's form from the stored spec; the form gives the same spec back.
      if (r.spec.model === 'vae') expect(vaeSpecSchema.parse(vaeSpecInput(vaeFormFromSpec(r.spec)))).toEqual(r.spec);
      if (r.spec.model === 'lda') expect(ldaSpecSchema.parse(ldaSpecInput(ldaFormFromSpec(r.spec)))).toEqual(r.spec);
      if (r.spec.model === 'bnn') expect(bnnSpecSchema.parse(bnnSpecInput(bnnFormFromSpec(r.spec)))).toEqual(r.spec);
      // Stored as parsed: parsing again changes nothing.
      expect(runSpecSchema.parse(r.spec)).toEqual(r.spec);
      // Re-run sends the stored spec to runs:start, whose arguments are checked by this schema.
      expect(
        runsStartArgs.parse({
          projectId: r.projectId,
          datasetId: r.datasetId,
          spec: r.spec,
          name: `${r.name} (re-run)`,
        }).spec,
      ).toEqual(r.spec);
      // Nothing the runs used was dropped, so no note was added.
      expect(r.notes).toBe('');
    }
    const [vae, glm, lda, bnn] = runs.map((r) => r.spec as Record<string, unknown>);
    expect(vae).toMatchObject({
      family: { kind: 'iaf', length: 2, hidden: 64 },
      objective: { kind: 'elbo', samples: 1 },
      training: TRAINING_DEFAULT,
      epochs: 2,
    });
    expect(vae!.optimiser).toEqual({ kind: 'adam', learningRate: 0.001, schedule: { kind: 'constant' } });
    for (const k of ['beta', 'freeBits', 'estimator', 'kl', 'klAnneal']) expect(vae).not.toHaveProperty(k);
    expect(glm).toMatchObject({ objective: { kind: 'iwae', k: 3 }, training: TRAINING_DEFAULT, steps: 3000 });
    expect(glm!.optimiser).toEqual({ kind: 'adam', learningRate: 0.01, schedule: { kind: 'constant' } });
    // Migration 7: η was 1/K before it became a default of its own (1); the old run keeps what it trained with.
    expect(lda).toMatchObject({ model: 'lda', topics: 5, method: 'online', passes: 1, eta: 0.2 });
    expect(bnn!.optimiser).toEqual({ kind: 'adam', learningRate: 0.001, schedule: { kind: 'constant' } });
    expect(bnn).not.toHaveProperty('lrSchedule');
    expect(bnn).toMatchObject({ training: TRAINING_DEFAULT, hidden: [10], epochs: 5 });
    db.close();
  });

  it('migrates old runs with training aids: what each model read is kept, what it ignored is named in the notes', () => {
    const file = copyFixture();
    // Two more runs as v0.1.0 stored them: the issue's VAE (objective-level aids, which the VAE ignored, beside its
    // own top-level ones) and a GLM whose objective-level aids it did use; and a BNN with a cosine schedule.
    const before = openDb(
      file,
      migrations.filter((m) => m.version <= 4),
    );
    const vae = JSON.parse(
      (before.prepare('SELECT spec_json FROM runs WHERE id = 1').get() as { spec_json: string }).spec_json,
    ) as Record<string, unknown>;
    const glm = JSON.parse(
      (before.prepare('SELECT spec_json FROM runs WHERE id = 2').get() as { spec_json: string }).spec_json,
    ) as Record<string, unknown>;
    const bnn = JSON.parse(
      (before.prepare('SELECT spec_json FROM runs WHERE id = 4').get() as { spec_json: string }).spec_json,
    ) as Record<string, unknown>;
    const insert = before.prepare(
      `INSERT INTO runs (project_id, dataset_id, name, model, family, objective, spec_json, seed, status, created_at, notes)
       SELECT project_id, dataset_id, ?, model, family, objective, ?, seed, 'completed', created_at, ? FROM runs WHERE id = ?`,
    );
    insert.run(
      'vae aids',
      JSON.stringify({
        ...vae,
        objective: { kind: 'elbo', samples: 1, beta: 4, freeBits: 2, estimator: 'score' },
        beta: 2,
        klAnneal: { kind: 'linear', epochs: 3, ratio: 0.5 },
      }),
      'my note',
      1,
    );
    insert.run(
      'glm aids',
      JSON.stringify({
        ...glm,
        objective: { kind: 'elbo', samples: 1, beta: 0.5, anneal: { kind: 'linear', warmup: 100 }, analyticKl: false },
      }),
      '',
      2,
    );
    insert.run(
      'vae refused',
      JSON.stringify({
        ...vae,
        latentType: 'categorical',
        family: { kind: 'meanfield' },
        objective: { kind: 'iwae', k: 5 },
      }),
      '',
      1,
    );
    insert.run(
      'bnn cosine',
      JSON.stringify({ ...bnn, lrSchedule: 'cosine', objective: { kind: 'elbo', samples: 1, beta: 0.2 } }),
      '',
      4,
    );
    before.close();

    const db = openDb(file);
    const runs = makeRepos(db).runs.list();
    const byName = (n: string) => runs.find((r) => r.name === n)!;
    const v = byName('vae aids');
    expect(v.spec).toMatchObject({
      objective: { kind: 'elbo', samples: 1 },
      training: { beta: 2, anneal: { kind: 'linear', epochs: 3 }, freeBits: 0, estimator: 'reparam', kl: 'auto' },
    });
    expect(v.notes).toBe(
      'my note\n\nSpec upgraded to the training block; settings this run did not use were removed: objective.beta = 4, objective.freeBits = 2, objective.estimator = "score".',
    );
    const g = byName('glm aids');
    expect(g.spec).toMatchObject({
      objective: { kind: 'elbo', samples: 1 },
      training: { beta: 0.5, anneal: { kind: 'linear', epochs: 100 }, kl: 'mc' },
    });
    expect(g.notes).toBe('');
    const b = byName('bnn cosine');
    expect(b.spec).toMatchObject({
      training: { beta: 0.2 },
      optimiser: { kind: 'adam', learningRate: 0.001, schedule: { kind: 'cosine' } },
    });
    // A combination the engine refused then and the checks refuse now: its fields are stored with their defaults, so
    // the history and "Open in form" can show it, and a re-run is refused with the fix.
    const x = byName('vae refused');
    expect(runSpecFields.parse(x.spec)).toEqual(x.spec);
    expect(x.spec).toMatchObject({
      latentType: 'categorical',
      objective: { kind: 'iwae', k: 5 },
      training: { beta: 1 },
    });
    const rerun = runsStartArgs.safeParse({ projectId: x.projectId, datasetId: x.datasetId, spec: x.spec });
    expect(rerun.success).toBe(false);
    expect(rerun.error!.issues[0]!.message).toMatch(
      /Categorical latents are trained on the relaxed ELBO; got objective "iwae"/,
    );
    for (const r of [v, g, b])
      expect(runsStartArgs.parse({ projectId: r.projectId, datasetId: r.datasetId, spec: r.spec }).spec).toEqual(
        r.spec,
      );
    db.close();
  });
});
