import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LdaByCategory, LdaDocument, LdaExport, LdaInferResult, TextPreview } from '../../src-shared/domain/lda';
import { ldaSpecSchema } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { fitLda, modelFromJSON, modelToJSON } from '../engine/models/lda';
import { ldaCorpusFor, splitHeldout } from '../jobs/lda-corpus';
import { createDispatcher, createHandlers, type DispatchResult } from './dispatcher';
import { createServices, type Services } from './services';

let s: Services;
let dispatch: ReturnType<typeof createDispatcher>;
let datasetId = 0;
let runId = 0;
let ldaSpec: ReturnType<typeof ldaSpecSchema.parse>;

// Two clear themes (pets, space) plus an empty cell, a cell of stop words and a formula-like word.
const PETS = [
  'cat dog kitten puppy',
  'dog puppy leash bark',
  'cat kitten purr whiskers',
  'puppy bark dog leash',
  'kitten purr cat whiskers',
];
const SPACE = [
  'rocket orbit planet moon',
  'planet star orbit galaxy',
  'moon rocket launch orbit',
  'galaxy star planet telescope',
  'telescope star galaxy moon',
];

function csvOf(rows: string[][]): string {
  return `${rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n')}\n`;
}

function ok<T>(r: DispatchResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-lda-api-'));
  s = createServices({
    dataDir: dir,
    mode: 'browser',
    recover: false,
    workerFactory: () => {
      throw new Error('no workers in this test');
    },
  });
  dispatch = createDispatcher(createHandlers(s), () => {});
  const rows: string[][] = [['id', 'category', 'text']];
  let id = 1;
  for (let rep = 0; rep < 6; rep++) {
    for (const t of PETS) rows.push([String(id++), 'pets', `${t} the and of`]);
    for (const t of SPACE) rows.push([String(id++), 'space', `${t} with a`]);
  }
  rows.push([String(id++), 'pets', '']);
  rows.push([String(id++), 'space', 'the and of with']);
  rows.push([String(id++), 'pets', '=cmd dog cat, "quoted" kitten']);
  const file = path.join(dir, 'tiny.csv');
  fs.writeFileSync(file, csvOf(rows));
  const project = ok<{ id: number }>(await dispatch('projects:create', { name: 'LDA' }));
  const picked = s.files.register(file);
  const preview = ok<{ columns: { name: string; type: string; role: string }[] }>(
    await dispatch('import:preview', { source: { fileId: picked.fileId } }),
  );
  const columns = preview.columns.map((c) => ({
    name: c.name,
    type: c.name === 'text' ? 'text' : c.name === 'category' ? 'categorical' : c.type,
    role: c.name === 'text' ? 'text' : c.role,
  }));
  const d = ok<{ id: number }>(
    await dispatch('import:commit', {
      importId: 'lda-test-1',
      projectId: project.id,
      source: { fileId: picked.fileId },
      name: 'tiny',
      columns,
    }),
  );
  datasetId = d.id;

  // A tiny fitted model, stored as the job runner would (without a worker).
  const spec = ldaSpecSchema.parse({
    model: 'lda',
    textColumn: 'text',
    topics: 2,
    method: 'batch',
    passes: 30,
    heldoutFraction: 0,
    prep: { minDf: 1, maxDf: 1, minTokenLength: 3 },
    seed: 3,
  });
  ldaSpec = spec;
  const run = s.repos.runs.create({ projectId: project.id, datasetId, name: 'tiny lda', spec });
  runId = run.id;
  const dsDir = s.datasetPath(datasetId);
  const { corpus } = await ldaCorpusFor(DatasetFile.open(dsDir), dsDir, spec);
  const { train } = splitHeldout(corpus, 0, spec.seed);
  const fit = await fitLda(train, { topics: 2, method: 'batch', passes: 30, seed: 3, threads: 0 });
  s.repos.artifacts.put(runId, 'lda-model', 'model', modelToJSON(fit));
  s.repos.runs.markRunning(runId, 'cpu');
  s.repos.runs.finish(runId, 'completed', null, { passes: 30 });
}, 60_000);

afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

