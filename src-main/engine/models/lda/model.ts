/**
 * A fitted LDA model: the variational topic parameters λ (q(β_k) = Dir(λ_k), Blei et al. 2003; Hoffman et al. 2010),
 * the priors α (length K) and η, the vocabulary and the text preparation used, so new documents can be prepared
 * the same way and mapped onto the same word ids. Plain data: serialisable with modelToJSON (export.ts).
 */
import type { LdaSpec } from './spec';

export interface LdaModel {
  K: number;
  V: number;
  vocabulary: string[];
  /** λ, [K × V] topic-major (as scikit-learn's components_). */
  lambda: Float64Array;
  alpha: Float64Array;
  eta: number;
  spec: LdaSpec;
  /** The TextPrepOptions (JSON) the training corpus was made with, or null. */
  preparation: unknown;
}
