/**
 * The No-U-Turn Sampler (Hoffman & Gelman 2014) in its multinomial form with the generalised no-U-turn criterion
 * across merged subtrees (Betancourt 2017, "A Conceptual Introduction to Hamiltonian Monte Carlo", App. A; as in
 * Stan's base_nuts and NumPyro). With potential U(q) = −log p(q) and kinetic energy K(p) = ½ pᵀ M⁻¹ p:
 *   leapfrog  p ← p + ε/2 ∇log p(q),  q ← q + ε M⁻¹ p,  p ← p + ε/2 ∇log p(q);
 *   a trajectory doubles forwards or backwards at random until the no-U-turn criterion
 *   (p♯₋ · ρ > 0 and p♯₊ · ρ > 0, ρ = Σ p over the subtree, p♯ = M⁻¹ p) fails on the merged tree or between its two
 *   halves, a transition's energy error exceeds 1000 (divergent) or the tree reaches `maxTreeDepth`;
 *   the next state is drawn from the trajectory with weights exp(−H): uniformly within a subtree, biased towards the
 *   newest subtree at the top level.
 * Warm-up adapts the step size (dual averaging to a mean acceptance statistic of `targetAccept`) and the inverse
 * metric M⁻¹ (diagonal or dense) over Stan's doubling windows (adaptation.ts).
 *
 * Chains run in lock-step on one batched log density: each round, every chain that is still running hands over the
 * point where it needs log p and ∇ log p, and one call of `LogDensityBatch.evaluate` serves them all ([chains, D]).
 * A chain is a generator that yields those points, so each chain keeps its own tree sizes and still shares the calls.
 * State is float64; every random number comes from `key(seed)` (chain c uses fold(key(seed), c)), so a seed
 * reproduces the draws on one backend.
 */
import { cholesky, spdInverse } from '../../models/common/linalg.js';
import { fold, key, normal, uniform, type Key } from '../../rng.js';
import { CovarianceEstimator, DualAveraging, warmupWindows } from './adaptation.js';
import type { LogDensityBatch } from './density.js';

export interface NutsOptions {
  /** Chains (default 4). */
  chains?: number;
  /** Warm-up iterations per chain, discarded (default 1000). */
  warmup?: number;
  /** Kept draws per chain (default 1000). */
  draws?: number;
  seed: number;
  /** Largest tree depth: at most 2^depth leapfrog steps per transition (default 10). */
  maxTreeDepth?: number;
  /** Target mean acceptance statistic of the step-size adaptation (default 0.8). */
  targetAccept?: number;
  /** Inverse metric: diagonal (default) or dense. */
  metric?: 'diag' | 'dense';
  /** Initial step size before its search (default 1). */
  initStepSize?: number;
  /** Initial points, one per chain (length D each); default uniform(−initRadius, initRadius) per coordinate. */
  inits?: ArrayLike<number>[];
  /** Radius of the dispersed uniform initialisation (default 2, Stan's). */
  initRadius?: number;
  /** Called about every `progressEveryMs` (default 100) and at the end. */
  onProgress?: (p: NutsProgress) => void;
  progressEveryMs?: number;
  /** Checked between rounds; true stops sampling with a SamplingCancelledError. */
  shouldStop?: () => boolean;
  /** Longest stretch without yielding to the event loop, in ms (default 25). */
  yieldMs?: number;
}

export interface NutsProgress {
  /** Iterations done, summed over chains (warm-up + draws). */
  iterations: number;
  totalIterations: number;
  /** Warm-up iterations done, summed over chains. */
  warmupDone: number;
  /** Divergent transitions after warm-up so far. */
  divergences: number;
  /** Batched log-density evaluations so far. */
  evaluations: number;
}

export interface NutsChainStats {
  /** Per kept draw. */
  divergent: Uint8Array;
  treeDepth: Uint8Array;
  leapfrogSteps: Uint16Array;
  acceptStat: Float64Array;
  /** Hamiltonian of the kept state (for E-BFMI). */
  energy: Float64Array;
  logp: Float64Array;
  /** Adapted step size and inverse metric (diagonal: D values; dense: D × D row-major). */
  stepSize: number;
  inverseMetric: Float64Array;
  /** Divergent transitions during warm-up (reported, not counted against the draws). */
  warmupDivergences: number;
}

