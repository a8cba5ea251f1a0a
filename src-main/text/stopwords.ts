/**
 * Stop-word lists from the maintained `stopword` npm package (v3.1.5, MIT; 62 languages keyed by ISO 639-3).
 *
 * Chosen over `stopwords-iso` because its lists are curated function words (English: 108 words) whereas
 * stopwords-iso's English list has 1,298 entries that include content words ("information", "research" …), which
 * would silently remove topics. Users add domain words through `extraStopWords`.
 *
 * The package's English list lacks negations, contractions and many closed-class words ("not", "when", "will",
 * "just", "don't"), which then dominate topics of short English texts (issue 18: a fortunes topic read "when, not,
 * one, don, will"). ENGLISH_SUPPLEMENT adds them: function words only (pronouns, determiners, prepositions,
 * conjunctions, auxiliaries and modals, negations, adverbs of degree and time) and the contracted forms the
 * English tokenizer keeps whole (prepare.ts).
 */
import { createRequire } from 'node:module';

// Loaded through require: the package is CommonJS without types, and a default import differs between tsx, vitest
// and bundlers. Each language's list is exported under its ISO 639-3 code (eng, deu, fra, porBr …).
const stopword = createRequire(__filename)('stopword') as Readonly<Record<string, unknown>>;

/** ISO 639-1 (and a few regional) codes → the package's export names. */
const ISO1_TO_PACKAGE: Readonly<Record<string, string>> = {
  af: 'afr',
  ar: 'ara',
  bn: 'ben',
  br: 'bre',
  bg: 'bul',
  ca: 'cat',
  cs: 'ces',
  da: 'dan',
  de: 'deu',
  el: 'ell',
  en: 'eng',
  eo: 'epo',
  et: 'est',
  eu: 'eus',
  fa: 'fas',
  fi: 'fin',
  fr: 'fra',
  ga: 'gle',
  gl: 'glg',
  gu: 'guj',
  ha: 'hau',
  he: 'heb',
  hi: 'hin',
  hr: 'hrv',
  hu: 'hun',
  hy: 'hye',
  id: 'ind',
  it: 'ita',
  ja: 'jpn',
  ko: 'kor',
  ku: 'kur',
  la: 'lat',
  lv: 'lav',
  lt: 'lit',
  mr: 'mar',
  ms: 'msa',
  my: 'mya',
  nl: 'nld',
  nb: 'nob',
  no: 'nob',
  pa: 'panGu',
  pl: 'pol',
  pt: 'por',
  'pt-br': 'porBr',
  ro: 'ron',
  ru: 'rus',
  sk: 'slk',
  sl: 'slv',
  so: 'som',
  st: 'sot',
  es: 'spa',
  sw: 'swa',
  sv: 'swe',
  tl: 'tgl',
  th: 'tha',
  tr: 'tur',
  uk: 'ukr',
  ur: 'urd',
  vi: 'vie',
  yo: 'yor',
  zh: 'zho',
  zu: 'zul',
};

const CONTRACTED = ["n't", "'re", "'ve", "'ll", "'d", "'m"];
const ENGLISH_SUPPLEMENT: readonly string[] = [
  // negations
  'not',
  'no',
  'nor',
  'none',
  'nothing',
  'nobody',
  'neither',
  'cannot',
  // pronouns and determiners
  'she',
  'its',
  'itself',
  'myself',
  'yourself',
  'yourselves',
  'herself',
  'ourselves',
  'themselves',
  'us',
  'whom',
  'whose',
  'hers',
  'ours',
  'yours',
  'theirs',
  'mine',
  'every',
  'few',
  'several',
  'either',
  'something',
  'anything',
  'everything',
  'someone',
  'anyone',
  'everyone',
  'somebody',
  'anybody',
  'everybody',
  'one',
  'ones',
  'own',
  'else',
  // prepositions and conjunctions
  'above',
  'across',
  'against',
  'along',
  'among',
  'around',
  'behind',
  'below',
  'beside',
  'besides',
  'beyond',
  'down',
  'during',
  'except',
  'inside',
  'near',
  'off',
  'onto',
  'outside',
  'per',
  'though',
  'although',
  'throughout',
  'till',
  'toward',
  'towards',
  'until',
  'upon',
  'via',
  'within',
  'without',
  'whether',
  'unless',
  'whereas',
  'whenever',
  'wherever',
  'however',
  'yet',
  'so',
  'why',
  'when',
  'once',
  // auxiliaries and modals
  'will',
  'shall',
  'may',
  'does',
  'doing',
  'done',
  'having',
  'ought',
  'let',
  'gets',
  'getting',
  // adverbs of degree, time and place
  'again',
  'almost',
  'already',
  'always',
  'ever',
  'even',
  'just',
  'least',
  'less',
  'maybe',
  'often',
  'perhaps',
  'quite',
  'rather',
  'really',
  'sometimes',
  'soon',
  'thus',
  'together',
  'enough',
  'instead',
  'later',
  'anyway',
  'anyhow',
  'yes',
  'oh',
  // contracted forms (the English tokenizer keeps "don't" whole); ' and ’ both normalise to '
  ...[
    'do',
    'does',
    'did',
    'is',
    'are',
    'was',
    'were',
    'has',
    'have',
    'had',
    'would',
    'could',
    'should',
    'wo',
    'ca',
    'ai',
    'need',
    'must',
    'might',
    'sha',
  ].map((w) => `${w}n't`),
  ...[
    'i',
    'you',
    'we',
    'they',
    'he',
    'she',
    'it',
    'that',
    'there',
    'who',
    'what',
    'where',
    'here',
    'how',
    'let',
  ].flatMap((w) => CONTRACTED.slice(1).map((c) => `${w}${c}`)),
  "can't",
  "won't",
  "y'all",
  "o'clock",
  "ma'am",
];

/** Languages accepted by `stopWordsFor`: ISO 639-1 codes, the package's ISO 639-3 names, and 'none'. */
export function stopWordLanguages(): string[] {
  return ['none', ...Object.keys(ISO1_TO_PACKAGE)];
}

/**
 * The stop-word set for a language ('en', 'de', 'eng', 'pt-BR' … or 'none'), lower-cased and NFKC-normalised,
 * plus the user's extra words. Throws a RangeError naming the accepted codes for an unknown language.
 */
export function stopWordsFor(language: string, extra: readonly string[] = []): Set<string> {
  const out = new Set<string>();
  const lang = language.trim();
  if (lang.toLowerCase() !== 'none' && lang !== '') {
    const name = ISO1_TO_PACKAGE[lang.toLowerCase()] ?? lang;
    const list = stopword[name];
    if (!Array.isArray(list) || name === 'removeStopwords') {
      throw new RangeError(
        `Unknown stop-word language "${language}"; use one of ${stopWordLanguages().join(', ')} (ISO 639-1 codes)`,
      );
    }
    for (const w of list) if (typeof w === 'string') out.add(w.normalize('NFKC').toLowerCase());
    if (name === 'eng') for (const w of ENGLISH_SUPPLEMENT) out.add(w);
  }
  for (const w of extra) {
    const t = w.normalize('NFKC').trim().toLowerCase();
    if (t) out.add(t);
  }
  return out;
}
