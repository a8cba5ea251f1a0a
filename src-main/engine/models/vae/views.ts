/**
 * What the VAE views draw, as plain JSON-able data (every function takes a snapshot or a live model and returns
 * numbers and arrays only).
 *
 *   latent map       posterior means E_q[z | x] of the rows; the latent itself when D = 2, else their projection on
 *                    the two leading principal axes (eigenvectors of the D×D covariance by power iteration with
 *                    deflation; Hotelling 1933);
 *   interpolation    z(t) = (1 − t) a + t b, or spherical z(t) = sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with
 *                    cos Ω = âᵀb̂ (Shoemake 1985; White 2016 for generative models), decoded to E[x | z(t)];
 *   manifold grid    for D = 2, decoded means at z = (Φ⁻¹(u_i), Φ⁻¹(u_j)), u on a regular grid in (0, 1)
 *                    (Kingma & Welling 2014, fig. 4);
 *   one row's posterior  log q(z | x) on a grid over (z₁, z₂) with z₃… at their posterior mean (exact when D = 2),
 *                    from the family's log-density where it has one (Gaussian families, IAF, coupling); for planar and
 *                    radial flows (no inverse) a Gaussian kernel density estimate of many draws' (z₁, z₂) marginal.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fold, key, permutation, type Key } from '../../rng';
import { normalQuantile } from '../../../../src-shared/stats/normal';

export { normalQuantile };
import type { TensorMap } from '../../families/params';
import { openVae, type VaeModel, type VaeSnapshot } from './model';
import { rowsTensor } from './train';
import type { PreparedVaeData } from './prepare';

export type ModelLike = VaeModel | VaeSnapshot;

async function using<T>(m: ModelLike, fn: (m: VaeModel) => T): Promise<T> {
  if ('net' in m) return fn(m);
  const live = openVae(m);
  try {
    return fn(live);
  } finally {
    live.dispose();
  }
}

function read2(t: tf.Tensor): number[][] {
  const [r, c] = t.shape as [number, number];
  const v = t.dataSync();
  return Array.from({ length: r }, (_, i) => Array.from(v.subarray(i * c, (i + 1) * c)));
}

// ───────────────────────────── PCA ─────────────────────────────

export interface PcaResult {
  mean: number[];
  /** Unit principal axes, largest variance first; each has its largest-magnitude entry positive. */
  components: number[][];
  /** Variances along the axes (eigenvalues of the covariance). */
  eigenvalues: number[];
  /** Fraction of the total variance each axis explains. */
  explained: number[];
  /** Row-major [n, k] projections (x − mean)ᵀ v_j. */
  projections: Float64Array;
}

/**
 * Principal components of n points in ℝ^D (row-major), the k leading ones: C = (1/(n−1)) Σ (x − m)(x − m)ᵀ, then
 * power iteration v ← C v / ‖C v‖ with deflation C ← C − λ v vᵀ after each axis.
 */