describe('text:preview', () => {
  it('reports vocabulary, top words, lengths, empty documents and warnings', async () => {
    const r = ok<TextPreview>(
      await dispatch('text:preview', { datasetId, textColumn: 'text', prep: { minDf: 1, maxDf: 1 } }),
    );
    expect(r.documents).toBe(63);
    expect(r.blankDocuments).toBe(1);
    expect(r.emptyDocuments).toBe(2); // the blank cell and the stop-word-only cell
    expect(r.vocabulary).toBeGreaterThan(15);
    expect(r.topWords.length).toBeGreaterThan(5);
    expect(r.topWords.map((w) => w.word)).not.toContain('the');
    expect(r.lengthHistogram.reduce((a, b) => a + b.documents, 0)).toBe(63);
    expect(r.warnings.join(' ')).toMatch(/2 of 63 documents are empty/);
  });

  it('explains a column that is not text, an unknown language and a corpus of stop words only', async () => {
    const notText = await dispatch('text:preview', { datasetId, textColumn: 'id', prep: {} });
    expect(notText.ok).toBe(false);
    if (!notText.ok) {
      expect(notText.error.message).toMatch(/"id" is (numeric|identifier)|does not look like text/);
      expect(notText.error.hint).toBeTruthy();
    }
    const lang = await dispatch('text:preview', { datasetId, textColumn: 'text', prep: { language: 'xx' } });
    expect(!lang.ok && lang.error.message).toMatch(/Unknown stop-word language "xx"/);
    const stops = await dispatch('text:preview', { datasetId, textColumn: 'text', prep: { minTokenLength: 40 } });
    expect(!stops.ok && stops.error.message).toMatch(/stop word or too short/);
    expect(!stops.ok && stops.error.hint).toMatch(/minimum token length/);
  });
});

