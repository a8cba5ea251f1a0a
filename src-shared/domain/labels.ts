/**
 * The one catalogue of human labels: every metric a run reports (final metrics and per-step series) with its unit and
 * one line of help, and every run setting (a spec field path: topics, optimiser.learningRate, family.length …) with its
 * label and help. The run page, compare view, history, the project's runs table and the HTML reports read it; which
 * way a metric is better stays in metric-direction.ts and is added to the help here. Pure data and lookups.
 */
import { coverageLevel, metricDirection } from './metric-direction';

export interface MetricInfo {
  /** Readable name: "Validation ELBO". */
  label: string;
  /** Shorter name for narrow table columns (defaults to the label). */
  short?: string;
  /** What the number is counted in: "nats per row", "target units", "seconds", "share of rows" … ('' for a count). */
  unit: string;
  /** One line: what the number is. */
  help: string;
  /** A yes / no stored as 1 / 0. */
  flag?: boolean;
}

type Model = 'vae' | 'glm' | 'lda' | 'bnn';

const M = (label: string, unit: string, help: string, short?: string): MetricInfo =>
  short ? { label, unit, help, short } : { label, unit, help };

const F = (label: string, unit: string, help: string): MetricInfo => ({ label, unit, help, flag: true });

/** Final metrics and series, by the name the adapters report them under. */
const METRICS: Record<string, MetricInfo> = {
  // Shared by every model (the progress reporter and the training worker add these).
  seconds: M('Training time', 'seconds', 'Wall-clock time from the start of the run to its end.'),
  steps: M('Steps', '', 'Optimiser steps taken before the run stopped.'),
  non_finite_steps: M(
    'Non-finite steps skipped',
    '',
    'Steps whose loss or gradient was NaN or infinite; each was discarded (20 in a row stop the run).',
  ),
  epochs: M('Epochs', '', 'Passes over the training rows actually run (fewer than asked when stopped early).'),
  best_epoch: M('Best epoch', '', 'The epoch whose weights were kept by early stopping (best validation ELBO).'),
  seconds_per_epoch: M('Time per epoch', 'seconds', 'Mean wall-clock time of one epoch, evaluation included.'),
  // Convergence of the smoothed bound and gradient noise (every gradient-trained model).
  converged: F(
    'Converged',
    '1 = yes, 0 = no',
    'Whether the smoothed bound’s relative change over the last window fell below the tolerance (ADVI’s rule).',
  ),
  relative_change: M(
    'Relative change of the bound',
    'share',
    'Relative change of the smoothed bound over the last window, against the climb since the start.',
  ),
  converged_stop: F(
    'Stopped when converged',
    '1 = yes, 0 = no',
    'Whether the run ended early because the bound had converged.',
  ),
  grad_snr_min: M(
    'Gradient SNR, lowest group',
    'ratio',
    'Signal-to-noise ratio |mean| / sd of the gradient of the noisiest parameter group at the last checkpoint.',
  ),
  grad_variance_total: M(
    'Gradient variance (trace)',
    'squared gradient units',
    'Sum of the per-parameter variances of the stochastic gradient at the last checkpoint.',
  ),
  grad_variance_ratio: M(
    'Score ÷ pathwise variance',
    'ratio',
    'Gradient variance of the score-function estimator over that of the pathwise one on the same draws.',
  ),
  psis_samples: M('PSIS draws', 'draws', 'Draws from q behind the PSIS k̂ and the effective sample size.'),
  // VAE
  elbo: M('ELBO', 'nats per row', 'Evidence lower bound of a minibatch at each step (β = 1).', 'ELBO'),
  train_elbo: M('Train ELBO', 'nats per row', 'ELBO over the whole training split at the end of an epoch.'),
  val_elbo: M('Validation ELBO', 'nats per row', 'ELBO over the validation split at the end of an epoch.', 'Val ELBO'),
  eval_rows: M('Evaluation rows', 'rows', 'Rows the final evaluation (eval ELBO, log-likelihood, gap, k̂) used.'),
  eval_elbo: M(
    'Eval ELBO',
    'nats per row',
    'ELBO on the evaluation rows at the end of training, averaged over K draws per row.',
  ),
  loglik: M(
    'IS log-likelihood',
    'nats per row',
    'Importance-sampled log p(x) on the evaluation rows with K draws per row (Burda et al. 2015).',
    'IS log-lik',
  ),
  loglik_k: M('Importance samples K', 'draws per row', 'Draws per row behind the IS log-likelihood.', 'K'),
  gap: M(
    'Bound gap',
    'nats per row',
    'IS log-likelihood minus eval ELBO: how loose the ELBO is (the KL from q to the true posterior).',
  ),
  khat_median: M(
    'Median PSIS k̂',
    '',
    'Median Pareto k̂ of the per-row importance weights; above 0.7 the log-likelihood estimate is unreliable.',
  ),
  khat_share_07: M(
    'Rows with k̂ > 0.7',
    'share of rows',
    'Share of evaluation rows whose importance weights are too heavy-tailed to trust.',
  ),
  kl: M('KL to the prior', 'nats per row', 'KL(q(z|x) ‖ p(z)) summed over latent dimensions, mean over rows.'),
  kl_trace: M(
    'KL per epoch',
    'nats per row',
    'KL(q(z|x) ‖ p(z)) summed over latent dimensions on up to 512 validation rows after each epoch.',
  ),
  active_units: M(
    'Active latent units',
    'dimensions',
    'Latent dimensions whose posterior mean varies with x (variance over rows > 0.01, Burda et al. 2015).',
  ),
  amortisation_gap: M(
    'Amortisation gap',
    'nats per row',
    'ELBO gained by optimising q per row instead of using the encoder (Cremer et al. 2018).',
  ),
  test_rows: M('Test rows', 'rows', 'Rows of the separate test file that were scored.'),
  test_elbo: M('Test ELBO', 'nats per row', 'ELBO on the separate test file.'),
  test_loglik: M('Test IS log-likelihood', 'nats per row', 'Importance-sampled log p(x) on the separate test file.'),
  test_kl: M('Test KL to the prior', 'nats per row', 'KL(q(z|x) ‖ p(z)) on the separate test file.'),
  test_active_units: M('Test active units', 'dimensions', 'Active latent units measured on the test file.'),
  // GLM
  final_elbo: M('Final ELBO', 'nats', 'ELBO of the posterior over the coefficients at the last step.', 'ELBO'),
  psis_khat: M(
    'PSIS k̂',
    '',
    'Pareto k̂ of the importance weights p/q over the coefficients; above 0.7 q misses the posterior.',
  ),
  ess: M('Effective sample size', 'draws', 'Effective number of importance draws behind the evidence estimate.'),
  log_evidence: M('Log evidence', 'nats', 'Importance-sampled log p(y | X) with q as the proposal.'),
  skipped_steps: M('Skipped steps', '', 'Steps discarded because the loss or gradient was not finite.'),
  heldout_loglik: M(
    'Held-out log predictive density',
    'nats per row',
    'Log predictive density of the held-out rows under the fitted posterior, mean per row in the target’s units.',
  ),
  heldout_loglik_se: M('Held-out log predictive density SE', 'nats per row', 'Standard error of that mean over rows.'),
  heldout_rows: M(
    'Held-out rows',
    'rows',
    'Rows held out of the fit and scored by the held-out log predictive density.',
  ),
  // LDA
  passes: M('Passes', '', 'Passes over the training documents actually run.'),
  perplexity: M(
    'Held-out perplexity',
    'per word',
    'exp(−log-likelihood per word) of held-out documents by document completion (Wallach et al. 2009).',
    'Perplexity',
  ),
  best_perplexity: M('Best held-out perplexity', 'per word', 'The lowest held-out perplexity over the passes.'),
  perplexity_bound: M(
    'Held-out perplexity (bound)',
    'per word',
    'Perplexity from the variational bound on held-out documents (an upper bound on the true perplexity).',
    'Perplexity (bound)',
  ),
  npmi: M(
    'Topic coherence (NPMI)',
    'from −1 to 1',
    'Mean normalised pointwise mutual information of each topic’s top words in the training documents.',
    'NPMI',
  ),
  umass: M(
    'Topic coherence (UMass)',
    'log ratio',
    'Mean UMass coherence of each topic’s top words (Mimno et al. 2011); closer to 0 is more coherent.',
    'UMass',
  ),
  documents: M('Documents', '', 'Training documents with at least one word in the vocabulary.'),
  empty_documents: M('Empty documents', '', 'Documents left with no word after tokenising and the vocabulary limits.'),
  tokens: M('Tokens', 'words', 'Word occurrences in the training documents after preparation.'),
  vocabulary: M('Vocabulary', 'words', 'Distinct words kept after stop words and the frequency limits.'),
  seconds_per_pass: M('Time per pass', 'seconds', 'Mean wall-clock time of one pass over the documents.'),
  pass_seconds: M('Time of the pass', 'seconds', 'Wall-clock time of this pass.'),
  heldout_documents: M('Held-out documents', '', 'Documents held out for perplexity.'),
  heldout_scored_documents: M(
    'Held-out documents scored',
    '',
    'Held-out documents long enough to split into an observed half and a scored half.',
  ),
  heldout_tokens: M('Held-out tokens', 'words', 'Word occurrences in the held-out documents.'),
  // BNN
  loss: M('Loss', 'nats per row', 'Negative ELBO of a minibatch per training row (first split).'),
  epoch_loss: M('Epoch loss', 'nats per row', 'Negative ELBO per training row over an epoch (first split).'),
  val_loglik: M(
    'Validation log-likelihood',
    'nats per row',
    'Mean log predictive density of the validation rows (standardised target), used for early stopping.',
  ),
  noise_sd: M('Learned noise sd', 'target units', 'The observation noise σ learned so far, in the target’s units.'),
  splits: M('Splits', '', 'Random train/test splits fitted; metrics are the mean over them (± their SE).'),
  seconds_per_split: M('Time per split', 'seconds', 'Mean wall-clock time to fit and score one split.'),
  n: M('Test rows', 'rows', 'Test rows the predictive metrics were computed on.'),
  rmse: M('Test RMSE', 'target units', 'Root mean squared error of the predictive mean on the test rows.'),
  logLik: M(
    'Test log-likelihood',
    'nats per row',
    'Mean log predictive density of the test rows, in the target’s units.',
    'Test LL',
  ),
  coverage50: M(
    'Coverage of 50 % intervals',
    'share of test rows',
    'Share of test rows inside their central 50 % interval (or prediction set).',
  ),
  coverage90: M(
    'Coverage of 90 % intervals',
    'share of test rows',
    'Share of test rows inside their central 90 % interval (or prediction set).',
  ),
  coverage95: M(
    'Coverage of 95 % intervals',
    'share of test rows',
    'Share of test rows inside their central 95 % interval (or prediction set).',
  ),
  meanSd: M(
    'Mean predictive sd',
    'target units',
    'Mean predictive standard deviation on the test rows (noise + weights).',
  ),
  meanEpistemicSd: M(
    'Mean epistemic sd',
    'target units',
    'The part of the predictive sd due to uncertainty in the weights, mean over test rows.',
  ),
  accuracy: M(
    'Test accuracy',
    'share of test rows',
    'Share of test rows whose most probable class is right.',
    'Accuracy',
  ),
  brier: M('Brier score', '', 'Mean squared error of the class probabilities on the test rows.'),
  ece: M(
    'Calibration error (ECE)',
    'share',
    'Expected calibration error: gap between confidence and accuracy, 15 bins.',
  ),
};

