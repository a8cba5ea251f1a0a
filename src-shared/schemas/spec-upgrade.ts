/**
 * Run specs stored by earlier versions (the runs table, model bundles' manifests) → today's shape, in one pure
 * function used by the database migration, the bundle loaders and anything else that reads a stored spec.
 *
 * What changed: the training aids (β, KL annealing, free bits, estimator, KL mode) moved into one `training` block;
 * the objective keeps its kind, samples or K, and α; the optimiser is a union on `kind` (momentum only for SGD) whose
 * `schedule` holds the BNN's old `lrSchedule`. The upgrade records what the run actually trained with: a VAE read its
 * top-level aids (the objective-level copies were ignored), a GLM read the objective-level ones, a BNN read β only.
 * Settings a run silently ignored are dropped and listed in `dropped`, so the caller can say so. Idempotent: a spec
 * already in today's shape comes back unchanged with nothing dropped.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

export interface UpgradedSpec {
  /** The spec in today's shape (input shape: defaults are filled in by the schema). */
  spec: unknown;
  /** Settings removed because the run did not use them ("objective.beta = 4"), empty when none. */
  dropped: string[];
  /** Whether anything changed. */
  changed: boolean;
}

const AIDS = ['beta', 'anneal', 'freeBits', 'estimator', 'analyticKl'] as const;
const VAE_TOP_AIDS = ['beta', 'freeBits', 'estimator', 'kl', 'klAnneal'] as const;

/** The old objective-level anneal (in steps) → training.anneal (in epochs; for a full-batch GLM one step = one epoch). */
function annealFromObjective(a: unknown): Obj | undefined {
  if (!isObj(a)) return undefined;
  if (a.kind === 'linear') return { kind: 'linear', epochs: a.warmup };
  if (a.kind === 'cyclical')
    return { kind: 'cyclical', epochs: a.period, ...(a.ratio !== undefined ? { ratio: a.ratio } : {}) };
  return { kind: 'none' };
}

/** The VAE's old top-level klAnneal ({ kind, epochs, ratio } with defaults) → training.anneal. */
function annealFromVae(a: unknown): Obj | undefined {
  if (!isObj(a)) return undefined;
  if (a.kind === 'linear') return { kind: 'linear', epochs: a.epochs ?? 5 };
  if (a.kind === 'cyclical') return { kind: 'cyclical', epochs: a.epochs ?? 5, ratio: a.ratio ?? 0.5 };
  return { kind: 'none' };
}