export function pca(points: ArrayLike<number>, n: number, D: number, k = 2): PcaResult {
  if (n < 2) throw new RangeError(`PCA needs at least 2 points, got ${n}`);
  if (points.length !== n * D) throw new RangeError(`Expected ${n} × ${D} = ${n * D} values, got ${points.length}`);
  const kk = Math.min(k, D);
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) mean[d]! += points[i * D + d]! / n;
  const C = new Float64Array(D * D);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < D; a++) {
      const xa = points[i * D + a]! - mean[a]!;
      if (xa === 0) continue;
      for (let b = a; b < D; b++) C[a * D + b]! += (xa * (points[i * D + b]! - mean[b]!)) / (n - 1);
    }
  }
  for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) C[a * D + b] = C[b * D + a]!;
  let trace = 0;
  for (let a = 0; a < D; a++) trace += C[a * D + a]!;
  const components: number[][] = [];
  const eigenvalues: number[] = [];
  const r = key(7);
  for (let j = 0; j < kk; j++) {
    // Deterministic, generic start vector.
    let v = Float64Array.from({ length: D }, (_, d) => 1 + 0.1 * Math.sin(3.7 * (d + 1) + j + (r[0] % 7)));
    let lambda = 0;
    for (let it = 0; it < 1000; it++) {
      const w = new Float64Array(D);
      for (let a = 0; a < D; a++) {
        let s = 0;
        for (let b = 0; b < D; b++) s += C[a * D + b]! * v[b]!;
        w[a] = s;
      }
      let norm = 0;
      for (const x of w) norm += x * x;
      norm = Math.sqrt(norm);
      if (norm < 1e-300) {
        lambda = 0;
        break;
      }
      let diff = 0;
      for (let a = 0; a < D; a++) {
        const nv = w[a]! / norm;
        diff += Math.abs(nv - v[a]!);
        w[a] = nv;
      }
      v = w;
      lambda = norm;
      if (diff < 1e-12) break;
    }
    let big = 0;
    for (let a = 0; a < D; a++) if (Math.abs(v[a]!) > Math.abs(v[big]!)) big = a;
    if (v[big]! < 0) for (let a = 0; a < D; a++) v[a] = -v[a]!;
    components.push(Array.from(v));
    eigenvalues.push(lambda);
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) C[a * D + b]! -= lambda * v[a]! * v[b]!;
  }
  const projections = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < kk; j++) {
      let s = 0;
      const v = components[j]!;
      for (let d = 0; d < D; d++) s += (points[i * D + d]! - mean[d]!) * v[d]!;
      projections[i * kk + j] = s;
    }
  }
  return {
    mean: Array.from(mean),
    components,
    eigenvalues,
    explained: eigenvalues.map((l) => (trace > 0 ? l / trace : 0)),
    projections,
  };
}

// ─────────────────────────── latent map ───────────────────────────

export interface LatentMap {
  /** Rows of the prepared matrix, in the order of `points`. */
  rows: number[];
  points: Array<[number, number]>;
  /** latent: z itself (D = 2); pca: the two leading principal axes of the means; latent-1d: (z, 0). */
  method: 'latent' | 'pca' | 'latent-1d';
  /** Explained-variance fractions of the two axes (pca only). */
  explained: number[] | null;
  dim: number;
}

/** Posterior means of the given rows (all, or a seeded sample of at most `maxRows`) projected to 2-D. */
export async function latentMap(
  model: ModelLike,
  data: PreparedVaeData,
  opts: { rows?: readonly number[]; maxRows?: number; seed?: number; layer?: number } = {},
): Promise<LatentMap> {
  const all = opts.rows ? [...opts.rows] : Array.from({ length: data.n }, (_, i) => i);
  const max = opts.maxRows ?? 5000;
  const rows =
    max > 0 && all.length > max
      ? Array.from(permutation(key(opts.seed ?? 1), all.length).subarray(0, max))
          .sort((a, b) => a - b)
          .map((i) => all[i]!)
      : all;
  return using(model, (m) => {
    const layer = checkLayer(m, opts.layer);
    const dim = m.layerSizes[layer]!;
    const means = new Float64Array(rows.length * dim);
    const chunk = 1024;
    for (let s = 0, c = 0; s < rows.length; s += chunk, c++) {
      const part = rows.slice(s, s + chunk);
      const x = rowsTensor(data.x, data.d, part);
      const mu = tf.tidy(() => m.layerMeans(fold(key(opts.seed ?? 1), c), m.encode(x))[layer]!);
      means.set(mu.dataSync(), s * dim);
      tf.dispose([x, mu]);
    }
    if (dim === 1)
      return {
        rows,
        points: rows.map((_, i) => [means[i]!, 0] as [number, number]),
        method: 'latent-1d' as const,
        explained: null,
        dim,
      };
    if (dim === 2)
      return {
        rows,
        points: rows.map((_, i) => [means[2 * i]!, means[2 * i + 1]!] as [number, number]),
        method: 'latent' as const,
        explained: null,
        dim,
      };
    const p = pca(means, rows.length, dim, 2);
    return {
      rows,
      points: rows.map((_, i) => [p.projections[2 * i]!, p.projections[2 * i + 1]!] as [number, number]),
      method: 'pca' as const,
      explained: p.explained,
      dim,
    };
  });
}

