// The LDA model bundle on its own: exact λ, vocabulary and the stored stop-word list, so inference on new texts from a
// reloaded bundle equals inference with the fitted model and the original preparation options (bigrams make the stop
// list matter: it decides which tokens end up adjacent).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareCorpus } from '../../../text';
import { BundleError } from '../common/bundle';
import { exportLdaBundle, inferLdaTexts, loadLdaBundle } from './bundle';
import { fitLda } from './fit';
import { inferTopics } from './infer';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-lda-bundle-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const PETS = [
  'the cat and the dog play',
  'a kitten and a puppy sleep',
  'the dog chases the cat',
  'puppy and kitten play together',
];
const SPACE = [
  'the rocket reaches orbit',
  'a planet and a moon',
  'the star and the galaxy',
  'rocket launch to the moon',
];
const prep = {
  language: 'en',
  extraStopWords: ['together'],
  minTokenLength: 3,
  minDf: 1,
  maxDf: 1,
  maxVocab: 1000,
  bigrams: true,
};

async function fitted() {
  const texts = Array.from({ length: 5 }, () => [...PETS, ...SPACE]).flat();
  const { corpus } = await prepareCorpus(texts, { ...prep, keepOrder: false });
  return fitLda(corpus, { topics: 2, method: 'batch', passes: 20, seed: 4, threads: 0 });
}

describe('LDA bundle', () => {
  it('round-trips λ exactly and infers the same proportions for new texts', async () => {
    const model = await fitted();
    const dir = path.join(root, 'ok');
    const manifest = exportLdaBundle(model, dir, {
      appVersion: '0.1.0',
      textColumn: 'text',
      preparation: prep,
      metrics: { perplexity: 12.5 },
    });
    expect(manifest.files.map((f) => f.path)).toEqual([
      'lambda.bin',
      'stopwords.json',
      'topic-word.csv',
      'vocabulary.json',
    ]);
    expect(manifest.topWords).toHaveLength(2);
    const b = loadLdaBundle(dir);
    expect(Array.from(b.model.lambda)).toEqual(Array.from(model.lambda));
    expect(b.model.vocabulary).toEqual(model.vocabulary);
    expect(Array.from(b.model.alpha)).toEqual(Array.from(model.alpha));
    expect(b.preparation.language).toBe('none');
    expect(b.preparation.extraStopWords).toContain('the');
    expect(b.preparation.extraStopWords).toContain('together');
    const fresh = ['the kitten and the puppy play together', 'a rocket and the moon', '', 'nothing known'];
    const ref = inferTopics(
      model,
      (await prepareCorpus(fresh, { ...prep, keepOrder: false, vocabulary: model.vocabulary })).corpus,
    );
    const got = await inferLdaTexts(b, fresh);
    expect(Array.from(got.theta)).toEqual(Array.from(ref));
    // Pets and space separate.
    const dominant = (d: number) => (got.theta[d * 2]! > got.theta[d * 2 + 1]! ? 0 : 1);
    expect(dominant(0)).not.toBe(dominant(1));
  });

  it('refuses a changed λ, and a bundle of a newer format version', async () => {
    const model = await fitted();
    const dir = path.join(root, 'bad');
    exportLdaBundle(model, dir, { appVersion: '0.1.0', textColumn: 'text', preparation: prep });
    const lam = path.join(dir, 'lambda.bin');
    const bytes = fs.readFileSync(lam);
    bytes[3] = bytes[3]! ^ 0x10;
    fs.writeFileSync(lam, bytes);
    expect(() => loadLdaBundle(dir)).toThrow(/Damaged bundle: file lambda\.bin does not match its checksum/);
    const mp = path.join(dir, 'manifest.json');
    fs.writeFileSync(mp, JSON.stringify({ ...JSON.parse(fs.readFileSync(mp, 'utf8')), formatVersion: 2 }));
    try {
      loadLdaBundle(dir);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(BundleError);
      expect((e as BundleError).reason).toBe('NEWER_VERSION');
      expect((e as Error).message).toBe(
        'This bundle was made by a newer ELBO Studio (format v2); this version reads up to v1 — update ELBO Studio.',
      );
    }
  });
});