export interface NutsResult {
  dim: number;
  chains: number;
  warmup: number;
  draws: number;
  maxTreeDepth: number;
  metric: 'diag' | 'dense';
  /** Per chain, the kept draws [draws, D] row-major. */
  samples: Float64Array[];
  stats: NutsChainStats[];
  /** Divergent transitions among the kept draws, all chains. */
  divergences: number;
  /** Kept draws whose tree reached maxTreeDepth (trajectories cut short), all chains. */
  treeDepthSaturated: number;
  /** Batched log-density evaluations (rounds) and leapfrog steps summed over chains. */
  evaluations: number;
  leapfrogSteps: number;
  seconds: number;
}

export class SamplingCancelledError extends Error {
  constructor(readonly iterations: number) {
    super(`Sampling was cancelled after ${iterations} iterations.`);
    this.name = 'SamplingCancelledError';
  }
}

interface Eval {
  logp: number;
  grad: Float64Array;
}
interface Point {
  q: Float64Array;
  p: Float64Array;
  logp: number;
  grad: Float64Array;
}
/** A computation that asks for log p and ∇ log p at points (yields q, receives its Eval) and returns T. */
type Needs<T> = Generator<Float64Array, T, Eval>;

const MAX_DELTA_H = 1000;

class Stream {
  private n = 0;
  constructor(private readonly k: Key) {}
  uniform(): number {
    return uniform(fold(this.k, this.n++), 1)[0]!;
  }
  normals(d: number): Float64Array {
    return normal(fold(this.k, this.n++), d);
  }
}

/** The Euclidean metric: M⁻¹ diagonal or dense, momentum p ~ N(0, M). */
class Metric {
  private readonly cholM: Float64Array | null;
  constructor(
    readonly dim: number,
    readonly inverse: Float64Array,
    readonly dense: boolean,
  ) {
    this.cholM = dense ? cholesky(spdInverse(inverse, dim), dim) : null;
  }

  static unit(dim: number, dense: boolean): Metric {
    const inv = new Float64Array(dense ? dim * dim : dim);
    if (dense) for (let i = 0; i < dim; i++) inv[i * dim + i] = 1;
    else inv.fill(1);
    return new Metric(dim, inv, dense);
  }

  momentum(rng: Stream): Float64Array {
    const D = this.dim;
    const z = rng.normals(D);
    const p = new Float64Array(D);
    if (this.cholM) {
      const L = this.cholM;
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let k = 0; k <= i; k++) s += L[i * D + k]! * z[k]!;
        p[i] = s;
      }
    } else for (let i = 0; i < D; i++) p[i] = z[i]! / Math.sqrt(this.inverse[i]!);
    return p;
  }

  /** p♯ = M⁻¹ p (the velocity dq/dt). */
  velocity(p: Float64Array): Float64Array {
    const D = this.dim;
    const v = new Float64Array(D);
    if (this.dense) {
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let j = 0; j < D; j++) s += this.inverse[i * D + j]! * p[j]!;
        v[i] = s;
      }
    } else for (let i = 0; i < D; i++) v[i] = this.inverse[i]! * p[i]!;
    return v;
  }
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const add = (a: Float64Array, b: Float64Array): Float64Array => {
  const o = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! + b[i]!;
  return o;
};
const logSumExp = (a: number, b: number): number => {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
};
const criterion = (pSharpMinus: Float64Array, pSharpPlus: Float64Array, rho: Float64Array): boolean =>
  dot(pSharpPlus, rho) > 0 && dot(pSharpMinus, rho) > 0;

function hamiltonian(z: Point, pSharp: Float64Array): number {
  const h = -z.logp + 0.5 * dot(z.p, pSharp);
  return Number.isNaN(h) ? Infinity : h;
}

function* leapfrog(z: Point, eps: number, metric: Metric): Needs<Point> {
  const D = z.q.length;
  const p = new Float64Array(D);
  for (let i = 0; i < D; i++) p[i] = z.p[i]! + 0.5 * eps * z.grad[i]!;
  const v = metric.velocity(p);
  const q = new Float64Array(D);
  for (let i = 0; i < D; i++) q[i] = z.q[i]! + eps * v[i]!;
  const ev = yield q;
  if (ev.logp > -Infinity) for (let i = 0; i < D; i++) p[i]! += 0.5 * eps * ev.grad[i]!;
  return { q, p, logp: ev.logp, grad: ev.grad };
}

interface Subtree {
  valid: boolean;
  propose: Point;
  pSharpBeg: Float64Array;
  pSharpEnd: Float64Array;
  pBeg: Float64Array;
  pEnd: Float64Array;
  rho: Float64Array;
  logW: number;
}

interface TransitionResult {
  z: Point;
  depth: number;
  leapfrogSteps: number;
  acceptStat: number;
  divergent: boolean;
  energy: number;
}

