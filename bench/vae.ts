/**
 * VAE benchmark (`npm run bench -- vae [--quality] [--family iaf:4] [--steps N] [--backends wasm,cpu]`).
 *
 * Speed (default): the canonical VAE of ../shared/REFERENCE.md — 784–400–20, ReLU, Bernoulli likelihood on grey
 * levels / 255, Adam 1e-3, batch 128 — for one epoch on the 60,000 Fashion-MNIST training images (synthetic data
 * of the same shape when the dataset package is missing, said so) on each available backend: node (tfjs-node),
 * native (wasm with ELBO Studio's native GEMM), wasm (its SIMD GEMM kernel), cpu. Backends too slow for a whole
 * epoch (cpu) time N steps and extrapolate to 469, said so. Then PyTorch itself, in the same run, on 1 and 2 threads
 * (bench/vae_torch.py, when a python3 with torch is installed: Debian's python3-torch, with libopenblas0-pthread for
 * its BLAS), said so; without it the REFERENCE.md figures, labelled as such. Prints seconds per epoch, ms per step
 * and the ratio to PyTorch, a profile of one step (kernels, data feeding, the rest), the before/after figures (SIMD
 * GEMM kernel vs tfjs' own, custom dense gradients vs autodiff), the small conv VAE's ms/step (--conv-steps N timed steps, default 30, extrapolated to an epoch) with the share of
 * its kernel time spent in convolutions, then one JSON line.
 *
 * Quality (--quality [--seed N]): trains 5 epochs (as the reference table) and reports the test ELBO on the 10,000 test
 * images and the importance-sampled log-likelihood with K = 1,000 on a seeded subset of 1,000 test images (all
 * 10,000 with --full-ll), beside the PyTorch figures.
 */
import { spawnSync } from 'node:child_process';
import { torchPython } from './python-peer';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendPreference } from '../src-main/engine/backend';
import { fastMatMulActive, setFastMatMul } from '../src-main/engine/kernels/fast-matmul';
import { defaultNativeThreads, loadNative } from '../src-main/engine/kernels/native';
import { fold, key, normalTensor } from '../src-main/engine/rng';
import { makeObjective } from '../src-main/engine/objectives/objective';
import { Optimiser } from '../src-main/engine/optim/optimisers';
import { vaeSpecSchema, type VaeSpec } from '../src-shared/schemas/run-spec';
import {
  evaluateVae,
  meanElbo,
  prepareVaeData,
  rowsTensor,
  setFastDenseGradients,
  stepLoss,
  trainVae,
  vaeConfig,
  VaeModel,
  openVae,
  type PreparedVaeData,
} from '../src-main/engine/models/vae';

/** REFERENCE.md: PyTorch 1.13 on OpenBLAS, measured beside ELBO Studio on 2026-12-06 (1 thread) / its table (2). */
const PYTORCH_REFERENCE = { 1: 4.3, 2: 2.65 } as const;
const PYTORCH_QUALITY: Record<string, { elbo: number; ll: number }> = {
  meanfield: { elbo: -247.38, ll: -244.25 },
  'planar:10': { elbo: -246.85, ll: -243.43 },
  'iaf:4': { elbo: -246.29, ll: -243.88 },
};
const DIR = '/usr/share/datasets/fashion-mnist';

/** Read an idx3 image file (optionally gzipped): n × 784 grey levels 0–255. */
function readIdxImages(path: string): { x: Float32Array; n: number; d: number } {
  let buf = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  const magic = buf.readUInt32BE(0);
  if (magic !== 2051) throw new Error(`${path}: not an idx3 image file (magic ${magic})`);
  const n = buf.readUInt32BE(4);
  const d = buf.readUInt32BE(8) * buf.readUInt32BE(12);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = buf[16 + i]!;
  return { x, n, d };
}

export function loadFashion(kind: 'train' | 't10k'): { x: Float32Array; n: number; d: number; synthetic: boolean } {
  for (const p of [`${DIR}/${kind}-images-idx3-ubyte.gz`, `${DIR}/${kind}-images-idx3-ubyte`]) {
    if (existsSync(p)) return { ...readIdxImages(p), synthetic: false };
  }
  // Synthetic stand-in of the same shape: blurry blobs of grey levels.
  const n = kind === 'train' ? 60_000 : 10_000;
  const d = 784;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const cx = 8 + (i % 13);
    const cy = 8 + ((i * 7) % 13);
    for (let p = 0; p < d; p++) {
      const r = Math.hypot((p % 28) - cx, Math.floor(p / 28) - cy);
      x[i * d + p] = Math.round(255 * Math.exp(-r / 5) * ((i % 5) / 5 + 0.2));
    }
  }
  return { x, n, d, synthetic: true };
}