/** Where one name means something else in one model (LDA's and the GLM's ELBO are totals, not per row). */
const MODEL_METRICS: Partial<Record<Model, Record<string, MetricInfo>>> = {
  lda: {
    elbo: M('ELBO', 'nats', 'Evidence lower bound of the whole training corpus after each pass.'),
  },
  glm: {
    elbo: M('ELBO', 'nats', 'ELBO of the posterior over the coefficients at each step.'),
  },
};

/** Catalogue entry of a metric, or null when it has none (then `metricLabel` falls back to the raw name). */
export function metricInfo(name: string, model?: Model): MetricInfo | null {
  const own = model ? MODEL_METRICS[model]?.[name] : undefined;
  if (own) return own;
  const known = METRICS[name];
  if (known) return known;
  // A standard error of a known metric: "SE of Eval ELBO".
  if (name.endsWith('_se')) {
    const base = metricInfo(name.slice(0, -3), model);
    if (base)
      return M(
        `SE of ${base.label}`,
        base.unit,
        `One standard error of ${base.label.toLowerCase()} (over the rows or splits it averages).`,
      );
  }
  // A ladder VAE's per-layer figures: kl_layer2, active_units_layer1.
  const layer = /^(.*)_layer(\d+)$/.exec(name);
  if (layer) {
    const base = metricInfo(layer[1]!, model);
    if (base) return M(`${base.label}, layer ${layer[2]}`, base.unit, `${base.help} Of stochastic layer ${layer[2]}.`);
  }
  // A BNN metric per split, as its series: split_rmse.
  if (name.startsWith('split_')) {
    const base = metricInfo(name.slice(6), model);
    if (base) return M(`${base.label} per split`, base.unit, `${base.help} One value per split.`);
  }
  return null;
}