/** One NUTS transition from z (its momentum is redrawn). */
function* transition(z0: Point, eps: number, metric: Metric, rng: Stream, maxDepth: number): Needs<TransitionResult> {
  const start: Point = { ...z0, p: metric.momentum(rng) };
  const pSharp0 = metric.velocity(start.p);
  const H0 = hamiltonian(start, pSharp0);
  let zEdge: Point = start; // the end of the trajectory being extended
  let leapfrogSteps = 0;
  let sumMetroProb = 0;
  let divergent = false;

  function* build(depth: number, sign: number): Needs<Subtree> {
    if (depth === 0) {
      const z = yield* leapfrog(zEdge, sign * eps, metric);
      zEdge = z;
      leapfrogSteps++;
      const pSharp = metric.velocity(z.p);
      const h = hamiltonian(z, pSharp);
      if (h - H0 > MAX_DELTA_H) divergent = true;
      const logW = H0 - h;
      sumMetroProb += logW > 0 ? 1 : Math.exp(logW);
      return {
        valid: !divergent,
        propose: z,
        pSharpBeg: pSharp,
        pSharpEnd: pSharp,
        pBeg: z.p,
        pEnd: z.p,
        rho: z.p.slice(),
        logW,
      };
    }
    const init = yield* build(depth - 1, sign);
    if (!init.valid) return init;
    const fin = yield* build(depth - 1, sign);
    if (!fin.valid) return fin;
    const logW = logSumExp(init.logW, fin.logW);
    const propose = rng.uniform() < Math.exp(fin.logW - logW) ? fin.propose : init.propose;
    const rho = add(init.rho, fin.rho);
    const valid =
      criterion(init.pSharpBeg, fin.pSharpEnd, rho) &&
      criterion(init.pSharpBeg, fin.pSharpBeg, add(init.rho, fin.pBeg)) &&
      criterion(init.pSharpEnd, fin.pSharpEnd, add(fin.rho, init.pEnd));
    return {
      valid,
      propose,
      pSharpBeg: init.pSharpBeg,
      pSharpEnd: fin.pSharpEnd,
      pBeg: init.pBeg,
      pEnd: fin.pEnd,
      rho,
      logW,
    };
  }

  let zFwd = start;
  let zBck = start;
  let sample = start;
  let pSharpFwdBck = pSharp0;
  let pSharpFwdFwd = pSharp0;
  let pSharpBckFwd = pSharp0;
  let pSharpBckBck = pSharp0;
  let pFwdBck = start.p;
  let pFwdFwd = start.p;
  let pBckFwd = start.p;
  let pBckBck = start.p;
  let rho: Float64Array = start.p.slice();
  let logW = 0;
  let depth = 0;
  while (depth < maxDepth) {
    let rhoFwd: Float64Array;
    let rhoBck: Float64Array;
    let t: Subtree;
    if (rng.uniform() > 0.5) {
      zEdge = zFwd;
      rhoBck = rho;
      pBckFwd = pFwdFwd;
      pSharpBckFwd = pSharpFwdFwd;
      t = yield* build(depth, 1);
      zFwd = zEdge;
      pSharpFwdBck = t.pSharpBeg;
      pSharpFwdFwd = t.pSharpEnd;
      pFwdBck = t.pBeg;
      pFwdFwd = t.pEnd;
      rhoFwd = t.rho;
    } else {
      zEdge = zBck;
      rhoFwd = rho;
      pFwdBck = pBckBck;
      pSharpFwdBck = pSharpBckBck;
      t = yield* build(depth, -1);
      zBck = zEdge;
      pSharpBckFwd = t.pSharpBeg;
      pSharpBckBck = t.pSharpEnd;
      pBckFwd = t.pBeg;
      pBckBck = t.pEnd;
      rhoBck = t.rho;
    }
    if (!t.valid) break;
    depth++;
    if (t.logW > logW || rng.uniform() < Math.exp(t.logW - logW)) sample = t.propose;
    logW = logSumExp(logW, t.logW);
    rho = add(rhoBck, rhoFwd);
    const persist =
      criterion(pSharpBckBck, pSharpFwdFwd, rho) &&
      criterion(pSharpBckBck, pSharpFwdBck, add(rhoBck, pFwdBck)) &&
      criterion(pSharpBckFwd, pSharpFwdFwd, add(rhoFwd, pBckFwd));
    if (!persist) break;
  }
  return {
    z: sample,
    depth,
    leapfrogSteps,
    acceptStat: leapfrogSteps > 0 ? sumMetroProb / leapfrogSteps : 0,
    divergent,
    energy: hamiltonian(sample, metric.velocity(sample.p)),
  };
}

