/**
 * Text preparation for topic models: tokenising a text column into a stored sparse document-term corpus.
 * See prepare.ts (rules and report) and corpus.ts (the corpus on disk; the CSR form itself is the engine's,
 * engine/models/lda/corpus.ts, re-exported here for the app's callers).
 */
export {
  type Corpus,
  numDocs,
  numTokens,
  docLength,
  corpusFromBags,
  corpusFromSequences,
  subsetCorpus,
  completionSplit,
  sharedCorpus,
} from '../engine/models/lda/corpus';
export { CORPUS_FORMAT, CORPUS_VERSION, validateCorpus, saveCorpus, loadCorpus, loadCorpusRows } from './corpus';
export {
  type TextPrepOptions,
  type TextPrepReport,
  type TextPrepProgress,
  DEFAULT_TEXT_PREP,
  TextPrepError,
  tokenize,
  prepareCorpus,
  prepareCorpusToDir,
  prepareReport,
} from './prepare';
export { stopWordsFor, stopWordLanguages } from './stopwords';