// ───────────────────────── interpolation ─────────────────────────

/** Spherical interpolation between a and b (linear when they are (anti)parallel within 1e-6 rad or one is zero). */
export function slerp(a: readonly number[], b: readonly number[], t: number): number[] {
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  if (na === 0 || nb === 0) return a.map((v, i) => (1 - t) * v + t * b[i]!);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i]! / na) * (b[i]! / nb);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
  const so = Math.sin(omega);
  if (Math.abs(so) < 1e-6) return a.map((v, i) => (1 - t) * v + t * b[i]!);
  const wa = Math.sin((1 - t) * omega) / so;
  const wb = Math.sin(t * omega) / so;
  return a.map((v, i) => wa * v + wb * b[i]!);
}

/** Linear interpolation. */
export function lerp(a: readonly number[], b: readonly number[], t: number): number[] {
  return a.map((v, i) => (1 - t) * v + t * b[i]!);
}

export interface Interpolation {
  rows: [number, number];
  method: 'linear' | 'slerp';
  t: number[];
  /** Latent points along the path [steps, latent]. */
  z: number[][];
  /** Decoded means E[x | z(t)] in the prepared scale [steps, d]. */
  decoded: number[][];
  /** Square image size when the data are pixel images, else null. */
  image: { width: number; height: number } | null;
}

/** Interpolate between the posterior means of rows a and b in N ≥ 2 steps and decode. */
export async function interpolate(
  model: ModelLike,
  data: PreparedVaeData,
  rowA: number,
  rowB: number,
  opts: { steps?: number; method?: 'linear' | 'slerp'; layer?: number } = {},
): Promise<Interpolation> {
  const steps = opts.steps ?? 10;
  if (!Number.isInteger(steps) || steps < 2 || steps > 1000)
    throw new RangeError(`Expected 2 ≤ steps ≤ 1000, got ${steps}`);
  for (const r of [rowA, rowB])
    if (!Number.isInteger(r) || r < 0 || r >= data.n) throw new RangeError(`Row ${r} is outside 0 … ${data.n - 1}.`);
  const method = opts.method ?? 'linear';
  return using(model, (m) => {
    const layer = checkLayer(m, opts.layer);
    const x = rowsTensor(data.x, data.d, [rowA, rowB]);
    const mu = tf.tidy(() => m.layerMeans(key(1), m.encode(x))[layer]!);
    const [a, b] = read2(mu) as [number[], number[]];
    tf.dispose([x, mu]);
    const t = Array.from({ length: steps }, (_, i) => i / (steps - 1));
    const z = t.map((ti) => (method === 'slerp' ? slerp(a, b, ti) : lerp(a, b, ti)));
    const decoded = decodeMeans(m, z, layer);
    return { rows: [rowA, rowB] as [number, number], method, t, z, decoded, image: data.image };
  });
}

/** The 0-based latent layer a view asks for (default 0, the layer next to the data), checked against the model. */
function checkLayer(m: VaeModel, layer: number | undefined): number {
  const L = m.layerSizes.length;
  const l = layer ?? 0;
  if (!Number.isInteger(l) || l < 0 || l >= L)
    throw new RangeError(
      `Latent layer ${l + 1} does not exist; this VAE has ${L} layer${L === 1 ? '' : 's'} (1 … ${L}).`,
    );
  return l;
}

/**
 * E[x | z] for latent points (rows of z) of layer `layer` (0-based; a ladder's upper layers are carried down to z₁ by
 * the generative top-down means, model.decodeLayer).
 */
