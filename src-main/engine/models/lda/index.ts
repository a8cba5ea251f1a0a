/**
 * Latent Dirichlet allocation by mean-field variational inference: batch variational EM (Blei, Ng & Jordan 2003)
 * and online stochastic variational inference (Hoffman, Blei & Bach 2010), on typed arrays with the E-step spread
 * over worker threads. See fit.ts (algorithms), kernel.ts (loops), measures.ts (ELBO, perplexities, coherence).
 */
export { type LdaSpec, type LdaSpecInput, LdaSpecSchema, parseLdaSpec, initialAlpha } from './spec';
export type { LdaModel } from './model';
export {
  fitLda,
  topicWordMatrix,
  type FitLdaOptions,
  type LdaFit,
  type LdaPassRecord,
  type LdaProgress,
  COMPLETION_MAX_ITER,
  COMPLETION_TOL,
} from './fit';
export {
  inferTopics,
  inferTopicsParallel,
  inferTopicChunks,
  type ThetaChunk,
  completionPerplexity,
  expElogBetaT,
  type InferOptions,
} from './infer';
export {
  escapeCsvCell,
  topicWordCsv,
  vocabularyCsv,
  docTopicCsv,
  docTopicHeader,
  docTopicRows,
  topicWordLines,
  vocabularyLines,
  writeCsvFile,
  type DocTopicOptions,
  modelToJSON,
  modelFromJSON,
  LDA_MODEL_FORMAT,
  type LdaModelJson,
} from './export';
export { type Coherence, topicCoherence, topIndices, perplexity, topicTerm, newtonAlpha, newtonEta } from './measures';
export { matchTopics, hungarian, cosineRows } from './match';
export { emptyFlags, completionSplit } from './corpus';
export { ldaKernelPath, setLdaKernel } from './kernel';
export { digamma, trigamma, lgamma, logsumexp } from './special';
export { defaultLdaWorkerFactory, type LdaWorkerFactory, type LdaWorkerLike } from './executor';
export {
  exportLdaBundle,
  loadLdaBundle,
  inferLdaTexts,
  LDA_BUNDLE_FORMAT,
  LDA_BUNDLE_VERSION,
  type LdaBundleManifest,
  type LdaBundleMeta,
  type LdaBundlePreparation,
  type LoadedLdaBundle,
} from './bundle';
export {
  topicPrevalence,
  topicSummaries,
  expectedLogBeta,
  expectedLogTheta,
  wordTopic,
  isEmptyDoc,
  dominantTopic,
  meanTopicProportions,
  prevalenceByCategory,
  CategoryPrevalence,
  type TopicSummary,
} from './summary';
