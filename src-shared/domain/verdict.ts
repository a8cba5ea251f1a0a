/**
 * One verdict per run — ok, caution or failed — with each reason and its remedy in words, from the evidence the
 * engine gathers (issue 14). Thresholds:
 *   PSIS k̂ (Yao, Vehtari, Simpson & Gelman 2018, "Yes, but did it work?"): k̂ < 0.5 the approximation is good;
 *     0.5 ≤ k̂ ≤ 0.7 usable with care; k̂ > 0.7 it cannot be trusted (failed for a joint posterior, caution for a VAE,
 *     whose per-row k̂ judges the log-likelihood estimate rather than the fit);
 *   convergence: the relative change of the smoothed bound over a window (Kucukelbir et al. 2017, ADVI) — not below
 *     its tolerance at the end is "still improving" (caution);
 *   divergence: a non-finite or exploding bound ends the run failed;
 *   collapse: more than half of the latent dimensions inactive (caution); fewer are named (info);
 *   gradient noise: a low signal-to-noise ratio of the gradient matters when the run has not converged (caution);
 *   LDA: held-out perplexity rising for two passes in a row, or mean NPMI coherence falling by more than
 *     COHERENCE_DROP from the first to the last pass (caution).
 * Pure: the worker, the CLI, the pages and the reports all call it.
 */

export type VerdictLevel = 'ok' | 'caution' | 'failed';
export type ReasonSeverity = 'failed' | 'caution' | 'info';

export const KHAT_GOOD = 0.5;
export const KHAT_BAD = 0.7;
/** Gradient signal-to-noise |E g| / sd(g) below which a not-yet-converged run is said to be held back by noise. */
export const LOW_GRADIENT_SNR = 0.1;
/** A fall in mean NPMI (first → last pass) beyond pass-to-pass noise (≈ 0.02 on the fortunes sample). */
export const COHERENCE_DROP = 0.03;

export interface VerdictReason {
  code:
    | 'run-failed'
    | 'cancelled'
    | 'diverged'
    | 'non-finite-steps'
    | 'not-converged'
    | 'khat-bad'
    | 'khat-moderate'
    | 'khat-unknown'
    | 'rows-khat-bad'
    | 'collapse'
    | 'unused-dimensions'
    | 'gradient-noise'
    | 'perplexity-rising'
    | 'coherence-falling'
    | 'early-stopped';
  severity: ReasonSeverity;
  /** What was seen, with its number. */
  message: string;
  /** What to do about it. */
  remedy: string;
}

export interface RunVerdict {
  verdict: VerdictLevel;
  reasons: VerdictReason[];
}

/** What a run found out about itself; every field optional (a model reports what it measures). */
export interface VerdictEvidence {
  status?: 'completed' | 'failed' | 'cancelled';
  /** The error of a failed run (diverged runs: the divergence message). */
  error?: string | null;
  /** Set when the bound went non-finite or exploded. */
  diverged?: { step: number; value: number } | null;
  /** Steps skipped because the loss or gradient was not finite (the run went on). */
  nonFiniteSteps?: number;
  convergence?: {
    converged: boolean;
    relativeChange: number;
    tolerance: number;
    /** Early stopping ended the run: the validation score stopped improving, so more epochs would not help it. */
    earlyStopped?: { epoch: number; bestEpoch: number };
  } | null;
  /** PSIS k̂ of the joint posterior (GLM, BNN), with its effective sample size. */
  khat?: {
    value: number;
    ess: number;
    samples: number;
    /** A neural network's weights (thousands of dimensions): a mean-field q is never close to the joint posterior
     * there (k̂ > 0.7 is the rule), so a bad k̂ is a caution about the weight posterior, and the predictions are
     * judged by their held-out log-likelihood and coverage instead. */
    weights?: boolean;
  } | null;
  /** Per-row k̂ of a VAE's evaluation rows. */
  rowKhat?: { median: number; shareAbove07: number; rows: number } | null;
  collapse?: { collapsed: boolean; inactive: number[]; total: number } | null;
  /** The lowest per-group gradient SNR at the last checkpoint. */
  gradientSnr?: { value: number; group: string } | null;
  /** LDA: passes in a row at the end in which held-out perplexity rose. */
  perplexityRising?: { passes: number; from: number; to: number } | null;
  /** LDA: mean NPMI of the topics after the first and the last evaluated pass. */
  coherence?: { first: number; last: number; passes: number } | null;
}

