/**
 * The autoregressive term of a VAE decoder over the feature order (a fully-visible sigmoid belief net beside z; Frey
 * 1998, NADE's linear cousin):
 *
 *   out_j(z, x) = g_j(z) + Σ_{i<j, j−i ≤ w} x_i A_ij,      A [d, d] masked: M_ij = 1 iff 0 < j − i ≤ w
 *
 * so p(x|z) = Π_j p(x_j | g_j(z), x_{j−w..j−1}) is a proper distribution (feature j sees only earlier features). w = d − 1
 * (window omitted) conditions on every earlier feature: strong enough to model the data without z, the setting in
 * which a VAE's posterior collapses (Bowman et al. 2016; Chen et al. 2017). A small w limits the decoder's receptive
 * field to the w features before j (a causal 1-D convolution of width w over the feature order), so what lies further
 * apart — a digit's shape across rows of pixels — has to come through z (Chen et al. 2017, "Variational Lossy
 * Autoencoder"; Gulrajani et al. 2017, PixelVAE).
 *
 * Shapes: x [B, d] (data, no gradient), A [d, d], out [..., B, d]. A starts at 0 (the decoder starts factorised).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface ArTerm {
  /** A [d, d] (named decoder.ar.weight). */
  w: tf.Variable;
  /** M [d, d], 1 where feature j may see feature i. */
  mask: tf.Tensor2D;
  /** Features each feature sees (d − 1 for the full chain). */
  window: number;
}

/** M_ij = 1 iff 0 < j − i ≤ window, row-major [d, d]. */
export function arMask(d: number, window: number): Float32Array {
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`Expected an autoregressive window ≥ 1 feature, got ${window}.`);
  const m = new Float32Array(d * d);
  for (let i = 0; i < d; i++) for (let j = i + 1; j <= Math.min(d - 1, i + window); j++) m[i * d + j] = 1;
  return m;
}

/** A fresh term (A = 0) for d features seeing `window` earlier ones (null: all of them). */
export function createArTerm(prefix: string, d: number, window: number | null): ArTerm {
  const w = Math.min(window ?? d - 1, Math.max(1, d - 1));
  const zeros = tf.zeros([d, d]);
  const v = tf.variable(zeros, true, `${prefix}decoder.ar.weight`);
  zeros.dispose();
  return { w: v, mask: tf.tensor2d(arMask(d, w), [d, d]), window: w };
}

/** Σ_i x_i (A ⊙ M)_ij for x [B, d] → [B, d]. Call in tidy. */
export function arLogits(ar: ArTerm, x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, tf.mul(ar.w, ar.mask) as tf.Tensor2D);
}

/**
 * The mean of an autoregressive decoder from its z-part g [N, d], by the plug-in chain x̂_j = E[x_j | g_j, x̂_{<j}]
 * (`link` maps outputs to means: σ for Bernoulli logits, identity for Gaussian means). Exact for the Gaussian chain
 * (linear in x̂); for Bernoulli it replaces each earlier pixel by its probability — a deterministic summary for the
 * views, not a sample. d passes of one [N, d]·[d, d] product. Call in tidy.
 */
export function arMean(ar: ArTerm, g: tf.Tensor2D, link: (out: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
  const [n, d] = g.shape;
  const a = tf.mul(ar.w, ar.mask) as tf.Tensor2D;
  let xhat = tf.zeros([n, d]) as tf.Tensor2D;
  const cols: tf.Tensor2D[] = [];
  for (let j = 0; j < d; j++) {
    const lo = Math.max(0, j - ar.window);
    // Only the features before j enter column j; the others of x̂ are still 0 (or not yet final) and masked out.
    const outJ =
      j === 0
        ? (tf.slice(g, [0, 0], [n, 1]) as tf.Tensor2D)
        : (tf.add(
            tf.slice(g, [0, j], [n, 1]),
            tf.matMul(tf.slice(xhat, [0, lo], [n, j - lo]), tf.slice(a, [lo, j], [j - lo, 1])),
          ) as tf.Tensor2D);
    cols.push(link(outJ));
    if (j < d - 1) xhat = tf.concat([...cols, tf.zeros([n, d - j - 1])], 1) as tf.Tensor2D;
  }
  return tf.concat(cols, 1) as tf.Tensor2D;
}
