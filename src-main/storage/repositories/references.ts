/**
 * Stored reference posteriors (migration 8), one per cache key: the hash of the dataset's content, the GLM spec
 * fields the log joint depends on and the sampler settings (reference/cache-key.ts). Only finished references are
 * stored; a running one lives in the ReferenceService.
 */
import type { Db } from '../db';
import type { ReferencePosterior } from '../../../src-shared/domain/reference';

export interface StoredReference {
  id: number;
  cacheKey: string;
  datasetId: number;
  spec: unknown;
  method: 'exact' | 'nuts';
  result: ReferencePosterior;
  seconds: number;
  createdAt: string;
}

interface Row {
  id: number;
  cache_key: string;
  dataset_id: number;
  spec_json: string;
  method: 'exact' | 'nuts';
  result_json: string;
  seconds: number;
  created_at: string;
}

const fromRow = (r: Row): StoredReference => ({
  id: r.id,
  cacheKey: r.cache_key,
  datasetId: r.dataset_id,
  spec: JSON.parse(r.spec_json) as unknown,
  method: r.method,
  result: JSON.parse(r.result_json) as ReferencePosterior,
  seconds: r.seconds,
  createdAt: r.created_at,
});

export class ReferencesRepo {
  constructor(private readonly db: Db) {}

  get(cacheKey: string): StoredReference | null {
    const r = this.db.prepare('SELECT * FROM reference_posteriors WHERE cache_key = ?').get(cacheKey) as
      Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Stores (or replaces) the reference of a cache key. */
  put(x: {
    cacheKey: string;
    datasetId: number;
    spec: unknown;
    result: ReferencePosterior;
    seconds: number;
  }): StoredReference {
    this.db
      .prepare(
        `INSERT INTO reference_posteriors (cache_key, dataset_id, spec_json, method, result_json, seconds, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(cache_key) DO UPDATE SET spec_json = excluded.spec_json, method = excluded.method,
           result_json = excluded.result_json, seconds = excluded.seconds, created_at = excluded.created_at`,
      )
      .run(
        x.cacheKey,
        x.datasetId,
        JSON.stringify(x.spec),
        x.result.method,
        JSON.stringify(x.result),
        x.seconds,
        new Date().toISOString(),
      );
    return this.get(x.cacheKey)!;
  }

  countForDataset(datasetId: number): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM reference_posteriors WHERE dataset_id = ?').get(datasetId) as {
        n: number;
      }
    ).n;
  }
}