const fmt = (v: number, d = 2): string =>
  !Number.isFinite(v) ? String(v) : Math.abs(v) >= 1e6 ? v.toExponential(3) : v.toFixed(d);

/** What a verdict was judged on, in words, in a fixed order: an "ok" names what was checked, never more. */
const CHECKS: [keyof VerdictEvidence, string][] = [
  ['nonFiniteSteps', 'non-finite steps'],
  ['convergence', 'convergence'],
  ['khat', 'PSIS k̂'],
  ['rowKhat', 'per-row k̂'],
  ['collapse', 'latent collapse'],
  ['gradientSnr', 'gradient noise'],
  ['perplexityRising', 'held-out perplexity'],
  ['coherence', 'topic coherence'],
];

/** The checks the evidence holds (perplexityRising: null means checked and not rising). */
export function verdictChecks(e: VerdictEvidence | null | undefined): string[] {
  if (!e) return [];
  return CHECKS.filter(([k]) => e[k] !== undefined && (e[k] !== null || k === 'perplexityRising')).map(([, l]) => l);
}

export function runVerdict(e: VerdictEvidence): RunVerdict {
  const reasons: VerdictReason[] = [];
  const add = (r: VerdictReason): void => void reasons.push(r);

  if (e.diverged) {
    add({
      code: 'diverged',
      severity: 'failed',
      message: `Training diverged at step ${e.diverged.step.toLocaleString('en')}: the bound reached ${fmt(e.diverged.value, 3)}.`,
      remedy: 'Lower the learning rate (e.g. by 10×), or set gradient clipping (clip norm 10).',
    });
  } else if (e.status === 'failed') {
    add({
      code: 'run-failed',
      severity: 'failed',
      message: e.error ? `The run failed: ${e.error}` : 'The run failed.',
      remedy: 'Read the error; fix the setting it names and run again.',
    });
  } else if (e.status === 'cancelled') {
    add({
      code: 'cancelled',
      severity: 'caution',
      message: 'The run was cancelled before it finished.',
      remedy: 'Re-run it to the end before relying on its numbers.',
    });
  }

  if ((e.nonFiniteSteps ?? 0) > 0 && !e.diverged) {
    add({
      code: 'non-finite-steps',
      severity: 'caution',
      message: `${e.nonFiniteSteps} step${e.nonFiniteSteps === 1 ? ' was' : 's were'} skipped because the loss or gradient was not finite.`,
      remedy: 'Lower the learning rate or set gradient clipping; check the data for extreme values.',
    });
  }

  const early = e.convergence?.earlyStopped;
  if (early && e.convergence && !e.convergence.converged && e.status !== 'failed') {
    add({
      code: 'early-stopped',
      severity: 'info',
      message: `Stopped early at epoch ${early.epoch}: the validation score had stopped improving (the weights of epoch ${early.bestEpoch} were kept), while the training bound still moved by ${(100 * e.convergence.relativeChange).toFixed(2)} % over the last window.`,
      remedy: 'Nothing to do for the predictions; a larger patience trains longer if the bound matters.',
    });
  } else if (e.convergence && !e.convergence.converged && e.status !== 'failed') {
    add({
      code: 'not-converged',
      severity: 'caution',
      message: `Still improving: the smoothed bound changed by ${(100 * e.convergence.relativeChange).toFixed(2)} % over the last window (tolerance ${(100 * e.convergence.tolerance).toFixed(2)} %).`,
      remedy: 'Train for more steps or epochs, or raise the learning rate a little.',
    });
    if (e.gradientSnr && e.gradientSnr.value < LOW_GRADIENT_SNR) {
      add({
        code: 'gradient-noise',
        severity: 'caution',
        message: `The gradient is mostly noise: signal-to-noise ${fmt(e.gradientSnr.value, 3)} for ${e.gradientSnr.group}.`,
        remedy: 'Use more samples per step, the pathwise (reparameterised) estimator, or a larger batch.',
      });
    }
  }

  if (e.khat) {
    const k = e.khat.value;
    const ess = `ESS ${Math.round(e.khat.ess)} of ${e.khat.samples}`;
    if (!Number.isFinite(k)) {
      add({
        code: 'khat-unknown',
        severity: 'caution',
        message: `PSIS k̂ could not be estimated (${ess}).`,
        remedy: 'Draw more importance samples.',
      });
    } else if (k > KHAT_BAD && e.khat.weights) {
      add({
        code: 'khat-bad',
        severity: 'caution',
        message: `PSIS k̂ = ${fmt(k)} > ${KHAT_BAD} (${ess}): the weight posterior is far from the true one, as it almost always is for a network's thousands of weights; read its uncertainty as approximate.`,
        remedy:
          'Judge the predictions by the held-out log-likelihood and interval coverage; a richer family (a flow on the last layer, or SVGD) may tighten them.',
      });
    } else if (k > KHAT_BAD) {
      add({
        code: 'khat-bad',
        severity: 'failed',
        message: `PSIS k̂ = ${fmt(k)} > ${KHAT_BAD} (${ess}): the approximate posterior is far from the true one; its means and intervals cannot be trusted.`,
        remedy: 'Try a richer family (full-rank or a flow), more samples per step, or more steps.',
      });
    } else if (k >= KHAT_GOOD) {
      add({
        code: 'khat-moderate',
        severity: 'caution',
        message: `PSIS k̂ = ${fmt(k)} is between ${KHAT_GOOD} and ${KHAT_BAD} (${ess}): usable, but tails and intervals may be off.`,
        remedy: 'Compare with a richer family before relying on intervals.',
      });
    }
  }

  if (e.rowKhat && e.rowKhat.shareAbove07 > 0.1) {
    add({
      code: 'rows-khat-bad',
      severity: 'caution',
      message: `${(100 * e.rowKhat.shareAbove07).toFixed(1)} % of the ${e.rowKhat.rows.toLocaleString('en')} evaluated rows have k̂ > ${KHAT_BAD} (median ${fmt(e.rowKhat.median)}): their log-likelihood estimates are unreliable.`,
      remedy: 'A richer posterior family (a flow) or more importance samples K.',
    });
  }

  if (e.collapse && e.collapse.inactive.length > 0) {
    const dims = e.collapse.inactive.map((d) => `z${d + 1}`).join(', ');
    add({
      code: e.collapse.collapsed ? 'collapse' : 'unused-dimensions',
      severity: e.collapse.collapsed ? 'caution' : 'info',
      message: `${e.collapse.inactive.length} of ${e.collapse.total} latent dimensions are inactive (${dims}).`,
      remedy: e.collapse.collapsed
        ? 'KL annealing, free bits, or a weaker decoder.'
        : 'Fewer latent dimensions, if the rest explain the data.',
    });
  }

  if (e.perplexityRising && e.perplexityRising.passes >= 2) {
    add({
      code: 'perplexity-rising',
      severity: 'caution',
      message: `Held-out perplexity rose for the last ${e.perplexityRising.passes} passes (${fmt(e.perplexityRising.from, 0)} → ${fmt(e.perplexityRising.to, 0)}).`,
      remedy: 'Fewer passes or topics, a larger minimum document frequency, or more stop words.',
    });
  }

  if (e.coherence && e.coherence.passes >= 3 && e.coherence.last < e.coherence.first - COHERENCE_DROP) {
    add({
      code: 'coherence-falling',
      severity: 'caution',
      message: `Topic coherence fell over ${e.coherence.passes} passes: mean NPMI ${fmt(e.coherence.first, 3)} → ${fmt(e.coherence.last, 3)}.`,
      remedy: 'Fewer topics, a larger minimum document frequency, a larger topic–word prior η, or more stop words.',
    });
  }

  const verdict: VerdictLevel = reasons.some((r) => r.severity === 'failed')
    ? 'failed'
    : reasons.some((r) => r.severity === 'caution')
      ? 'caution'
      : 'ok';
  return { verdict, reasons };
}