/** Upgrade one stored run spec (see the module comment). Anything that is not an object is returned as it is. */
export function upgradeRunSpec(raw: unknown): UpgradedSpec {
  if (!isObj(raw)) return { spec: raw, dropped: [], changed: false };
  const before = JSON.stringify(raw);
  const s: Obj = structuredClone(raw);
  const dropped: string[] = [];
  /** Remove a setting the run did not use (a default value stays: it changes nothing). */
  const drop = (o: Obj, key: string, path: string, isDefault: (v: unknown) => boolean = () => false): void => {
    if (!(key in o) || isDefault(o[key])) return;
    if (o[key] !== undefined) dropped.push(`${path} = ${show(o[key])}`);
    delete o[key];
  };
  const model = s.model;
  const objective = isObj(s.objective) ? s.objective : undefined;
  const alreadyNew = isObj(s.training);

  // ── Training aids → training ──
  if (model === 'vae' && !alreadyNew) {
    const t: Obj = {};
    if (s.beta !== undefined) t.beta = s.beta;
    if (s.freeBits !== undefined) t.freeBits = s.freeBits;
    if (s.estimator !== undefined) t.estimator = s.estimator;
    if (s.kl !== undefined) t.kl = s.kl;
    const a = annealFromVae(s.klAnneal);
    if (a) t.anneal = a;
    for (const k of VAE_TOP_AIDS) delete s[k];
    s.training = t;
    // The VAE never read the objective-level aids.
    if (objective) for (const k of AIDS) drop(objective, k, `objective.${k}`);
  } else if (model === 'glm' && !alreadyNew) {
    const t: Obj = {};
    if (objective) {
      if (objective.beta !== undefined) t.beta = objective.beta;
      const a = annealFromObjective(objective.anneal);
      if (a) t.anneal = a;
      if (objective.estimator !== undefined) t.estimator = objective.estimator;
      if (objective.analyticKl === false) t.kl = 'mc';
      for (const k of ['beta', 'anneal', 'estimator', 'analyticKl']) delete objective[k];
      // Global models never read free bits.
      drop(objective, 'freeBits', 'objective.freeBits', (v) => v === 0);
      delete objective.freeBits;
    }
    s.training = t;
  } else if (model === 'bnn' && !alreadyNew) {
    const t: Obj = {};
    if (objective) {
      // The BNN read β; a score estimator was refused at start; the other aids were ignored.
      if (objective.beta !== undefined) t.beta = objective.beta;
      if (objective.estimator !== undefined) t.estimator = objective.estimator;
      for (const k of ['beta', 'estimator']) delete objective[k];
      drop(objective, 'anneal', 'objective.anneal', (v) => isObj(v) && v.kind === 'constant');
      drop(objective, 'freeBits', 'objective.freeBits', (v) => v === 0);
      drop(objective, 'analyticKl', 'objective.analyticKl', (v) => v === true);
      for (const k of ['anneal', 'freeBits', 'analyticKl']) delete objective[k];
    }
    s.training = t;
  }

  // ── Optimiser: a union on kind, momentum for SGD only, the BNN's lrSchedule as its schedule ──
  if (model === 'vae' || model === 'glm' || model === 'bnn') {
    const o: Obj = isObj(s.optimiser) ? s.optimiser : {};
    if (o.kind === undefined) o.kind = 'adam';
    if (o.kind === 'adam') delete o.momentum; // Adam never read it.
    if (model === 'vae' && o.schedule !== undefined) {
      // The VAE trained with a constant learning rate whatever the schedule said.
      drop(o, 'schedule', 'optimiser.schedule', (v) => isObj(v) && v.kind === 'constant');
    }
    if (model === 'bnn') {
      const family = isObj(s.family) ? s.family.kind : 'meanfield';
      const meanfield = family === undefined || family === 'meanfield';
      if ('lrSchedule' in s) {
        if (s.lrSchedule === 'cosine') {
          if (isObj(o.schedule) && o.schedule.kind !== 'constant')
            dropped.push(`optimiser.schedule = ${show(o.schedule)}`);
          o.schedule = { kind: 'cosine' };
        } else if (meanfield && o.schedule !== undefined) {
          // Bayes by Backprop's own Adam read no optimiser schedule.
          drop(o, 'schedule', 'optimiser.schedule', (v) => isObj(v) && v.kind === 'constant');
        }
        delete s.lrSchedule;
      }
      if (meanfield && o.kind === 'sgd') {
        // Bayes by Backprop trained with its own Adam whatever the kind said.
        dropped.push('optimiser.kind = "sgd"');
        o.kind = 'adam';
        delete o.momentum;
      }
    }
    if (isObj(s.optimiser) || Object.keys(o).length > 1) s.optimiser = o;
  }

  // ── Settings a model silently ignored (today refused): back to their defaults, listed in `dropped` ──
  if (model === 'vae') {
    const t = s.training as Obj;
    const gaussianLatents = s.latentType !== 'categorical';
    if (gaussianLatents) {
      drop(s, 'categories', 'categories', (v) => v === 10);
      drop(s, 'temperature', 'temperature', (v) => isObj(v) && v.initial === 1 && v.min === 0.5 && v.rate === 3e-4);
    }
    if (s.gaussianVariance !== 'fixed') drop(s, 'noiseVariance', 'noiseVariance', (v) => v === 1);
    if (s.likelihood === 'gaussian') drop(s, 'scale', 'scale', (v) => v === 0);
    if (isObj(s.evaluation) && s.evaluation.amortisationGap !== true) {
      drop(s.evaluation, 'gapRows', 'evaluation.gapRows', (v) => v === 64);
      drop(s.evaluation, 'gapSteps', 'evaluation.gapSteps', (v) => v === 100);
    }
    // A run with free bits trained on one thread whatever the thread count said.
    if (typeof t.freeBits === 'number' && t.freeBits > 0 && typeof s.threads === 'number' && s.threads > 1)
      drop(s, 'threads', 'threads');
  }
  if (model === 'glm' && isObj(s.family) && s.family.kind === 'svgd') {
    // SVGD read neither the objective nor the training aids.
    const t = s.training as Obj;
    for (const k of Object.keys(t))
      drop(t, k, `training.${k}`, (v) =>
        k === 'beta'
          ? v === 1
          : k === 'kl'
            ? v === 'auto'
            : k === 'estimator'
              ? v === 'reparam'
              : k === 'freeBits'
                ? v === 0
                : isObj(v) && v.kind === 'none',
      );
    if (objective && !(objective.kind === 'elbo' && (objective.samples === undefined || objective.samples === 1))) {
      dropped.push(`objective = ${show(objective)}`);
      s.objective = { kind: 'elbo', samples: 1 };
    }
  }
  if (model === 'bnn') {
    const fam = isObj(s.family) ? s.family.kind : 'meanfield';
    if (!['planar', 'radial', 'iaf', 'coupling'].includes(String(fam)))
      drop(s, 'flowMaxWeights', 'flowMaxWeights', (v) => v === 1000);
    if (fam === 'svgd') drop(s, 'initScale', 'initScale', (v) => v === 0.01);
    if (s.noise === 'heteroscedastic') drop(s, 'noiseScale', 'noiseScale');
    // Without a validation split the BNN never stopped early.
    if (s.validationFraction === 0) drop(s, 'patience', 'patience', (v) => v === 30 || v === 0);
  }
  if (model === 'lda') {
    if (s.method === 'batch') {
      drop(s, 'batchSize', 'batchSize', (v) => v === 256);
      drop(s, 'tau0', 'tau0', (v) => v === 1024);
      drop(s, 'kappa', 'kappa', (v) => v === 0.5);
    }
    if (s.heldoutDatasetId !== undefined) drop(s, 'heldoutFraction', 'heldoutFraction', (v) => v === 0.1);
  }
  return { spec: s, dropped, changed: JSON.stringify(s) !== before };
}