function prepare(raw: { x: Float32Array; n: number; d: number }, spec: VaeSpec): PreparedVaeData {
  const ranges = Array.from({ length: raw.d }, () => ({ min: 0, max: 255, mean: 0, std: 1 }));
  return prepareVaeData(raw, ranges, spec);
}

function canonical(over: Record<string, unknown> = {}): VaeSpec {
  return vaeSpecSchema.parse({
    model: 'vae',
    latentDim: 20,
    hidden: [400],
    activation: 'relu',
    likelihood: 'bernoulli',
    scale: 255,
    batchSize: 128,
    epochs: 1,
    validationFraction: 0,
    optimiser: { kind: 'adam', learningRate: 1e-3 },
    seed: 1,
    ...over,
  });
}

function parseFamily(s: string | undefined): Record<string, unknown> {
  if (!s || s === 'meanfield') return { kind: 'meanfield' };
  const [kind, len] = s.split(':');
  if (kind === 'planar' || kind === 'radial') return { kind, length: Number(len ?? 10) };
  if (kind === 'iaf' || kind === 'coupling') return { kind, length: Number(len ?? 4), hidden: 128 };
  throw new Error(`Unknown family "${s}"; use meanfield, planar:K, radial:K, iaf:K or coupling:K.`);
}

interface StepTiming {
  msPerStep: number;
  steps: number;
}

/** The engine's Adam as trainVae uses it (optim/optimisers.ts), with a minimize(f) → loss for the step timings. */
function engineAdam(vars: tf.Variable[]): {
  minimize(f: () => tf.Scalar, vars: tf.Variable[]): tf.Scalar;
  dispose(): void;
} {
  const opt = new Optimiser(
    { kind: 'adam', learningRate: 1e-3, epsilon: 1e-7 },
    Object.fromEntries(vars.map((v) => [v.name, v])),
  );
  return {
    minimize(f, list) {
      const { value, grads } = tf.variableGrads(f, list);
      opt.apply(grads);
      tf.dispose(grads);
      return value;
    },
    dispose: () => opt.dispose(),
  };
}

/** Time `steps` optimiser steps of trainVae (after 3 warm-up steps), stopping there. */
async function timeSteps(data: PreparedVaeData, spec: VaeSpec, steps: number): Promise<StepTiming> {
  const stamps: number[] = [];
  await trainVae(
    data,
    { ...spec, epochs: 1 },
    {
      onStep: () => stamps.push(performance.now()),
      shouldStop: () => stamps.length >= steps + 3,
    },
  );
  const first = stamps[2]!;
  const last = stamps[stamps.length - 1]!;
  return { msPerStep: (last - first) / (stamps.length - 3), steps: stamps.length - 3 };
}