/** Stan's step-size search: double or halve ε until one leapfrog step's acceptance crosses 0.8. */
function* findStepSize(z: Point, eps0: number, metric: Metric, rng: Stream): Needs<number> {
  let eps = eps0;
  if (!(eps > 0) || eps > 1e7) return eps;
  const LOG_08 = Math.log(0.8);
  let direction = 0;
  for (let tries = 0; tries < 200; tries++) {
    const start: Point = { ...z, p: metric.momentum(rng) };
    const H0 = hamiltonian(start, metric.velocity(start.p));
    const z1 = yield* leapfrog(start, eps, metric);
    const dH = H0 - hamiltonian(z1, metric.velocity(z1.p));
    if (direction === 0) direction = dH > LOG_08 ? 1 : -1;
    else if ((direction === 1 && !(dH > LOG_08)) || (direction === -1 && !(dH < LOG_08))) return eps;
    eps = direction === 1 ? 2 * eps : 0.5 * eps;
    if (eps > 1e7)
      throw new RangeError(`The step size grew past 1e7 (${eps}); the posterior looks improper — check the prior.`);
    if (eps < 1e-12)
      throw new RangeError(
        `No step size above 1e-12 gives a stable leapfrog step (got ${eps}); the log density may be discontinuous.`,
      );
  }
  return eps;
}

interface ChainCtx {
  chain: number;
  dim: number;
  warmup: number;
  draws: number;
  maxDepth: number;
  dense: boolean;
  targetAccept: number;
  initStepSize: number;
  init: (attempt: number) => Float64Array;
  rng: Stream;
  samples: Float64Array;
  stats: NutsChainStats;
  onIteration: (warmup: boolean, divergent: boolean) => void;
}