function humanise(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The label to show for a metric (its raw name, made readable, when the catalogue has none). */
export function metricLabel(name: string, model?: Model): string {
  return metricInfo(name, model)?.label ?? humanise(name);
}

/** A short label for narrow columns. */
export function metricShortLabel(name: string, model?: Model): string {
  const m = metricInfo(name, model);
  return m?.short ?? m?.label ?? humanise(name);
}

/** Which way is better, in words ('' when neither way is). */
export function directionText(name: string): string {
  const level = coverageLevel(name);
  if (level !== null) return `best closest to ${Math.round(level * 100)} %`;
  const d = metricDirection(name);
  return d > 0 ? 'higher is better' : d < 0 ? 'lower is better' : '';
}

/** The hover text: the help line, then the unit and which way is better. "Held-out … (per word; lower is better)". */
export function metricHelp(name: string, model?: Model): string {
  const m = metricInfo(name, model);
  const tail = [m?.unit ?? '', directionText(name)].filter((s) => s !== '').join('; ');
  const body = m?.help ?? `Reported by the run as "${name}".`;
  return tail ? `${body} (${tail})` : body;
}

export interface SettingInfo {
  label: string;
  help: string;
}

const S = (label: string, help: string): SettingInfo => ({ label, help });

/** Run settings by spec field path (arrays are one setting: hidden = [128, 64]). */
const SETTINGS: Record<string, SettingInfo> = {
  model: S('Model', 'The kind of model fitted: VAE, Bayesian GLM, LDA topic model or Bayesian neural network.'),
  seed: S('Seed', 'Seeds every random draw; the same spec and seed reproduce the run.'),
  features: S('Feature columns', 'Columns the model uses as inputs; empty = every column whose role is feature.'),
  target: S('Target column', 'The column the model predicts.'),
  // Posterior family
  'family.kind': S(
    'Posterior family',
    'The shape of q: mean-field, full-rank or low-rank Gaussian, a flow, or SVGD particles.',
  ),
  'family.rank': S('Low-rank factors', 'Rank of the covariance factor of a low-rank Gaussian q.'),
  'family.length': S('Flow length K', 'Number of flow layers applied to the base Gaussian.'),
  'family.hidden': S('Flow network width', 'Hidden units of each autoregressive (IAF) or coupling network.'),
  'family.particles': S('SVGD particles', 'Number of particles that represent the posterior.'),
  'family.kernel': S('SVGD kernel', 'Kernel between particles: RBF (median bandwidth) or inverse multiquadric.'),
  // Objective
  'objective.kind': S('Objective', 'The bound maximised: ELBO, importance-weighted (IWAE) or Rényi-α.'),
  'objective.samples': S('Draws per row', 'Monte Carlo draws of z (or of the weights) per row and step for the ELBO.'),
  'objective.k': S('Importance samples K', 'Draws per row of the IWAE or Rényi bound; larger K = tighter bound.'),
  'objective.alpha': S('Rényi α', 'Order of the Rényi divergence: α → 1 is the ELBO, α = 0 the IWAE bound.'),
  // Training aids
  'training.beta': S(
    'KL weight β',
    'Weight on the KL term; 1 is the true ELBO, other values trade fit for compression.',
  ),
  'training.anneal.kind': S('KL annealing', 'Ramp β up from 0: none, linear warm-up or cyclical.'),
  'training.anneal.epochs': S('Annealing epochs', 'Epochs of the warm-up (linear) or of one cycle (cyclical).'),
  'training.anneal.ratio': S('Annealing ramp share', 'Share of each cycle over which β rises (cyclical annealing).'),
  'training.freeBits': S(
    'Free bits λ',
    'The KL of each latent dimension is not pushed below λ nats (fights collapse).',
  ),
  'training.estimator': S('Gradient estimator', 'Pathwise (reparameterised) or score function with a baseline.'),
  'training.kl': S(
    'KL term',
    'Closed form where the family allows it (auto, analytic) or a Monte Carlo estimate (mc).',
  ),
  'training.convergence.stopWhenConverged': S(
    'Stop when converged',
    'End the run once the smoothed bound has converged (ADVI’s relative-change rule).',
  ),
  'training.convergence.tolerance': S(
    'Convergence tolerance',
    'The bound has converged when its relative change over the window falls below this.',
  ),
  'training.convergence.window': S('Convergence window', 'Checkpoints the relative change is measured over.'),
  // Optimiser
  'optimiser.kind': S('Optimiser', 'Adam or SGD with momentum.'),
  'optimiser.learningRate': S('Learning rate', 'Step size of the optimiser (before any schedule).'),
  'optimiser.clipNorm': S('Gradient clipping', 'Rescale the gradient when its global norm exceeds this.'),
  'optimiser.momentum': S('Momentum', 'SGD momentum coefficient.'),
  'optimiser.schedule.kind': S('Learning-rate schedule', 'Constant, Robbins–Monro decay or cosine.'),
  'optimiser.schedule.tau0': S('Schedule delay τ₀', 'Robbins–Monro step sizes ρ_t = lr · (τ₀ + t)^−κ.'),
  'optimiser.schedule.kappa': S('Schedule decay κ', 'Robbins–Monro decay exponent κ ∈ (0.5, 1].'),
  // VAE
  latentDim: S(
    'Latent dimensions',
    'Size of z (or the number of categorical latent variables); a list "16,4" is a ladder VAE, layer next to the data first.',
  ),
  architecture: S('Network', 'mlp: dense layers; conv: convolutional encoder and decoder for image-shaped data.'),
  convChannels: S(
    'Conv channels',
    'Channels of each stride-2 4×4 convolution of the conv encoder (mirrored in the decoder).',
  ),
  imageShape: S(
    'Image shape',
    'Height × width × channels of each row read as an image (else inferred from a square count).',
  ),
  'imageShape.height': S('Image height', 'Pixels per column of each row read as an image.'),
  'imageShape.width': S('Image width', 'Pixels per row of each row read as an image.'),
  'imageShape.channels': S('Image channels', 'Channels per pixel of each row read as an image.'),
  'decoder.kind': S(
    'Decoder',
    'autoregressive: each feature also sees the earlier features (strong enough to ignore z: the collapse lab).',
  ),
  'decoder.window': S(
    'Decoder window',
    'How many earlier features an autoregressive decoder sees (a limited receptive field).',
  ),
  validation: S(
    'Held-out share',
    'Share of the rows held out of the fit and scored by the held-out log predictive density.',
  ),
  noiseSigma: S(
    'Known noise sd',
    'Fixes the noise sd (target units): the model is then conjugate and the reference exact.',
  ),
  referenceLevels: S(
    'Reference levels',
    'The level of each categorical predictor its dummy columns are measured against.',
  ),
  hidden: S('Hidden layers', 'Width of each hidden layer of the networks.'),
  activation: S('Activation', 'Non-linearity between hidden layers.'),
  likelihood: S('Likelihood', 'p(x|z): Bernoulli for [0, 1] data, Gaussian, or mixed (Gaussian + categorical).'),
  scale: S('Pixel scale', 'Values are divided by this before a Bernoulli likelihood; 0 = the data maximum.'),
  epochs: S('Epochs', 'Passes over the training rows.'),
  batchSize: S('Batch size', 'Rows (LDA: documents) per optimiser step.'),
  validationFraction: S(
    'Validation share',
    'Share of the rows held out to measure the validation ELBO / log-likelihood.',
  ),
  gaussianVariance: S('Gaussian variance', 'Learned per feature, or fixed at the noise variance below.'),
  noiseVariance: S('Fixed noise variance', 'Variance of the Gaussian likelihood on standardised features.'),
  latentType: S('Latent type', 'Gaussian latents, or categorical latents relaxed by Gumbel-softmax.'),
  categories: S('Categories per latent', 'Categories of each categorical latent variable.'),
  'temperature.initial': S('Initial temperature', 'Gumbel-softmax temperature at step 0.'),
  'temperature.min': S('Minimum temperature', 'The temperature never falls below this.'),
  'temperature.rate': S('Temperature decay', 'τ_t = max(min, initial · e^(−rate·t)).'),
  patience: S('Early-stopping patience', 'Epochs without a better validation score before stopping (0 = off).'),
  threads: S('Threads', 'Threads computing each step’s gradient on shards of the minibatch.'),
  testDatasetId: S('Test file', 'A separate dataset scored with the fitted model at the end.'),
  'evaluation.k': S('Evaluation K', 'Importance samples per row for the final log-likelihood.'),
  'evaluation.rows': S('Evaluation rows', 'Most rows the final evaluation uses (0 = all).'),
  'evaluation.amortisationGap': S(
    'Measure amortisation gap',
    'Refine q per row to measure how much the encoder loses.',
  ),
  'evaluation.gapRows': S('Gap rows', 'Rows refined to measure the amortisation gap.'),
  'evaluation.gapSteps': S('Gap steps', 'Optimiser steps per refined row.'),
  // GLM
  kind: S('Regression kind', 'Linear for a numeric target, logistic for a binary one (auto chooses).'),
  steps: S('Steps', 'Full-batch optimiser steps.'),
  priorScale: S('Prior sd', 'Prior standard deviation of every coefficient.'),
  standardize: S('Standardise predictors', 'Centre and scale predictors (and a linear target) before fitting.'),
  // LDA
  textColumn: S('Text column', 'The column whose texts become documents.'),
  'prep.language': S('Stop-word language', 'Language of the stop-word list (none = keep every word).'),
  'prep.extraStopWords': S('Extra stop words', 'Words removed in addition to the language’s list.'),
  'prep.minTokenLength': S('Shortest word', 'Words with fewer letters are dropped.'),
  'prep.minDf': S('Minimum document frequency', 'Words in fewer documents are dropped (a share when < 1).'),
  'prep.maxDf': S('Maximum document frequency', 'Words in more documents are dropped (a share when ≤ 1).'),
  'prep.maxVocab': S('Largest vocabulary', 'Keep at most this many of the most frequent words.'),
  'prep.bigrams': S('Bigrams', 'Add frequent two-word phrases to the vocabulary.'),
  topics: S('Topics K', 'Number of topics.'),
  method: S('Method', 'Online stochastic variational inference or batch variational EM.'),
  alpha: S('Document–topic prior α', 'Dirichlet prior on each document’s topic mix.'),
  eta: S('Topic–word prior η', 'Dirichlet prior on each topic’s words; larger = smoother topics.'),
  tau0: S('Delay τ₀', 'Online step sizes ρ_t = (τ₀ + t)^−κ: larger τ₀ damps the first updates.'),
  kappa: S('Decay κ', 'How fast online step sizes fall, κ ∈ [0.5, 1].'),
  passes: S('Passes', 'Passes over the training documents.'),
  maxEStepIter: S('E-step iterations', 'Most iterations of each document’s local update.'),
  eStepTol: S('E-step tolerance', 'A document’s local update stops when its topic mix changes less than this.'),
  optimizeAlpha: S('Learn α', 'Fit α by empirical Bayes between passes.'),
  optimizeEta: S('Learn η', 'Fit η by empirical Bayes between passes.'),
  heldoutFraction: S('Held-out share', 'Share of documents held out for perplexity.'),
  heldoutDatasetId: S('Held-out file', 'A separate dataset scored for held-out perplexity.'),
  // BNN
  task: S('Task', 'Regression for a numeric target, classification for a categorical one (auto chooses).'),
  flowMaxWeights: S(
    'Flow over all weights up to',
    'A flow covers every weight of networks this small, else the last layer.',
  ),
  'prior.kind': S('Weight prior', 'Gaussian or a scale mixture of two Gaussians (Blundell et al. 2015).'),
  'prior.scale': S('Prior sd', 'Standard deviation of the Gaussian prior on every weight.'),
  'prior.pi': S('Mixture weight π', 'Weight of the wide component of the scale-mixture prior.'),
  'prior.scale1': S('Wide prior sd σ₁', 'Standard deviation of the wide mixture component.'),
  'prior.scale2': S('Narrow prior sd σ₂', 'Standard deviation of the narrow mixture component.'),
  noise: S('Noise model', 'Regression noise: one learned σ, σ(x) from a second output, or fixed.'),
  noiseScale: S('Noise sd', 'Noise sd in the target’s units: the fixed value, or where a learned σ starts.'),
  splits: S('Splits', 'Random train/test splits fitted; test metrics are the mean over them.'),
  testFraction: S('Test share', 'Share of rows held out as the test split.'),
  predictiveSamples: S('Predictive draws', 'Weight draws S for the posterior predictive.'),
  initScale: S('Initial weight sd', 'Initial standard deviation of the weight posteriors.'),
  maxLevels: S('Most categorical levels', 'A categorical feature with more levels is refused.'),
};

/** The catalogue entry of a setting (spec field path), or null. */
export function settingInfo(path: string): SettingInfo | null {
  return SETTINGS[path] ?? null;
}

/** The label of a setting; the path itself when the catalogue has none. */
export function settingLabel(path: string): string {
  return SETTINGS[path]?.label ?? path;
}

/** Every metric name and setting path the catalogue knows (for tests). */
export const CATALOGUED = { metrics: Object.keys(METRICS), settings: Object.keys(SETTINGS) };