/** Profile one step: kernel time by op (tf.profile), data feeding, and the rest (graph building, tidy, dispose). */
async function profileStep(
  data: PreparedVaeData,
  spec: VaeSpec,
): Promise<{
  wallMs: number;
  kernelMs: number;
  feedMs: number;
  feedGatherMs: number;
  byKernel: Array<{ name: string; ms: number; count: number }>;
}> {
  const model = new VaeModel(vaeConfig(data, spec), key(1));
  const opt = engineAdam(model.variables());
  const trainX = rowsTensor(
    data.x,
    data.d,
    Array.from({ length: Math.min(data.n, 10_000) }, (_, i) => i),
  );
  const objective = makeObjective(spec.objective);
  const vars = model.variables();
  const runStep = (t: number): void => {
    const idx = Int32Array.from({ length: 128 }, (_, i) => (t * 128 + i) % trainX.shape[0]);
    const xb = rowsTensor(data.x, data.d, idx);
    const loss = opt.minimize(() => {
      return stepLoss(model, xb, fold(key(2), t), {
        objective,
        estimator: 'reparam',
        analytic: true,
        beta: 1,
        freeBits: 0,
        tau: null,
        baseline: null,
      }).loss;
    }, vars);
    loss?.dataSync();
    loss?.dispose();
    xb.dispose();
  };
  for (let t = 0; t < 3; t++) runStep(t);
  const w0 = performance.now();
  for (let t = 3; t < 8; t++) runStep(t);
  const wallMs = (performance.now() - w0) / 5;
  const prof = await tf.profile(() => runStep(9));
  const by = new Map<string, { ms: number; count: number }>();
  let kernelMs = 0;
  for (const k of prof.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    // customGrad ops ("forward") and op scopes ("…__op") include the kernels they run: do not count them twice.
    if (k.name === 'forward' || k.name.endsWith('__op')) continue;
    kernelMs += ms;
    const e = by.get(k.name) ?? { ms: 0, count: 0 };
    e.ms += ms;
    e.count++;
    by.set(k.name, e);
  }
  // Data feeding: host-side batch copy + upload and host-side ε, timed alone (before: tf.gather from a resident tensor).
  const feed = (viaGather: boolean): number => {
    const f0 = performance.now();
    for (let t = 0; t < 20; t++) {
      const idx = Int32Array.from({ length: 128 }, (_, i) => (t * 128 + i) % trainX.shape[0]);
      const r = tf.tidy(() => {
        const xb = viaGather ? tf.gather(trainX, tf.tensor1d(idx, 'int32')) : rowsTensor(data.x, data.d, idx);
        return tf.add(tf.sum(xb), tf.sum(normalTensor(fold(key(3), t), [1, 128, 20])));
      });
      r.dataSync();
      r.dispose();
    }
    return (performance.now() - f0) / 20;
  };
  const feedGatherMs = feed(true);
  const feedMs = feed(false);
  opt.dispose();
  model.dispose();
  trainX.dispose();
  const byKernel = [...by.entries()].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.ms - a.ms);
  return { wallMs, kernelMs, feedMs, feedGatherMs, byKernel };
}

/**
 * Before/after on a shared, loaded machine: one model and optimiser, blocks of `block` steps alternating between the
 * variants (A B A B …), median ms/step per variant — drift in the machine's load hits both alike.
 */
async function abSteps(
  data: PreparedVaeData,
  spec: VaeSpec,
  rounds: number,
  block: number,
): Promise<{ fast: number; autodiff: number; gatherFeed: number; tfjsGemm: number | null }> {
  const simd = fastMatMulActive();
  const model = new VaeModel(vaeConfig(data, spec), key(1));
  const opt = engineAdam(model.variables());
  const objective = makeObjective(spec.objective);
  const vars = model.variables();
  const resident = rowsTensor(
    data.x,
    data.d,
    Array.from({ length: Math.min(data.n, 20_000) }, (_, i) => i),
  );
  let t = 0;
  const step = (viaGather: boolean): void => {
    const idx = Int32Array.from({ length: 128 }, (_, i) => ((t * 128 + i) * 7919) % resident.shape[0]);
    const xb = viaGather
      ? (tf.gather(resident, tf.tensor1d(idx, 'int32')) as tf.Tensor2D)
      : rowsTensor(data.x, data.d, idx);
    const loss = opt.minimize(
      () =>
        stepLoss(model, xb, fold(key(2), t), {
          objective,
          estimator: 'reparam',
          analytic: true,
          beta: 1,
          freeBits: 0,
          tau: null,
          baseline: null,
        }).loss,
      vars,
    );
    loss?.dataSync();
    loss?.dispose();
    xb.dispose();
    t++;
  };
  const times = {
    fast: [] as number[],
    autodiff: [] as number[],
    gatherFeed: [] as number[],
    tfjsGemm: [] as number[],
  };
  // [variant, dense gradients, feed via tf.gather, SIMD GEMM kernel]
  const variants: Array<[keyof typeof times, boolean | 'auto', boolean, boolean]> = [
    ['fast', 'auto', false, simd],
    ['autodiff', false, false, simd],
    ['gatherFeed', 'auto', true, simd],
  ];
  // The step as it was before the SIMD kernel: explicit-transpose gradients on tfjs' own wasm GEMM.
  if (simd) variants.push(['tfjsGemm', true, false, false]);
  const use = (mode: boolean | 'auto', gemm: boolean): void => {
    setFastMatMul(gemm);
    setFastDenseGradients(mode);
  };
  for (const [, mode, g, gemm] of variants) {
    use(mode, gemm);
    step(g);
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, mode, g, gemm] of variants) {
      use(mode, gemm);
      const t0 = performance.now();
      for (let b = 0; b < block; b++) step(g);
      times[name].push((performance.now() - t0) / block);
    }
  }
  use('auto', simd);
  opt.dispose();
  model.dispose();
  resident.dispose();
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return {
    fast: median(times.fast),
    autodiff: median(times.autodiff),
    gatherFeed: median(times.gatherFeed),
    tfjsGemm: times.tfjsGemm.length ? median(times.tfjsGemm) : null,
  };
}