export function decodeMeans(m: VaeModel, z: number[][], layer = 0): number[][] {
  const dim = m.layerSizes[checkLayer(m, layer)]!;
  for (const p of z)
    if (p.length !== dim) throw new RangeError(`Expected latent points of length ${dim}, got ${p.length}.`);
  const out = tf.tidy(() => m.mean(m.decodeLayer(layer, tf.tensor2d(z.flat(), [z.length, dim]))));
  const r = read2(out);
  out.dispose();
  return r;
}

// ───────────────────────── manifold grid ─────────────────────────

export interface ManifoldGrid {
  /** Latent coordinates of the columns (z₁) and rows (z₂). */
  xs: number[];
  ys: number[];
  /** Decoded means, row-major over (ys, xs): entry i·size + j is at (xs[j], ys[i]). */
  decoded: number[][];
  image: { width: number; height: number } | null;
}

/** Decoded manifold over the 2-D latent plane (size × size points at normal quantiles). */
export async function manifoldGrid(
  model: ModelLike,
  opts: { size?: number; image?: { width: number; height: number } | null } = {},
): Promise<ManifoldGrid> {
  const size = opts.size ?? 15;
  if (!Number.isInteger(size) || size < 2 || size > 100)
    throw new RangeError(`Expected a grid size between 2 and 100, got ${size}`);
  return using(model, (m) => {
    if (m.ladder)
      throw new Error(
        `The manifold grid decodes a grid of N(0, I) quantiles; a ladder VAE's z₁ has the top-down prior p(z₁ | z₂), not N(0, I) (layers [${m.layerSizes.join(', ')}]). Use the latent map or interpolation per layer.`,
      );
    if (m.posterior.kind !== 'gaussian' || m.posterior.dim !== 2) {
      throw new Error(
        `The manifold grid needs a 2-D Gaussian latent, this model has ${m.posterior.dim} ${m.posterior.kind} latent dimensions; use the latent map or interpolation instead.`,
      );
    }
    const q = Array.from({ length: size }, (_, i) => normalQuantile((i + 0.5) / size));
    const z: number[][] = [];
    for (const y of q) for (const x of q) z.push([x, y]);
    const image = opts.image !== undefined ? opts.image : 'net' in model ? null : model.image;
    return { xs: q, ys: q, decoded: decodeMeans(m, z), image };
  });
}

// ─────────────────────── one row's posterior ───────────────────────

export interface PosteriorDensity {
  row: number;
  /** Grid axes over z₁ (x) and z₂ (y). */
  x: number[];
  y: number[];
  /** log q on the grid, [y][x]. */
  logDensity: number[][];
  /** Draws' (z₁, z₂). */
  samples: Array<[number, number]>;
  /** Posterior mean (all dimensions). */
  mean: number[];
  /** exact: D = 2; conditional: z₃… held at their mean (unnormalised slice); kde: kernel estimate of the (z₁, z₂) marginal. */
  method: 'exact' | 'conditional' | 'kde';
}

