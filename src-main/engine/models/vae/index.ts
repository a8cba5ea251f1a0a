/**
 * The VAE workbench (Kingma & Welling 2014): any engine posterior family in amortised form (mean-field,
 * full-rank, low-rank, planar / radial / IAF / coupling flows with parameters from the encoder; Rezende & Mohamed
 * 2015; Kingma et al. 2016) or categorical Gumbel-softmax latents (Jang et al. 2016); objectives ELBO, IWAE-K
 * (Burda et al. 2015), Rényi-α (Li & Turner 2016); reparameterised or score-function gradients; β, KL annealing,
 * free bits; Bernoulli, Gaussian (learned or fixed variance) and mixed tabular likelihoods.
 *
 * Modules: prepare (data → likelihood), network (MLPs with fast gradients), posterior (amortised q), model
 * (log-weights, snapshots), validate (spec checks), train (the loop), evaluate (IS log-likelihood, KL per
 * dimension, active units, collapse, amortisation gap), views (latent map, interpolation, manifold, one row's
 * posterior), bundle (export / load in the TensorFlow.js layers format).
 */
export { prepareVaeData, columnsOf, toOriginalUnits } from './prepare';
export type {
  VaeData,
  ColumnRange,
  PreparedVaeData,
  VaeLikelihood,
  VaeTransform,
  VaeColumn,
  PreparedColumn,
} from './prepare';
export {
  gaussianKlStdNormal,
  bernoulliLogLik,
  bernoulliLogLikReference,
  gaussianLogLik,
  mixedLogLik,
  mixedMean,
  reparameterise,
  LOG_2PI,
} from './losses';
export { glorotUniform, MIN_NOISE_LOGVAR, setFastDenseGradients } from './network';
export type { ParamRecord, Activation } from './network';
export { VaeModel, openVae, withVae, VAE_SNAPSHOT_FORMAT } from './model';
export type { VaeConfig, VaeSnapshot } from './model';
export { GaussianPosterior, GumbelPosterior, gumbelTemperature } from './posterior';
export { vaeSpecProblems, checkVaeSpec, checkVaeSpecSupported } from './validate';
export type { VaeSpecProblem } from './validate';
export {
  trainVae,
  splitRows,
  vaeConfig,
  annealSchedule,
  vaeTrainingAids,
  vaeOptimiser,
  stepLoss,
  meanElbo,
  meanElboRows,
  reconstructRows,
  rowsTensor,
  VAE_DIGITS_PRESET,
  MAX_NONFINITE_STREAK,
  EVAL_MAX_ROWS,
} from './train';
export type { VaeCallbacks, VaeResult, VaeStepInfo, StepContext } from './train';
export { evaluateVae, evaluateModel, latentStats, amortisationGapOf, collapseVerdict, MAX_EVAL_K } from './evaluate';
export type { VaeEvaluation, VaeEvalOptions, VaeEvalProgress } from './evaluate';
export {
  latentMap,
  interpolate,
  manifoldGrid,
  posteriorDensity,
  pca,
  slerp,
  lerp,
  decodeMeans,
  normalQuantile,
  kde2,
} from './views';
export type { LatentMap, Interpolation, ManifoldGrid, PosteriorDensity, PcaResult, ModelLike } from './views';
export { normaliseGridDensity } from './density';
export {
  exportVaeBundle,
  loadVaeBundle,
  applyTransform,
  prepareWithSnapshot,
  insideBundle,
  vaeColumnSchema,
  VAE_BUNDLE_FORMAT,
  VAE_BUNDLE_VERSION,
} from './bundle';
export type { VaeBundleManifest, VaeBundleMeta, VaeBundleParts, LoadedVaeBundle } from './bundle';
export { scoreVae } from './score';
export type { VaeScores } from './score';