describe('lda:document', () => {
  it('gives θ, and colours each in-vocabulary word by a topic that separates the themes', async () => {
    const pets = ok<LdaDocument>(await dispatch('lda:document', { runId, row: 0 }));
    const space = ok<LdaDocument>(await dispatch('lda:document', { runId, row: 5 }));
    expect(pets.theta).toHaveLength(2);
    expect(pets.theta.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(pets.text).toBe('cat dog kitten puppy the and of');
    expect(pets.segments.map((x) => x.text).join('')).toBe(pets.text);
    const petTopics = new Set(pets.segments.filter((x) => x.kind === 'word').map((x) => x.topic));
    const spaceTopics = new Set(space.segments.filter((x) => x.kind === 'word').map((x) => x.topic));
    expect(petTopics.size).toBe(1);
    expect(spaceTopics.size).toBe(1);
    expect([...petTopics][0]).not.toBe([...spaceTopics][0]);
    expect(pets.segments.filter((x) => x.kind === 'stop').map((x) => x.text)).toEqual(['the', 'and', 'of']);
    expect(pets.fields.category).toBe('pets');
    expect(pets.tokens).toBe(4);
    expect(Math.max(...pets.theta)).toBeGreaterThan(0.7);
  });

  it('gives an empty document the prior mean and rejects a row outside the dataset', async () => {
    const empty = ok<LdaDocument>(await dispatch('lda:document', { runId, row: 60 }));
    expect(empty.tokens).toBe(0);
    expect(empty.theta[0]).toBeCloseTo(0.5, 6);
    const r = await dispatch('lda:document', { runId, row: 999 });
    expect(!r.ok && r.error.message).toMatch(/outside the dataset/);
  });
});

describe('lda:infer', () => {
  it('infers the proportions of a new CSV with the model vocabulary and counts empty rows', async () => {
    const file = path.join(s.dataDir, 'new.csv');
    fs.writeFileSync(
      file,
      csvOf([
        ['n', 'body'],
        ['1', 'kitten cat purr'],
        ['2', 'galaxy telescope star'],
        ['3', ''],
        ['4', 'zzz qqq unknown'],
      ]),
    );
    const picked = s.files.register(file);
    const r = ok<LdaInferResult>(
      await dispatch('lda:infer', { runId, source: { fileId: picked.fileId }, textColumn: 'body' }),
    );
    expect(r.documents).toBe(4);
    expect(r.emptyDocuments).toBe(2);
    expect(r.emptyRows).toEqual([2, 3]);
    expect(r.preview[0]!.dominant).not.toBe(r.preview[1]!.dominant);
    expect(r.preview[0]!.weight).toBeGreaterThan(0.6);
    const lines = r.csv.trim().split('\n');
    expect(lines[0]).toBe('document,topic_1,topic_2,dominant_topic,empty');
    expect(lines).toHaveLength(5);
    expect(lines[3]!.endsWith(',1')).toBe(true);
    expect(r.fileName).toMatch(/^new-topics-run-\d+\.csv$/);

    const missing = await dispatch('lda:infer', { runId, source: { fileId: picked.fileId }, textColumn: 'text' });
    expect(!missing.ok && missing.error.message).toMatch(/has no column "text"/);
    expect(!missing.ok && missing.error.hint).toMatch(/n, body/);
  });

  it('explains documents that share no word with the model', async () => {
    const file = path.join(s.dataDir, 'foreign.csv');
    fs.writeFileSync(file, csvOf([['text'], ['данные модели'], ['völlig unbekannt']]));
    const picked = s.files.register(file);
    const r = await dispatch('lda:infer', { runId, source: { fileId: picked.fileId } });
    expect(!r.ok && r.error.message).toMatch(/None of the .* tokens .* vocabulary/);
  });
});

describe('lda:export and lda:by-category', () => {
  it('exports CSVs escaped against formula injection, and a model JSON that loads back', async () => {
    const vocab = ok<LdaExport>(await dispatch('lda:export', { runId, kind: 'vocabulary' }));
    expect(vocab.text!.split('\n')[0]).toBe('word_id,word,term_frequency,document_frequency');
    // "=cmd" is tokenised to "cmd", so build the injection case from the vocabulary export's own escaping.
    expect(vocab.text!).toMatch(/\n\d+,cmd,1,1\n/);
    const tw = ok<LdaExport>(await dispatch('lda:export', { runId, kind: 'topic-word' }));
    expect(tw.text!.split('\n')[0]).toBe('word_id,word,topic_1,topic_2');
    expect(tw.fileName).toMatch(/^run-\d+-tiny-lda-topic-word\.csv$/);
    const dt = ok<LdaExport>(await dispatch('lda:export', { runId, kind: 'doc-topic' }));
    expect(dt.text!.trim().split('\n')).toHaveLength(64);
    // Streamed to the run folder a chunk at a time; the file is the text the renderer gets, and its rows are the
    // proportions inferTopics gives for the whole corpus at once.
    expect(fs.readFileSync(dt.path, 'utf8')).toBe(dt.text);
    expect(dt.bytes).toBe(Buffer.byteLength(dt.text!));
    expect(dt.path).toContain(path.join('runs', String(runId), 'exports'));
    const { inferTopics, docTopicCsv, emptyFlags } = await import('../engine/models/lda');
    const dsDir = s.datasetPath(datasetId);
    const { corpus } = await ldaCorpusFor(DatasetFile.open(dsDir), dsDir, ldaSpec);
    const loadedModel = modelFromJSON(ok<LdaExport>(await dispatch('lda:export', { runId, kind: 'model' })).text!);
    const whole = inferTopics(loadedModel, corpus);
    expect(dt.text).toBe(docTopicCsv(whole, loadedModel.K, { empty: emptyFlags(corpus) }));
    const model = ok<LdaExport>(await dispatch('lda:export', { runId, kind: 'model' }));
    expect(model.mime).toBe('application/json');
    const loaded = modelFromJSON(model.text!);
    expect(loaded.K).toBe(2);
    expect(loaded.vocabulary).toContain('kitten');
  });

  it('escapes a formula-like category label when it is exported as a document id', async () => {
    const { docTopicCsv } = await import('../engine/models/lda');
    const csv = docTopicCsv(Float64Array.from([0.25, 0.75]), 2, { ids: ['=HYPERLINK("x")'] });
    expect(csv.split('\n')[1]).toBe(`"'=HYPERLINK(""x"")",0.25,0.75,2`);
  });

  it('averages θ per category', async () => {
    const r = ok<LdaByCategory>(await dispatch('lda:by-category', { runId, column: 'category' }));
    expect(r.categories).toEqual(['pets', 'space']);
    expect(r.counts).toEqual([31, 30]);
    const [pets, space] = r.meanTheta;
    const pk = pets![0]! > pets![1]! ? 0 : 1;
    expect(space![pk]!).toBeLessThan(0.3);
    expect(pets![pk]!).toBeGreaterThan(0.7);
    const bad = await dispatch('lda:by-category', { runId, column: 'text' });
    expect(bad.ok).toBe(false);
  });
});