function* chainProgram(c: ChainCtx): Needs<void> {
  let q = c.init(0);
  let ev = yield q;
  for (let attempt = 1; !(ev.logp > -Infinity); attempt++) {
    if (attempt >= 100)
      throw new RangeError(
        `Chain ${c.chain}: no initial point with a finite log density in 100 tries; give inits or shrink initRadius.`,
      );
    q = c.init(attempt);
    ev = yield q;
  }
  let z: Point = { q, p: new Float64Array(c.dim), logp: ev.logp, grad: ev.grad };
  let metric = Metric.unit(c.dim, c.dense);
  let eps = yield* findStepSize(z, c.initStepSize, metric, c.rng);
  const da = new DualAveraging(eps, c.targetAccept);
  const windows = warmupWindows(c.warmup);
  const est = new CovarianceEstimator(c.dim, c.dense);
  let w = 0;
  const D = c.dim;
  for (let it = 0; it < c.warmup + c.draws; it++) {
    const t = yield* transition(z, eps, metric, c.rng, c.maxDepth);
    z = t.z;
    if (it < c.warmup) {
      if (t.divergent) c.stats.warmupDivergences++;
      eps = da.learn(t.acceptStat);
      const win = windows[w];
      if (win && it >= win.start && it < win.end) est.add(z.q);
      if (win && it === win.end - 1) {
        metric = new Metric(D, est.regularised(), c.dense);
        est.restart();
        w++;
        eps = yield* findStepSize(z, eps, metric, c.rng);
        da.restart(eps);
      }
      if (it === c.warmup - 1) eps = da.final();
      c.onIteration(true, false);
    } else {
      const k = it - c.warmup;
      c.samples.set(z.q, k * D);
      const s = c.stats;
      s.divergent[k] = t.divergent ? 1 : 0;
      s.treeDepth[k] = t.depth;
      s.leapfrogSteps[k] = Math.min(65535, t.leapfrogSteps);
      s.acceptStat[k] = t.acceptStat;
      s.energy[k] = t.energy;
      s.logp[k] = z.logp;
      c.onIteration(false, t.divergent);
    }
  }
  c.stats.stepSize = eps;
  c.stats.inverseMetric = metric.inverse;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Run NUTS chains on a batched log density. */
export async function sampleNuts(density: LogDensityBatch, opts: NutsOptions): Promise<NutsResult> {
  const t0 = performance.now();
  const D = density.dim;
  const chains = opts.chains ?? 4;
  const warmup = opts.warmup ?? 1000;
  const draws = opts.draws ?? 1000;
  const maxDepth = opts.maxTreeDepth ?? 10;
  const targetAccept = opts.targetAccept ?? 0.8;
  const radius = opts.initRadius ?? 2;
  if (!Number.isInteger(chains) || chains < 1) throw new RangeError(`Expected chains ≥ 1, got ${chains}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`Expected warmup ≥ 0, got ${warmup}`);
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`Expected draws ≥ 1, got ${draws}`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 15)
    throw new RangeError(`Expected maxTreeDepth in 1 … 15, got ${maxDepth}`);
  if (!(targetAccept > 0 && targetAccept < 1))
    throw new RangeError(`Expected targetAccept in (0, 1), got ${targetAccept}`);
  if (!(radius >= 0)) throw new RangeError(`Expected initRadius ≥ 0, got ${radius}`);
  if (opts.inits && opts.inits.length !== chains)
    throw new RangeError(`Expected ${chains} initial points (one per chain), got ${opts.inits.length}`);
  for (const [c, q] of (opts.inits ?? []).entries())
    if (q.length !== D) throw new RangeError(`Initial point ${c} has ${q.length} coordinates, expected ${D}`);
  const root = key(opts.seed);
  const dense = opts.metric === 'dense';
  let iterations = 0;
  let warmupDone = 0;
  let divergences = 0;
  const samples: Float64Array[] = [];
  const stats: NutsChainStats[] = [];
  const gens: Array<Needs<void>> = [];
  for (let c = 0; c < chains; c++) {
    const ck = fold(root, c);
    const initKey = fold(ck, 0x1417);
    const given = opts.inits?.[c];
    samples.push(new Float64Array(draws * D));
    const st: NutsChainStats = {
      divergent: new Uint8Array(draws),
      treeDepth: new Uint8Array(draws),
      leapfrogSteps: new Uint16Array(draws),
      acceptStat: new Float64Array(draws),
      energy: new Float64Array(draws),
      logp: new Float64Array(draws),
      stepSize: NaN,
      inverseMetric: new Float64Array(0),
      warmupDivergences: 0,
    };
    stats.push(st);
    gens.push(
      chainProgram({
        chain: c,
        dim: D,
        warmup,
        draws,
        maxDepth,
        dense,
        targetAccept,
        initStepSize: opts.initStepSize ?? 1,
        init: (attempt) =>
          given && attempt === 0
            ? Float64Array.from(given)
            : uniform(fold(initKey, attempt), D).map((u) => radius * (2 * u - 1)),
        rng: new Stream(fold(ck, 0x5a3e)),
        samples: samples[c]!,
        stats: st,
        onIteration: (isWarmup, divergent) => {
          iterations++;
          if (isWarmup) warmupDone++;
          if (divergent) divergences++;
        },
      }),
    );
  }
  const total = chains * (warmup + draws);
  let evaluations = 0;
  const progress = (): void =>
    opts.onProgress?.({ iterations, totalIterations: total, warmupDone, divergences, evaluations });
  const pending: Array<Float64Array | null> = gens.map((g) => {
    const r = g.next();
    return r.done ? null : r.value;
  });
  const theta = new Float64Array(chains * D);
  const yieldMs = opts.yieldMs ?? 25;
  const everyMs = opts.progressEveryMs ?? 100;
  let lastYield = performance.now();
  let lastProgress = lastYield;
  while (pending.some((q) => q !== null)) {
    if (opts.shouldStop?.()) throw new SamplingCancelledError(iterations);
    for (let c = 0; c < chains; c++) {
      const q = pending[c];
      if (q) theta.set(q, c * D);
    }
    const { logp, grad } = density.evaluate(theta, chains);
    evaluations++;
    for (let c = 0; c < chains; c++) {
      if (!pending[c]) continue;
      const r = gens[c]!.next({ logp: logp[c]!, grad: grad.slice(c * D, (c + 1) * D) });
      pending[c] = r.done ? null : r.value;
    }
    const now = performance.now();
    if (now - lastProgress >= everyMs) {
      lastProgress = now;
      progress();
    }
    if (now - lastYield >= yieldMs) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  progress();
  let saturated = 0;
  let leapfrogSteps = 0;
  for (const s of stats) {
    for (let k = 0; k < draws; k++) {
      if (s.treeDepth[k]! >= maxDepth) saturated++;
      leapfrogSteps += s.leapfrogSteps[k]!;
    }
  }
  return {
    dim: D,
    chains,
    warmup,
    draws,
    maxTreeDepth: maxDepth,
    metric: dense ? 'dense' : 'diag',
    samples,
    stats,
    divergences,
    treeDepthSaturated: saturated,
    evaluations,
    leapfrogSteps,
    seconds: (performance.now() - t0) / 1000,
  };
}
