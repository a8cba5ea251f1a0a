/**
 * The fitted models the worker keeps (one LRU cache in model.worker.ts), loaded from a ModelSource, with their
 * approximate size for the cache's byte bound and a dispose() that frees their tfjs variables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/ipc/app-error';
import type { LdaRunSpec } from '../../src-shared/schemas/run-spec';
import { DatasetFile } from '../data-import';
import { initBackend } from '../engine/backend';
import { disposeNet, loadBnnBundle, type BnnManifest, type BnnModel } from '../engine/models/bnn';
import {
  expectedLogBeta,
  loadLdaBundle,
  modelFromJSON,
  type LdaModel,
  type LoadedLdaBundle,
} from '../engine/models/lda';
import { loadVaeBundle, openVae, type LoadedVaeBundle, type VaeModel, type VaeSnapshot } from '../engine/models/vae';
import type { Corpus } from '../text';
import type { ModelSource } from './protocol';

export interface VaeRun {
  kind: 'vae-run';
  runId: number;
  snapshot: VaeSnapshot;
  model: VaeModel;
  features: string[];
  datasetDir: string;
  /** Rows in the dataset. */
  n: number;
  dispose(): void;
}

/** What a fitted LDA run needs for the views; the training corpus, θ and texts are added when first asked for. */
export interface LdaRun {
  kind: 'lda-run';
  runId: number;
  spec: LdaRunSpec;
  datasetDir: string;
  model: LdaModel;
  /** ψ(λ_kw) − ψ(Σ_v λ_kv), topic-major [K × V]. */
  elogBeta: Float64Array;
  wordId: Map<string, number>;
  corpus?: Corpus;
  heldout?: Set<number>;
  dispose(): void;
}

export interface BnnRun {
  kind: 'bnn-run';
  model: BnnModel;
  manifest: BnnManifest;
  dispose(): void;
}

export type Bundle =
  | { kind: 'vae-bundle'; vae: LoadedVaeBundle; dispose(): void }
  | { kind: 'lda-bundle'; lda: LoadedLdaBundle; dispose(): void }
  | { kind: 'bnn-bundle'; bnn: { model: BnnModel; manifest: BnnManifest }; dispose(): void };

export type Loaded = VaeRun | LdaRun | BnnRun | Bundle;

let backendReady: Promise<unknown> | null = null;
const backend = () => (backendReady ??= initBackend());

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += fs.statSync(p).size;
  }
  return n;
}

export async function loadModel(src: ModelSource): Promise<{ value: Loaded; bytes: number }> {
  switch (src.kind) {
    case 'vae-run': {
      await backend();
      let text: string;
      let snapshot: VaeSnapshot;
      try {
        text = fs.readFileSync(src.snapshotFile, 'utf8');
        snapshot = JSON.parse(text) as VaeSnapshot;
      } catch (e) {
        throw new AppError(
          'INTERNAL',
          `The stored model of run ${src.runId} does not load: ${(e as Error).message}`,
          'Train the model again.',
        );
      }
      const ds = DatasetFile.open(src.datasetDir);
      const missing = src.features.filter((f) => !ds.schema.some((c) => c.name === f));
      if (missing.length)
        throw new AppError(
          'BAD_REQUEST',
          `The dataset of run ${src.runId} no longer has the columns ${missing.join(', ')}`,
          'Train the model again on this dataset.',
        );
      const model = openVae(snapshot);
      const value: VaeRun = {
        kind: 'vae-run',
        runId: src.runId,
        snapshot,
        model,
        features: src.features,
        datasetDir: src.datasetDir,
        n: ds.rows,
        dispose: () => model.dispose(),
      };
      return { value, bytes: text.length };
    }
    case 'lda-run': {
      let model: LdaModel;
      try {
        model = modelFromJSON(src.json);
      } catch (e) {
        throw new AppError(
          'INTERNAL',
          `The stored model of run ${src.runId} does not load: ${(e as Error).message}`,
          'Fit the model again.',
        );
      }
      const value: LdaRun = {
        kind: 'lda-run',
        runId: src.runId,
        spec: src.spec,
        datasetDir: src.datasetDir,
        model,
        elogBeta: expectedLogBeta(model.lambda, model.K, model.V),
        wordId: new Map(model.vocabulary.map((w, i) => [w, i])),
        dispose: () => {},
      };
      return { value, bytes: 16 * model.K * model.V + 64 * model.V };
    }
    case 'bnn-run': {
      await backend();
      try {
        const { model, manifest } = loadBnnBundle(src.dir);
        return {
          value: { kind: 'bnn-run', model, manifest, dispose: () => disposeNet(model.net) },
          bytes: dirBytes(src.dir),
        };
      } catch (e) {
        throw new AppError(
          'INTERNAL',
          `The stored model of run ${src.runId} does not load: ${(e as Error).message}`,
          'Fit the model again.',
        );
      }
    }
    case 'bundle': {
      try {
        const bytes = dirBytes(src.dir);
        if (src.modelKind === 'vae') {
          await backend();
          const vae = await loadVaeBundle(src.dir);
          return { value: { kind: 'vae-bundle', vae, dispose: () => vae.dispose() }, bytes };
        }
        if (src.modelKind === 'bnn') {
          await backend();
          const bnn = loadBnnBundle(src.dir);
          return { value: { kind: 'bnn-bundle', bnn, dispose: () => disposeNet(bnn.model.net) }, bytes };
        }
        return { value: { kind: 'lda-bundle', lda: loadLdaBundle(src.dir), dispose: () => {} }, bytes: bytes * 2 };
      } catch (e) {
        if (e instanceof AppError)
          throw new AppError(
            e.code,
            `The stored model "${src.name}" no longer loads: ${e.message}`,
            'Delete it and import the bundle again.',
          );
        throw new AppError(
          'INTERNAL',
          `The stored model "${src.name}" does not load: ${(e as Error).message}`,
          'Delete it and import the bundle again.',
        );
      }
    }
  }
}