/** q(z | x_row) on a grid over its first two dimensions, with draws (see the module comment). */
export async function posteriorDensity(
  model: ModelLike,
  data: PreparedVaeData,
  row: number,
  opts: { grid?: number; samples?: number; seed?: number } = {},
): Promise<PosteriorDensity> {
  const G = opts.grid ?? 50;
  const S = opts.samples ?? 500;
  if (!Number.isInteger(G) || G < 2 || G > 400)
    throw new RangeError(`Expected a grid size between 2 and 400, got ${G}`);
  if (!Number.isInteger(S) || S < 2 || S > 20000)
    throw new RangeError(`Expected between 2 and 20000 samples, got ${S}`);
  if (!Number.isInteger(row) || row < 0 || row >= data.n)
    throw new RangeError(`Row ${row} is outside 0 … ${data.n - 1}.`);
  const k: Key = key(opts.seed ?? 1);
  return using(model, (m) => {
    const p = m.posterior;
    if (m.ladder)
      throw new Error(
        `The posterior plot draws one latent layer's q(z | x); in a ladder VAE (layers [${m.layerSizes.join(', ')}]) q(z₁ | x) depends on the drawn upper layers. Use the latent map per layer.`,
      );
    if (p.kind !== 'gaussian')
      throw new Error('The posterior plot is for Gaussian latents; categorical latents have no density over a plane.');
    const D = p.dim;
    if (D < 2) throw new Error(`The posterior plot needs at least 2 latent dimensions, this model has ${D}.`);
    const x = rowsTensor(data.x, data.d, [row]);
    const h = tf.tidy(() => m.encode(x));
    const shared = m.shared as TensorMap;
    const zs = tf.tidy(() => tf.reshape(p.sample(fold(k, 0), shared, h, S).z, [S, D]));
    const zv = zs.dataSync();
    zs.dispose();
    const mean = new Array<number>(D).fill(0);
    for (let s = 0; s < S; s++) for (let d = 0; d < D; d++) mean[d]! += zv[s * D + d]! / S;
    if (p.meanIsLocation) {
      const loc = tf.tidy(() => p.location(h));
      loc.dataSync().forEach((v, d) => (mean[d] = v));
      loc.dispose();
    }
    const sd = [0, 1].map((d) => {
      let v = 0;
      for (let s = 0; s < S; s++) v += (zv[s * D + d]! - mean[d]!) ** 2 / (S - 1);
      return Math.sqrt(v);
    }) as [number, number];
    const axis = (d: 0 | 1): number[] => {
      const half = 4 * Math.max(sd[d], 1e-3);
      return Array.from({ length: G }, (_, i) => mean[d]! - half + (2 * half * i) / (G - 1));
    };
    const xs = axis(0);
    const ys = axis(1);
    const samples = Array.from({ length: S }, (_, s) => [zv[s * D]!, zv[s * D + 1]!] as [number, number]);
    let logDensity: number[][];
    let method: PosteriorDensity['method'];
    if (p.hasLogProb) {
      const pts = new Float32Array(G * G * D);
      for (let i = 0; i < G; i++) {
        for (let j = 0; j < G; j++) {
          const o = (i * G + j) * D;
          for (let d = 2; d < D; d++) pts[o + d] = mean[d]!;
          pts[o] = xs[j]!;
          pts[o + 1] = ys[i]!;
        }
      }
      const lq = tf.tidy(() => p.logProb(shared, h, tf.tensor3d(pts, [G * G, 1, D])));
      const v = lq.dataSync();
      lq.dispose();
      logDensity = Array.from({ length: G }, (_, i) => Array.from(v.subarray(i * G, (i + 1) * G)));
      method = D === 2 ? 'exact' : 'conditional';
    } else {
      logDensity = kde2(samples, xs, ys);
      method = 'kde';
    }
    tf.dispose([x, h]);
    return { row, x: xs, y: ys, logDensity, samples, mean, method };
  });
}

/** log of a 2-D Gaussian kernel density estimate (Scott's bandwidth per axis) on the grid, [y][x]. */
export function kde2(
  samples: ReadonlyArray<readonly [number, number]>,
  xs: readonly number[],
  ys: readonly number[],
): number[][] {
  const n = samples.length;
  const bw = [0, 1].map((d) => {
    let m = 0;
    for (const s of samples) m += s[d]! / n;
    let v = 0;
    for (const s of samples) v += (s[d]! - m) ** 2 / (n - 1);
    return Math.max(Math.sqrt(v) * Math.pow(n, -1 / 6), 1e-6);
  }) as [number, number];
  const logNorm = -Math.log(2 * Math.PI * bw[0] * bw[1]) - Math.log(n);
  return ys.map((y) =>
    xs.map((x) => {
      let max = -Infinity;
      const e = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const s = samples[i]!;
        const a = (x - s[0]) / bw[0];
        const b = (y - s[1]) / bw[1];
        e[i] = -0.5 * (a * a + b * b);
        if (e[i]! > max) max = e[i]!;
      }
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(e[i]! - max);
      return logNorm + max + Math.log(sum);
    }),
  );
}
