/**
 * Architecture quality (`npm run bench -- vae-arch [--train N] [--test N] [--epochs E] [--k K] [--seed S]
 * [--anneal EPOCHS] [--models flat,ladder,mlp,conv]`): test log-likelihoods of VAE designs trained for the same epochs on the same rows.
 *
 * Data: Fashion-MNIST (the Debian package; there is no MNIST digits set on this machine), binarised by a threshold
 * (grey / 255 > 0.5 → 1), the first --train training images (default 10,000) and a seeded sample of --test test
 * images (default 500). Models (Bernoulli likelihood, ReLU, Adam 1e-3, batch 128, no validation split):
 *   flat    784–400–20 MLP, one latent layer of 20          ladder  784–400–[16, 4] ladder VAE (same 20 latents)
 *   mlp     784–400–20 MLP (the canonical reference VAE)   conv    conv [32, 64] + 256 → 20, mirrored decoder
 * Reported: the importance-sampled test log-likelihood (K draws per row, default 200) with its SE over rows, the
 * test ELBO, KL (per layer for the ladder) and active units, and paired differences (ladder − flat, conv − mlp) on
 * the same rows with their SEs. Then one JSON line. No timing: wall seconds are printed for orientation only.
 */
import { initBackend } from '../src-main/engine/backend';
import { key, permutation } from '../src-main/engine/rng';
import { vaeSpecSchema, type VaeSpec } from '../src-shared/schemas/run-spec';
import { evaluateVae, trainVae, type PreparedVaeData } from '../src-main/engine/models/vae';
import { pairedDifference } from '../src-shared/stats/mean-se';
import { loadFashion } from './vae';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
function argStr(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

function binarised(raw: { x: Float32Array; n: number; d: number }, rows: number[]): PreparedVaeData {
  const d = raw.d;
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) x[i * d + j] = raw.x[r * d + j]! / 255 > 0.5 ? 1 : 0;
  });
  const side = Math.round(Math.sqrt(d));
  return {
    x,
    n: rows.length,
    d,
    likelihood: 'bernoulli',
    transform: { kind: 'scale', divisor: 1 },
    image: { width: side, height: side },
  };
}

const MODELS: Record<string, Record<string, unknown>> = {
  flat: { latentDim: 20, hidden: [400] },
  ladder: { latentDim: [16, 4], hidden: [400] },
  mlp: { latentDim: 20, hidden: [400] },
  conv: { latentDim: 20, hidden: [256], architecture: 'conv', convChannels: [32, 64] },
};

export async function main(): Promise<void> {
  const backend = await initBackend();
  const nTrain = arg('train', 10_000);
  const nTest = arg('test', 500);
  const epochs = arg('epochs', 5);
  const K = arg('k', 200);
  const seed = arg('seed', 1);
  const anneal = arg('anneal', 0);
  const names = argStr('models', 'flat,ladder,mlp,conv').split(',');
  const train = loadFashion('train');
  const test = loadFashion('t10k');
  if (train.synthetic) console.log('Fashion-MNIST is missing: synthetic stand-in data (figures mean nothing).');
  const trainData = binarised(
    train,
    Array.from({ length: Math.min(nTrain, train.n) }, (_, i) => i),
  );
  const testRows = Array.from(permutation(key(seed + 100), test.n).subarray(0, Math.min(nTest, test.n))).sort(
    (a, b) => a - b,
  );
  const testData = binarised(test, testRows);
  console.log(
    `backend ${backend.name}; ${trainData.n} training images, ${testData.n} test images (binarised at 0.5), ${epochs} epochs, K = ${K}, seed ${seed}` +
      (anneal > 0 ? `, KL warm-up over ${anneal} epochs (Sønderby et al.'s protocol)` : ''),
  );
  const results: Record<
    string,
    {
      ll: number;
      se: number;
      elbo: number;
      kl: number;
      au: number;
      perRow: number[];
      layers?: unknown;
      seconds: number;
    }
  > = {};
  for (const name of names) {
    const over = MODELS[name];
    if (!over) throw new Error(`Unknown model "${name}"; use ${Object.keys(MODELS).join(', ')}.`);
    const spec: VaeSpec = vaeSpecSchema.parse({
      model: 'vae',
      activation: 'relu',
      likelihood: 'bernoulli',
      batchSize: 128,
      epochs,
      validationFraction: 0,
      optimiser: { kind: 'adam', learningRate: 1e-3 },
      seed,
      ...(anneal > 0 ? { training: { anneal: { kind: 'linear', epochs: anneal } } } : {}),
      ...over,
    });
    const t0 = performance.now();
    const fit = await trainVae(trainData, spec, {
      onEpoch: (e) =>
        console.log(`  ${name} epoch ${e.epoch}: train ELBO ${e.trainElbo.toFixed(2)} (${e.seconds.toFixed(1)} s)`),
    });
    const ev = await evaluateVae(fit.snapshot, testData, { k: K, maxRows: 0, seed });
    const seconds = (performance.now() - t0) / 1000;
    results[name] = {
      ll: ev.logLikelihood.mean,
      se: ev.logLikelihood.se,
      elbo: ev.elbo,
      kl: ev.klTotal,
      au: ev.activeUnits.count,
      perRow: ev.perRow.logLik,
      ...(ev.layers
        ? {
            layers: ev.layers.map((l) => ({
              layer: l.layer,
              dim: l.dim,
              kl: l.kl,
              klSe: l.klSe,
              active: l.activeUnits.count,
            })),
          }
        : {}),
      seconds,
    };
    const layerText = ev.layers
      ? ' · ' +
        ev.layers
          .map(
            (l) =>
              `layer ${l.layer}: KL ${l.kl.toFixed(2)} ± ${l.klSe.toFixed(2)}, ${l.activeUnits.count}/${l.dim} active`,
          )
          .join('; ')
      : '';
    console.log(
      `${name.padEnd(7)} test log p(x) ${ev.logLikelihood.mean.toFixed(2)} ± ${ev.logLikelihood.se.toFixed(2)} · ELBO ${ev.elbo.toFixed(2)} · KL ${ev.klTotal.toFixed(2)} · active ${ev.activeUnits.count}/${ev.activeUnits.total}${layerText} · ${seconds.toFixed(0)} s`,
    );
  }
  const pairs: Record<string, { mean: number; se: number }> = {};
  for (const [a, b] of [
    ['ladder', 'flat'],
    ['conv', 'mlp'],
  ] as const) {
    if (!results[a] || !results[b]) continue;
    const p = pairedDifference(results[a].perRow, results[b].perRow);
    pairs[`${a}-${b}`] = { mean: p.mean, se: p.se };
    console.log(
      `${a} − ${b}: ${p.mean.toFixed(2)} ± ${p.se.toFixed(2)} nats per image (paired on the same ${p.n} test rows)`,
    );
  }
  const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...v, perRow: undefined }]));
  console.log(
    JSON.stringify({
      bench: 'vae-arch',
      anneal,
      backend: backend.name,
      nTrain: trainData.n,
      nTest: testData.n,
      epochs,
      K,
      seed,
      results: summary,
      pairs,
    }),
  );
}
