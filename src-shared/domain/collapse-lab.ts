/**
 * The posterior-collapse lab (issue 19, item 3): four VAEs fitted to the same data (the 8×8 digits sample, 64 pixels
 * scaled to [0, 1], Bernoulli likelihood) that differ only in what the issue names —
 *
 *   collapse  an autoregressive decoder over every earlier pixel (strong enough to model the digits without z): the
 *             KL term pulls q(z|x) onto p(z) before the encoder has learnt anything worth its cost (Bowman et al. 2016);
 *   anneal    the same decoder with β warmed up linearly from 0 over the first epochs (Bowman et al. 2016);
 *   freebits  the same decoder with free bits λ per latent dimension (Kingma et al. 2016, eq. 15);
 *   window    the decoder's receptive field limited to the 3 pixels before each one (Chen et al. 2017): what lies
 *             further apart — the digit's shape across rows — has to come through z.
 *
 * The specs and the words that describe each run's outcome live here, shared by the sample (renderer), the lab page
 * and the tests that hold the lab to its claims (engine/models/vae/collapse-lab.test.ts).
 */

export type LabArm = 'collapse' | 'anneal' | 'freebits' | 'window';

/** Free bits λ of the lab's free-bits run, nats per latent dimension. */
export const LAB_FREE_BITS = 0.5;
/** Earlier pixels the limited-receptive-field decoder sees. */
export const LAB_WINDOW = 3;
/** Epochs of every lab run (seconds each on the digits). */
export const LAB_EPOCHS = 20;
/**
 * Share of λ a free-bits dimension must keep to count as held: the floor max(λ, KL_j) is on each minibatch's mean, so
 * with a decoder that barely needs z a dimension settles just under λ (measured 0.87–1.06 λ on the digits).
 */
export const LAB_FLOOR_SHARE = 0.8;
/** KL below this many nats in total counts as "≈ 0" in the lab's words. */
export const LAB_KL_ZERO = 0.1;

/** The run-spec input every lab run shares (parsed by the strict run-spec schema at runs:start). */
const BASE = {
  model: 'vae',
  latentDim: 8,
  hidden: [128],
  epochs: LAB_EPOCHS,
  batchSize: 32,
  optimiser: { kind: 'adam', learningRate: 3e-3 },
  validationFraction: 0.1,
  seed: 1,
  // 200 importance samples per validation row: a log-likelihood SE well under the runs' differences, in a second.
  evaluation: { k: 200 },
} as const;

export interface LabRun {
  arm: LabArm;
  /** Run name in the history. */
  name: string;
  /** Heading on the lab page. */
  title: string;
  /** What differs, in a line. */
  setting: string;
  spec: Record<string, unknown>;
}

export const LAB_RUNS: readonly LabRun[] = [
  {
    arm: 'collapse',
    name: 'Lab · strong decoder (collapses)',
    title: 'Strong decoder',
    setting: 'Autoregressive decoder over every earlier pixel; plain ELBO.',
    spec: { ...BASE, decoder: { kind: 'autoregressive' } },
  },
  {
    arm: 'anneal',
    name: 'Lab · KL annealing',
    title: 'KL annealing',
    setting: `Same decoder; β warmed up linearly from 0 to 1 over ${Math.round(LAB_EPOCHS / 2)} epochs.`,
    spec: {
      ...BASE,
      decoder: { kind: 'autoregressive' },
      training: { anneal: { kind: 'linear', epochs: Math.round(LAB_EPOCHS / 2) } },
    },
  },
  {
    arm: 'freebits',
    name: 'Lab · free bits',
    title: 'Free bits',
    setting: `Same decoder; free bits λ = ${LAB_FREE_BITS} nats per latent dimension.`,
    spec: { ...BASE, decoder: { kind: 'autoregressive' }, training: { freeBits: LAB_FREE_BITS } },
  },
  {
    arm: 'window',
    name: 'Lab · limited receptive field',
    title: 'Limited receptive field',
    setting: `Autoregressive decoder that sees only the ${LAB_WINDOW} pixels before each one; plain ELBO.`,
    spec: { ...BASE, decoder: { kind: 'autoregressive', window: LAB_WINDOW } },
  },
];

/** What a lab run ended with: the figures the page and its words use. */
export interface LabOutcome {
  /** Final mean KL per latent dimension (nats), on the rows the trace used. */
  klPerDim: number[];
  /** Total KL after every epoch (the trace's sums), first epoch first. */
  klHistory: number[];
  activeUnits: number;
  totalUnits: number;
  /** Importance-sampled log p(x) per row and its SE, nats; null when not evaluated. */
  logLik: number | null;
  logLikSe: number | null;
  /** The evaluation's collapse verdict (evaluate.ts collapseVerdict). */
  collapsed: boolean;
}

const f2 = (v: number): string => v.toFixed(2);

/** One paragraph in words: what happened in this run, from its numbers. */
export function labStory(run: Pick<LabRun, 'arm'>, o: LabOutcome, freeBits = LAB_FREE_BITS): string {
  const kl = o.klPerDim.reduce((a, b) => a + b, 0);
  const minKl = o.klPerDim.length ? Math.min(...o.klPerDim) : 0;
  const ll =
    o.logLik === null
      ? ''
      : ` Its log-likelihood is ${o.logLik.toFixed(1)} ± ${(o.logLikSe ?? 0).toFixed(1)} nats per image.`;
  const used = `${o.activeUnits} of ${o.totalUnits} latent units active, KL ${f2(kl)} nats in total`;
  // A KL that peaked and has since lost over half of it is on its way to the prior: the remedy delayed the collapse.
  const peak = o.klHistory.length ? Math.max(...o.klHistory) : kl;
  const peakEpoch = o.klHistory.indexOf(peak) + 1;
  const falling =
    o.klHistory.length >= 3 &&
    kl < 0.5 * peak &&
    o.klHistory[o.klHistory.length - 1]! < o.klHistory[o.klHistory.length - 3]!;
  const fall = falling
    ? ` But the KL peaked at ${f2(peak)} nats (epoch ${peakEpoch}) and is still falling: the collapse is delayed, not prevented.`
    : '';
  if (kl < LAB_KL_ZERO || o.activeUnits === 0) {
    const why =
      run.arm === 'collapse' || run.arm === 'anneal'
        ? 'The decoder models each pixel from the pixels before it well enough that z is not worth its KL cost'
        : 'The decoder did without z';
    return `Posterior collapse: ${used}. ${why}, so q(z|x) settled on the prior p(z) and the code says nothing about the image.${ll}`;
  }
  switch (run.arm) {
    case 'collapse':
      return `No collapse this time: ${used}. The strong decoder still left some structure for z to carry.${fall}${ll}`;
    case 'anneal':
      return `Annealing kept the code alive so far: ${used}. With β small early on, the encoder learnt to use z before the full KL cost arrived.${fall}${ll}`;
    case 'freebits': {
      const maxKl = Math.max(...o.klPerDim);
      const range = `${f2(minKl)}–${f2(maxKl)} nats per dimension against λ = ${freeBits}`;
      if (minKl >= freeBits * LAB_FLOOR_SHARE)
        return `Free bits held every dimension at the floor: ${range}; ${used}. Below λ a dimension's KL costs nothing, so the encoder spends it. The floor applies to each minibatch's mean, so a dimension settles at or just under λ, never near 0.${ll}`;
      return `Free bits did not hold the floor: ${range}; ${used}.${ll}`;
    }
    case 'window':
      return `The limited decoder needs z: ${used}. Seeing only the few pixels before each one, it cannot draw the digit's shape across rows without the code.${fall}${ll}`;
  }
}