interface TorchEpoch {
  threads: number;
  secondsPerEpoch: number;
  msPerStep: number;
  blas: string;
  torch: string;
  trainElbo: number;
}

/** One PyTorch epoch of the same VAE on `threads` threads (bench/vae_torch.py), or null when it fails. */
function torchEpoch(python: string, threads: number): TorchEpoch | null {
  const r = spawnSync(
    python,
    [join(__dirname, 'vae_torch.py'), '--threads', String(threads), '--images', `${DIR}/train-images-idx3-ubyte.gz`],
    {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    },
  );
  if (r.status !== 0) {
    console.log(
      `PyTorch (${threads} thread${threads === 1 ? '' : 's'}) failed: ${(r.stderr || '').trim().split('\n').pop()}`,
    );
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchEpoch;
}

/** The conv VAE's speed: `steps` timed steps (after warm-up) extrapolated to an epoch, and one step's kernel profile. */
async function convSpeed(
  data: PreparedVaeData,
  base: VaeSpec,
  steps: number,
  stepsPerEpoch: number,
): Promise<{
  steps: number;
  msPerStep: number;
  secondsPerEpoch: number;
  kernelMs: number;
  convMs: number;
  convShare: number;
  top: Array<{ name: string; ms: number; count: number }>;
}> {
  const spec = canonical({ architecture: 'conv', convChannels: [32, 64], hidden: [256], latentDim: base.latentDim });
  const t = await timeSteps(data, spec, steps);
  const prof = await profileStep(data, spec);
  const convMs = prof.byKernel.filter((k) => /conv|depthtospace/i.test(k.name)).reduce((a, k) => a + k.ms, 0);
  return {
    steps: t.steps,
    msPerStep: t.msPerStep,
    secondsPerEpoch: (t.msPerStep * stepsPerEpoch) / 1000,
    kernelMs: prof.kernelMs,
    convMs,
    convShare: prof.kernelMs > 0 ? convMs / prof.kernelMs : Number.NaN,
    top: prof.byKernel.slice(0, 6),
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function speed(): Promise<void> {
  const t0 = performance.now();
  const raw = loadFashion('train');
  const spec = canonical();
  const data = prepare(raw, spec);
  console.log(
    raw.synthetic
      ? 'Fashion-MNIST not found (apt-get install dataset-fashion-mnist): using SYNTHETIC data of the same shape (60,000 × 784).'
      : `Fashion-MNIST: ${data.n} × ${data.d} training images from ${DIR} (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s).`,
  );
  const stepsPerEpoch = Math.ceil(data.n / spec.batchSize);
  // The peer, in this same run: PyTorch on 1 and 2 threads when installed, else REFERENCE.md's figures (labelled).
  const python = process.argv.includes('--no-torch') ? null : torchPython();
  const torch1 = python ? torchEpoch(python.python, 1) : null;
  const torch2 = python ? torchEpoch(python.python, 2) : null;
  const peer = {
    one: torch1?.secondsPerEpoch ?? PYTORCH_REFERENCE[1],
    two: torch2?.secondsPerEpoch ?? PYTORCH_REFERENCE[2],
    oneLabel: torch1 ? 'measured now' : 'REFERENCE.md constant',
    twoLabel: torch2 ? 'measured now' : 'REFERENCE.md constant',
  };
  if (torch1 || torch2) {
    console.log(
      `PyTorch measured in this run (${python!.note}, BLAS ${torch1?.blas ?? torch2?.blas}): ` +
        [torch1, torch2]
          .filter((t): t is TorchEpoch => t !== null)
          .map(
            (t) =>
              `${t.threads} thread${t.threads === 1 ? '' : 's'} ${t.secondsPerEpoch.toFixed(2)} s/epoch (${t.msPerStep.toFixed(1)} ms/step, train ELBO ${t.trainElbo.toFixed(1)})`,
          )
          .join('; ') +
        (torch1?.blas.includes('openblas') === false ? ' — WARNING: not OpenBLAS, install libopenblas0-pthread' : ''),
    );
  }
  if (!torch1 || !torch2)
    console.log(
      `PyTorch figures NOT measured in this run for ${[!torch1 && '1 thread', !torch2 && '2 threads'].filter(Boolean).join(' and ')}: using REFERENCE.md's constants (1 thread ${PYTORCH_REFERENCE[1]} s, 2 threads ${PYTORCH_REFERENCE[2]} s per epoch, from another run).`,
    );
  const backends = (arg('--backends') ?? 'node,native,wasm,cpu').split(',') as BackendPreference[];
  const rows: Array<Record<string, unknown>> = [];
  for (const b of backends) {
    try {
      await initBackend({ preference: b });
    } catch (e) {
      console.log(`${b}: unavailable (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    const name = b === 'native' ? 'native' : tf.getBackend();
    // The native GEMM's own threads: 1 for the single-thread comparison, then --threads for the second row.
    const nat = b === 'native' ? loadNative() : null;
    // Before/after, interleaved: explicit-transpose custom gradients vs tfjs' autodiff (transposed GEMMs), and
    // host-copied batches vs tf.gather from a resident tensor.
    const ab = await abSteps(data, spec, b === 'cpu' ? 2 : 6, b === 'cpu' ? 1 : 4);
    console.log(
      `${name} A/B (median ms/step, interleaved blocks): custom gradients + host batches ${ab.fast.toFixed(1)}, ` +
        `tfjs autodiff ${ab.autodiff.toFixed(1)} (${(ab.autodiff / ab.fast).toFixed(2)}×), tf.gather feeding ${ab.gatherFeed.toFixed(1)} (${(ab.gatherFeed / ab.fast).toFixed(2)}×)` +
        (ab.tfjsGemm !== null
          ? `, tfjs' own GEMM kernel instead of the SIMD one ${ab.tfjsGemm.toFixed(1)} (${(ab.tfjsGemm / ab.fast).toFixed(2)}×)`
          : ''),
    );
    // "Before" = the best step without this round's lever: tfjs' own GEMM when the SIMD kernel is in use.
    const before = {
      msPerStep: ab.tfjsGemm ?? ab.autodiff,
      what: ab.tfjsGemm !== null ? "tfjs' GEMM" : 'tfjs autodiff',
    };
    let secondsPerEpoch: number;
    let msPerStep: number;
    let extrapolated: boolean;
    if (b === 'cpu') {
      const t = await timeSteps(data, spec, Number(arg('--steps') ?? 10));
      msPerStep = t.msPerStep;
      secondsPerEpoch = (msPerStep * stepsPerEpoch) / 1000;
      extrapolated = true;
      console.log(
        `${name}: timed ${t.steps} steps and extrapolated to ${stepsPerEpoch} (a whole epoch would take ~${secondsPerEpoch.toFixed(0)} s).`,
      );
    } else {
      if (nat?.ok) nat.kernels.setThreads(1);
      const res = await trainVae(data, spec);
      secondsPerEpoch = res.stepSecondsPerEpoch;
      msPerStep = (secondsPerEpoch * 1000) / stepsPerEpoch;
      extrapolated = false;
      console.log(
        `${name}: one full epoch, ${stepsPerEpoch} steps, train ELBO after it ${res.trainElbo.toFixed(2)} nats (10,000-row sample).`,
      );
    }
    // The same epoch with data-parallel gradient threads (parallel.ts), one per core up to --threads (default 4).
    let parallel: {
      threads: number;
      secondsPerEpoch: number;
      msPerStep: number;
      ratioToPytorch: number;
      trainElbo: number;
    } | null = null;
    const threads = Math.min(Number(arg('--threads') ?? (b === 'native' ? 2 : 4)), availableParallelism());
    if (nat?.ok && threads > 1) {
      // Both cores inside each step: the native GEMM splits every large product over `threads` threads.
      nat.kernels.setThreads(threads);
      const res = await trainVae(data, spec);
      nat.kernels.setThreads(defaultNativeThreads());
      const sec = res.stepSecondsPerEpoch;
      parallel = {
        threads,
        secondsPerEpoch: sec,
        msPerStep: (sec * 1000) / stepsPerEpoch,
        ratioToPytorch: sec / peer.one,
        trainElbo: res.trainElbo,
      };
      console.log(
        `${name}, ${threads} GEMM threads within each step: one full epoch in ${sec.toFixed(1)} s, train ELBO after it ${res.trainElbo.toFixed(2)} nats.`,
      );
    } else if (b !== 'cpu' && threads > 1) {
      const pspec = { ...spec, threads };
      const res = await trainVae(data, pspec);
      const sec = res.stepSecondsPerEpoch;
      parallel = {
        threads,
        secondsPerEpoch: sec,
        msPerStep: (sec * 1000) / stepsPerEpoch,
        ratioToPytorch: sec / peer.one,
        trainElbo: res.trainElbo,
      };
      console.log(
        `${name}, ${threads} gradient threads: one full epoch in ${sec.toFixed(1)} s, train ELBO after it ${res.trainElbo.toFixed(2)} nats.`,
      );
    }
    const prof = await profileStep(data, spec);
    console.log(
      `${name} profile of one step: wall ${prof.wallMs.toFixed(1)} ms, kernels ${prof.kernelMs.toFixed(1)} ms, ` +
        `data feeding (host batch copy + upload + host ε) ${prof.feedMs.toFixed(2)} ms (was ${prof.feedGatherMs.toFixed(2)} ms with tf.gather from a resident tensor), rest (graph, tape, tidy, dispose) ${Math.max(0, prof.wallMs - prof.kernelMs).toFixed(1)} ms`,
    );
    for (const k of prof.byKernel.slice(0, 8))
      console.log(`    ${k.name.padEnd(22)} ${k.ms.toFixed(2).padStart(8)} ms  ×${k.count}`);
    // The small conv VAE (conv [32, 64] + 256 → 20, mirrored decoder; models/vae/conv.ts): timed steps extrapolated
    // to an epoch, and the share of one step's kernel time spent in convolutions (Conv2D, which also carries the
    // transposed convolutions and both gradients here, and the DepthToSpace interleave of the sub-pixel deconv).
    const conv = await convSpeed(data, spec, b === 'cpu' ? 3 : Number(arg('--conv-steps') ?? 30), stepsPerEpoch);
    console.log(
      `${name} conv VAE: ${conv.msPerStep.toFixed(1)} ms/step → ${conv.secondsPerEpoch.toFixed(0)} s/epoch (extrapolated from ${conv.steps} steps); ` +
        `convolution kernels ${conv.convMs.toFixed(1)} of ${conv.kernelMs.toFixed(1)} ms kernel time in one step (${(100 * conv.convShare).toFixed(0)} %)`,
    );
    for (const k of conv.top) console.log(`    ${k.name.padEnd(22)} ${k.ms.toFixed(2).padStart(8)} ms  ×${k.count}`);
    rows.push({
      backend: name,
      conv,
      secondsPerEpoch,
      msPerStep,
      extrapolated,
      ratioToPytorch: secondsPerEpoch / peer.one,
      beforeMsPerStep: before.msPerStep,
      beforeWhat: before.what,
      speedup: before.msPerStep / ab.fast,
      ab,
      parallel,
      profile: {
        wallMs: prof.wallMs,
        kernelMs: prof.kernelMs,
        feedMs: prof.feedMs,
        feedGatherMs: prof.feedGatherMs,
        top: prof.byKernel.slice(0, 6),
      },
    });
  }
  console.log('');
  console.log(
    `load average now ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on this shared machine (the PyTorch figure is from a quiet one).`,
  );
  console.log(
    `backend      s/epoch   ms/step   × PyTorch 1 thread (${peer.one.toFixed(2)} s, ${peer.oneLabel})   before ms/step (A/B)            speed-up (A/B)`,
  );
  for (const r of rows) {
    console.log(
      `${String(r.backend).padEnd(10)} ${(r.secondsPerEpoch as number).toFixed(1).padStart(8)}${r.extrapolated ? '*' : ' '} ${(r.msPerStep as number).toFixed(1).padStart(8)}   ${(r.ratioToPytorch as number).toFixed(1).padStart(8)}×                     ${(r.beforeMsPerStep as number).toFixed(1).padStart(8)} (${String(r.beforeWhat).padEnd(13)})    ${(r.speedup as number).toFixed(2)}×`,
    );
  }
  for (const r of rows) {
    const p = r.parallel as {
      threads: number;
      secondsPerEpoch: number;
      msPerStep: number;
      ratioToPytorch: number;
    } | null;
    if (p) {
      const label = `${String(r.backend)}×${p.threads}`;
      console.log(
        `${label.padEnd(10)} ${p.secondsPerEpoch.toFixed(1).padStart(8)}  ${p.msPerStep.toFixed(1).padStart(8)}   ${p.ratioToPytorch.toFixed(1).padStart(8)}×  (vs PyTorch 2 threads ${peer.two.toFixed(2)} s, ${peer.twoLabel}: ${(p.secondsPerEpoch / peer.two).toFixed(2)}×)   ${(r.msPerStep as number).toFixed(1).padStart(8)} (1 thread)        ${((r.msPerStep as number) / p.msPerStep).toFixed(2)}×`,
      );
    }
  }
  if (rows.some((r) => r.extrapolated)) console.log('* extrapolated from timed steps');
  console.log(
    JSON.stringify({
      bench: 'vae',
      loadAverage: loadavg()[0],
      synthetic: raw.synthetic,
      rows: data.n,
      stepsPerEpoch,
      pytorch: { oneThread: peer.one, twoThreads: peer.two, measured: { one: torch1, two: torch2 } },
      results: rows,
    }),
  );
}

async function quality(): Promise<void> {
  const fam = arg('--family') ?? 'meanfield';
  const epochs = Number(arg('--epochs') ?? 5);
  const fullLl = process.argv.includes('--full-ll');
  const backend = await initBackend();
  const trainRaw = loadFashion('train');
  const testRaw = loadFashion('t10k');
  const seed = Number(arg('--seed') ?? 1);
  const spec = canonical({ epochs, family: parseFamily(fam), seed });
  const train = prepare(trainRaw, spec);
  const test = prepare(testRaw, spec);
  console.log(
    `quality: ${fam}, ${epochs} epochs, seed ${seed} on ${backend.name}${trainRaw.synthetic ? ' (SYNTHETIC data: Fashion-MNIST missing)' : ''}`,
  );
  const res = await trainVae(train, spec, {
    onEpoch: (e) => console.log(`  epoch ${e.epoch}: train ELBO ${e.trainElbo.toFixed(2)} (${e.seconds.toFixed(1)} s)`),
  });
  const m = openVae(res.snapshot);
  const x = rowsTensor(
    test.x,
    test.d,
    Array.from({ length: test.n }, (_, i) => i),
  );
  const testElbo = meanElbo(m, x, key(99));
  x.dispose();
  m.dispose();
  const llRows = fullLl ? 0 : 1000;
  const t0 = performance.now();
  const ev = await evaluateVae(res.snapshot, test, {
    k: 1000,
    maxRows: llRows,
    onProgress: (p) => {
      if (p.phase === 'loglik' && p.done % 200 < 40)
        process.stdout.write(`\r  IS log-likelihood: ${p.done}/${p.total} rows`);
    },
  });
  process.stdout.write('\n');
  const ref = PYTORCH_QUALITY[fam];
  console.log(`test ELBO (10,000 images)      ${testElbo.toFixed(2)}${ref ? `   PyTorch ${ref.elbo}` : ''}`);
  console.log(
    `test LL, K = 1000 (${fullLl ? 'all 10,000' : 'seeded 1,000-image subset'})   ${ev.logLikelihood.mean.toFixed(2)}${ref ? `   PyTorch ${ref.ll} (all 10,000)` : ''}   (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  console.log(
    `active units ${ev.activeUnits.count}/${ev.activeUnits.total}, KL ${ev.klTotal.toFixed(2)} (${ev.klMethod}), ${res.secondsPerEpoch.toFixed(1)} s/epoch`,
  );
  console.log(
    JSON.stringify({
      bench: 'vae-quality',
      family: fam,
      epochs,
      backend: backend.name,
      synthetic: trainRaw.synthetic,
      testElbo,
      testLl: ev.logLikelihood.mean,
      llRows: ev.rows,
      k: 1000,
      activeUnits: ev.activeUnits.count,
      kl: ev.klTotal,
      secondsPerEpoch: res.secondsPerEpoch,
      pytorch: ref ?? null,
    }),
  );
}

export async function main(): Promise<void> {
  if (process.argv.includes('--quality')) await quality();
  else await speed();
}
