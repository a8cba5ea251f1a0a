// The CLI as a user runs it: help, bad options named with their fix, and a real fit recorded in the database.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from './storage/db';
import { makeRepos } from './storage/repositories';
import { loadLdaBundle } from './engine/models/lda';
import { runVerdict } from '../src-shared/domain/verdict';

const root = path.resolve(__dirname, '..');
const cli = (args: string[], dataDir: string) =>
  spawnSync(process.execPath, [path.join(root, 'bin/elbo-studio.cjs'), ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 240_000,
  });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-cli-'));

describe('elbo-studio CLI', () => {
  it('explains every option in --help', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/elbo-studio.cjs'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const opt of [
      '--data',
      '--model',
      '--target',
      '--family',
      '--objective',
      '--seed',
      '--epochs',
      '--steps',
      '--data-dir',
    ]) {
      expect(r.stdout).toContain(opt);
    }
  });

  it('names the fix for a bad option, a bad family and a missing target', () => {
    const d = tmp();
    const data = path.join(root, 'resources/samples/diabetes.csv');
    const a = cli(['fit', '--data', data, '--epochz', '3'], d);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/Unknown option --epochz/);
    const b = cli(['fit', '--data', data, '--model', 'glm', '--target', 'progression', '--family', 'planar:0'], d);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/flow length ≥ 1/);
    const c = cli(['fit', '--data', data, '--model', 'glm'], d);
    expect(c.stderr).toMatch(/needs --target/);
    const e = cli(['fit', '--data', data, '--model', 'glm', '--target', 'nope'], d);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/Target column "nope" is not in this dataset/);
  });

  it('refuses a training aid or optimiser setting the model would not use, naming the fix', () => {
    const d = tmp();
    const data = path.join(root, 'resources/samples/diabetes.csv');
    const glm = ['fit', '--data', data, '--model', 'glm', '--target', 'progression'];
    const a = cli([...glm, '--free-bits', '1'], d);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/training\.freeBits: A GLM has no free bits/);
    const b = cli([...glm, '--momentum', '0.5'], d);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--momentum applies to SGD; add --optimiser sgd/);
    const c = cli(['fit', '--data', data, '--model', 'bnn', '--target', 'progression', '--objective', 'iwae:3'], d);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/A BNN is fitted with the ELBO/);
    const e = cli(['fit', '--data', data, '--model', 'lda', '--text-column', 'x', '--beta', '2'], d);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/--beta does not apply to --model lda/);
  });

  it('missing values: impute is the default beyond 5 % lost rows; cells kept missing are refused by a GLM', () => {
    const d = tmp();
    // v is missing on 3 of 10 rows (30 %): the default imputes rather than dropping them.
    const f = path.join(d, 'gappy.csv');
    fs.writeFileSync(
      f,
      ['u,v', '1,2.1', '2,', '3,6.2', '4,NA', '5,9.8', '6,12.1', '7,', '8,16.2', '9,18.1', '10,19.9'].join('\n'),
    );
    const kept = cli(['fit', '--data', f, '--model', 'glm', '--target', 'v', '--missing', 'keep'], d);
    expect(kept.status).toBe(2);
    expect(kept.stderr).toMatch(
      /A regression \(GLM\) cannot use missing values: dataset "gappy.csv".*"v" \(3 of 10 rows\)/,
    );
    const bad = cli(['fit', '--data', f, '--model', 'glm', '--target', 'v', '--missing', 'drop:mean'], d);
    expect(bad.stderr).toMatch(/--missing drop:mean: expected drop, impute/);
    const r = cli(['fit', '--data', f, '--model', 'glm', '--target', 'u', '--steps', '50'], d);
    expect(r.status).toBe(0);
    const repos = makeRepos(openDb(path.join(d, 'elbo-studio.sqlite')));
    const ds = repos.datasets.list(repos.projects.list()[0]!.id)[0]!;
    expect(ds.rows).toBe(10);
    expect(ds.preprocessing).toMatchObject({ missing: 'impute', numericImpute: 'median', policySource: 'default' });
    expect(ds.preprocessing.imputed).toEqual([{ column: 'v', cells: 3, how: 'median', value: 12.1, from: 7 }]);
    repos.db.close();
  });

  it('fits a GLM, prints a JSON summary and records the run in the database', () => {
    const d = tmp();
    const r = cli(
      [
        'fit',
        '--data',
        path.join(root, 'resources/samples/diabetes.csv'),
        '--model',
        'glm',
        '--target',
        'progression',
        '--family',
        'meanfield',
        '--steps',
        '400',
        '--seed',
        '3',
        '--anneal',
        'linear:50',
        '--clip-norm',
        '1000',
      ],
      d,
    );
    expect(r.stderr).toMatch(/step 400\/400/);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ status: 'completed', model: 'glm', family: 'meanfield', seed: 3 });
    expect(Object.keys(out.posterior.coefficients)).toContain('bmi');
    // BMI raises progression: a positive coefficient whose posterior excludes 0.
    const bmi = out.posterior.coefficients.bmi;
    expect(bmi.mean - 3 * bmi.sd).toBeGreaterThan(0);
    // On the data's scale too: same sign, scaled by sd(progression) / sd(bmi), and the intercept moves to the data.
    const raw = out.posterior.coefficientsOriginalScale;
    expect(raw.bmi.mean).toBeGreaterThan(0);
    expect(raw.bmi.sd / bmi.sd).toBeCloseTo(raw.bmi.mean / bmi.mean, 6);
    expect(raw['(intercept)'].sd).toBeNull();
    // Each table row carries its name for people (numeric predictors: their own name; glm-binary.test.ts has the
    // named two-valued ones).
    const rows = out.posterior.coefficientTable.rows as { name: string; label: string }[];
    expect(rows.map((r) => r.label)).toEqual(rows.map((r) => r.name));
    expect(rows.find((r) => r.name === 'bmi')?.label).toBe('bmi');
    const repos = makeRepos(openDb(path.join(d, 'elbo-studio.sqlite')));
    const runs = repos.runs.list();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', model: 'glm' });
    // The verdict, top-level: the one stored with the run, judged from its evidence.
    expect(['ok', 'caution', 'failed']).toContain(out.verdict);
    expect(out.verdict).toBe(runs[0]!.verdict!.verdict);
    expect(out.reasons).toEqual(runs[0]!.verdict!.reasons);
    expect(runVerdict(runs[0]!.evidence!)).toEqual(runs[0]!.verdict);
    for (const reason of out.reasons)
      expect(Object.keys(reason).sort()).toEqual(['code', 'message', 'remedy', 'severity']);
    // And in the list output, the same fields.
    const listed = cli(['runs'], d);
    const line = JSON.parse(listed.stdout.trim().split('\n')[0]!);
    expect(line).toMatchObject({ id: runs[0]!.id, verdict: out.verdict, reasons: out.reasons });
    // The flags land in the training block and the optimiser (GLM: one annealing epoch = one step).
    expect(runs[0]!.spec).toMatchObject({
      training: { beta: 1, anneal: { kind: 'linear', epochs: 50 } },
      optimiser: { kind: 'adam', learningRate: 0.01, clipNorm: 1000 },
    });
    repos.db.close();
  });

  it('fits LDA topics on the fortunes sample and reports held-out perplexity per pass', () => {
    const d = tmp();
    const r = cli(
      [
        'fit',
        '--data',
        path.join(root, 'resources/samples/fortunes.csv'),
        '--model',
        'lda',
        '--text-column',
        'text',
        '--topics',
        '8',
        '--passes',
        '2',
        '--seed',
        '1',
      ],
      d,
    );
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ status: 'completed', model: 'lda', objective: 'elbo:svi' });
    expect(out.perPass).toHaveLength(2);
    // A perplexity at or above the vocabulary size would mean no better than guessing words uniformly.
    for (const p of out.perPass) expect(p.heldoutPerplexity).toBeLessThan(out.metrics.vocabulary);
    expect(out.text.documents).toBe(13482);
    expect(out.metrics.empty_documents).toBe(out.text.emptyDocuments);
    expect(out.metrics.documents + out.text.emptyDocuments).toBeLessThanOrEqual(13482);
    // The topics artifact the views read is stored with the run.
    const repos = makeRepos(openDb(path.join(d, 'elbo-studio.sqlite')));
    expect(repos.artifacts.get(out.run, 'topics')).not.toBeNull();
    repos.db.close();
  });

  it('scores LDA on a separate held-out file and exports the matrices, vocabulary and model', () => {
    const d = tmp();
    const lines = fs.readFileSync(path.join(root, 'resources/samples/fortunes.csv'), 'utf8').split('\n');
    // Rows of this file have no embedded newlines for the first few thousand lines; cut on whole lines.
    const header = lines[0]!;
    const train = path.join(d, 'train.csv');
    const held = path.join(d, 'held.csv');
    fs.writeFileSync(train, [header, ...lines.slice(1, 3001)].join('\n'));
    fs.writeFileSync(held, [header, ...lines.slice(3001, 3301), '999999,test,"=HYPERLINK(""http://x"")"'].join('\n'));
    const out = path.join(d, 'export');
    const r = cli(
      [
        'fit',
        '--data',
        train,
        '--model',
        'lda',
        '--text-column',
        'text',
        '--topics',
        '5',
        '--passes',
        '1',
        '--heldout',
        held,
        '--export',
        out,
      ],
      d,
    );
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(res.status).toBe('completed');
    // Of the 301 held-out rows, 285 keep a word of the training vocabulary (minDf 10 on 3,000 fortunes); the formula
    // row and 15 short fortunes are counted out, not fed in.
    expect(res.metrics.heldout_documents).toBe(285);
    expect(res.perPass[0].heldoutPerplexity).toBeGreaterThan(1);
    for (const f of ['topic-word.csv', 'vocabulary.csv', 'doc-topic.csv', 'model.json'])
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    const topicWord = fs.readFileSync(path.join(out, 'topic-word.csv'), 'utf8').split('\n');
    expect(topicWord[0]).toBe('word_id,word,topic_1,topic_2,topic_3,topic_4,topic_5');
    const docTopic = fs.readFileSync(path.join(out, 'doc-topic.csv'), 'utf8').trim().split('\n');
    expect(docTopic).toHaveLength(3001);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).vocabulary.length).toBe(
      res.metrics.vocabulary,
    );
    // The same bundle the app exports: a manifest listing every file with its checksum, and it loads back.
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'elbo-studio.lda-bundle',
      formatVersion: 1,
      K: 5,
      V: res.metrics.vocabulary,
    });
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual([
      'doc-topic.csv',
      'lambda.bin',
      'model.json',
      'stopwords.json',
      'topic-word.csv',
      'vocabulary.csv',
      'vocabulary.json',
    ]);
    expect(loadLdaBundle(out).model.K).toBe(5);
  });

  it('fits a BNN, exports its bundle, and refuses a target among the features before training', () => {
    const d = tmp();
    const out = path.join(d, 'bundle');
    const data = path.join(root, 'resources/samples/diabetes.csv');
    const r = cli(
      [
        'fit',
        '--data',
        data,
        '--model',
        'bnn',
        '--target',
        'progression',
        '--epochs',
        '40',
        '--export',
        out,
        '--seed',
        '2',
      ],
      d,
    );
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(res).toMatchObject({ status: 'completed', model: 'bnn', family: 'meanfield' });
    // Better than predicting the mean (the target's sd is about 77) and calibrated enough to cover most test points.
    expect(res.metrics.rmse).toBeLessThan(70);
    expect(res.metrics.coverage95).toBeGreaterThan(0.7);
    for (const f of [
      'manifest.json',
      'posterior.json',
      path.join('tfjs', 'model.json'),
      path.join('onnx', 'predictive-mean.onnx'),
    ]) {
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'elbo-studio.bnn-bundle', formatVersion: 2, source: { runId: res.run } });
    expect(manifest.files.map((f: { path: string }) => f.path)).toContain('onnx/predictive-mean.onnx');
    const bad = cli(
      ['fit', '--data', data, '--model', 'bnn', '--target', 'progression', '--features', 'progression,bmi'],
      d,
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/include the target column "progression"/);
  });

  it('leaves no dataset behind when the spec is refused, on the header or on the stored values', () => {
    const d = tmp();
    const diabetes = path.join(root, 'resources/samples/diabetes.csv');
    const stored = () => {
      if (!fs.existsSync(path.join(d, 'elbo-studio.sqlite'))) return { datasets: 0, runs: 0, files: 0 };
      const repos = makeRepos(openDb(path.join(d, 'elbo-studio.sqlite')));
      const n = {
        datasets: (repos.db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }).n,
        runs: repos.runs.list().length,
      };
      repos.db.close();
      const dir = path.join(d, 'datasets');
      return { ...n, files: fs.existsSync(dir) ? fs.readdirSync(dir).length : 0 };
    };
    // Refused on the header: no such target, a VAE test file without the model's columns, no such text column.
    const a = cli(['fit', '--data', diabetes, '--model', 'glm', '--target', 'nope'], d);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/Target column "nope" is not in this dataset/);
    const other = path.join(d, 'other.csv');
    fs.writeFileSync(other, 'p,q\n1,2\n3,4\n');
    const b = cli(['fit', '--data', diabetes, '--model', 'vae', '--test', other, '--epochs', '1'], d);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/test dataset "other.csv \(test\)" lacks \d+ of the \d+ feature columns: age/);
    const c = cli(['fit', '--data', diabetes, '--model', 'lda', '--text-column', 'notes'], d);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/Text column "notes" is not in dataset "diabetes.csv"/);
    expect(stored()).toEqual({ datasets: 0, runs: 0, files: 0 });
    // Refused on the values, which only the stored dataset shows (a constant target): the import is undone.
    const flat = path.join(d, 'flat.csv');
    fs.writeFileSync(flat, `x,y\n${Array.from({ length: 30 }, (_, i) => `${(i % 6) + 0.5},5`).join('\n')}\n`);
    const e = cli(['fit', '--data', flat, '--model', 'bnn', '--target', 'y', '--epochs', '1'], d);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/Target "y" is constant/);
    expect(stored()).toEqual({ datasets: 0, runs: 0, files: 0 });
  });
});
