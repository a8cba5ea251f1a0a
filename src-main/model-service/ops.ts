/**
 * The operations the model worker serves, by name: each takes the cached model it needs (checked to be of the right
 * kind), the request's plain arguments and a way to declare that the model's cache entry grew.
 */
import { AppError } from '../../src-shared/ipc/app-error';
import { bnnOps } from './bnn-ops';
import { ldaOps } from './lda-ops';
import type { Loaded } from './loaded';
import { scoreWithBundle } from './score-ops';
import { vaeOps } from './vae-ops';

type Op = (model: Loaded | undefined, args: never, grow: (bytes: number) => void) => Promise<unknown>;

function needs<K extends Loaded['kind'], A, R>(
  kinds: readonly K[],
  f: (m: Extract<Loaded, { kind: K }>, a: A, grow: (bytes: number) => void) => Promise<R>,
): Op {
  return ((m: Loaded | undefined, a: A, grow: (bytes: number) => void) => {
    if (!m || !(kinds as readonly string[]).includes(m.kind)) {
      throw new AppError(
        'INTERNAL',
        `The model service got a ${m?.kind ?? 'missing'} model for an operation on ${kinds.join(' or ')}`,
        'This is a bug in ELBO Studio.',
      );
    }
    return f(m as Extract<Loaded, { kind: K }>, a, grow);
  }) as Op;
}

export const ops: Record<string, Op> = {
  'vae:latent-map': needs(['vae-run'], vaeOps['vae:latent-map']),
  'vae:interpolate': needs(['vae-run'], vaeOps['vae:interpolate']),
  'vae:manifold': needs(['vae-run'], vaeOps['vae:manifold']),
  'vae:posterior': needs(['vae-run'], vaeOps['vae:posterior']),
  'lda:document': needs(['lda-run'], ldaOps['lda:document']),
  'lda:search': needs(['lda-run'], ldaOps['lda:search']),
  'lda:infer': needs(['lda-run'], ldaOps['lda:infer']),
  'lda:export': needs(['lda-run'], ldaOps['lda:export']),
  'lda:by-category': needs(['lda-run'], ldaOps['lda:by-category']),
  'bnn:band': needs(['bnn-run'], bnnOps['bnn:band']),
  'bnn:predict': needs(['bnn-run'], bnnOps['bnn:predict']),
  'models:score': needs(['vae-bundle', 'lda-bundle', 'bnn-bundle'], scoreWithBundle),
};
