/**
 * The headless CLI on the same engine, job runner and database as the app.
 *   elbo-studio fit --data FILE.csv --model vae [options]   import the CSV, train, print progress and a JSON summary
 *   elbo-studio runs [--project NAME]                        list runs as JSON lines
 * Run `elbo-studio --help` for every option.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDispatcher, createHandlers } from './api/dispatcher';
import { createServices, resolveDataDir, type Services } from './api/services';
import { parseAnneal, parseFamily, parseObjective, parseSchedule } from '../src-shared/schemas/labels';
import { runSpecSchema, type RunSpec, type RunSpecInput } from '../src-shared/schemas/run-spec';
import type { ColumnRole, ColumnType, MissingPolicy, NumericImpute, RunSummary } from '../src-shared/domain/types';
import type { RunReference } from '../src-shared/domain/reference';
import type { RunVerdict, VerdictReason } from '../src-shared/domain/verdict';
import { defaultMissingPolicy, policyCounts, type MissingScan, type PolicyCounts } from '../src-shared/domain/missing';
import { validateRun, type DatasetInfo } from './jobs/adapters';
import { coefficientLabel } from '../src-shared/stats/coefficients';

const HELP = `ELBO Studio command line

Usage:
  elbo-studio fit --data FILE.csv [options]     import FILE.csv, fit a model, print progress and a JSON summary
  elbo-studio runs [--project NAME]             list runs (one JSON object per line)
  elbo-studio --help

Where data lives:
  --data-dir DIR        database and datasets (default: $ELBO_STUDIO_DATA or ~/.elbo-studio; the app's browser mode uses the same)
  --project NAME        project to record the run in (default "CLI"; created if missing)

Model (fit):
  --model vae|glm|lda   vae: variational autoencoder on the numeric columns (default)
                        glm: Bayesian linear (numeric target) or logistic (two-valued target) regression
                        lda: latent Dirichlet allocation topics of a text column
                        bnn: Bayesian neural network (regression or classification of --target)
  --splits N            bnn: random train/test splits (default 1; the benchmark protocol uses 20)
  --test-fraction F     bnn: share of rows in each test split (default 0.1)
  --text-column COL     lda: the column holding the documents
  --topics K            lda: number of topics (default 10)
  --method online|batch lda: online SVI (default; tau0 1024, kappa 0.5) or batch variational EM
  --passes N            lda: passes over the documents (default 10)
  --heldout-fraction F  lda: share of documents held out for perplexity (default 0.1)
  --language CODE       lda: stop-word language (default en; none for no stop words)
  --heldout FILE.csv    lda: score held-out perplexity on this file's documents (same text column); training uses
                        every row of --data
  --target COL          glm: the column to predict
  --kind auto|linear|logistic   glm likelihood (default auto: logistic for a two-valued target)
  --steps N             glm: optimisation steps (default 3000)
  --noise-sigma X       glm (linear): known noise sd in the target's units (default: learned); makes the
                        reference posterior exact
  --reference           glm: also compute the reference posterior (exact with --noise-sigma, else NUTS, 4 chains ×
                        1000 draws, cached per dataset and model) and print it with the run's error against it
  --features a,b,c      feature columns (default: every numeric column except --ignore and a label column)
  --ignore a,b          columns to leave out
  --missing POLICY      rows with a missing cell in a used column: drop, impute (median for numbers, most frequent
                        level otherwise; impute:mean for the mean) or keep (only lda can use cells left missing).
                        Default: drop while that loses at most 5 % of the rows, else impute (counted over the file)
  --missing-indicators  impute: add a 0/1 <column>_missing feature per column with missing cells
  --family NAME         posterior family: meanfield (default), fullrank, lowrank:R, planar:K, radial:K, iaf:K,
                        coupling:K (K = flow length 1–32), svgd:N[:rbf|imq] (glm only)
  --objective NAME      bound: elbo (default), elbo:S (S samples), iwae:K, renyi:ALPHA:K
  --latent N[,N…]       latent dimensions (default 2); a list is a ladder VAE, the layer next to the data first
                        (16,4: 16 dimensions next to the data, 4 at the top; Sønderby et al. 2016)
  --arch mlp|conv       vae: dense layers (default) or convolutions for image rows (784 columns → 28×28×1)
  --image HxWxC         vae --arch conv: the image shape when the column count is not a square (e.g. 32x32x3)
  --conv-channels N,N   vae --arch conv: filters per stride-2 convolution (default 32,64)
  --hidden N[,N…]       hidden layer widths (default 128 for vae, 50 for bnn)
  --activation relu|tanh|elu
  --likelihood auto|bernoulli|gaussian
  --epochs N            passes over the training rows (default 20)
  --batch N             minibatch size (default 64)
  --lr X                learning rate (default 0.001; glm 0.01)
  --optimiser adam|sgd  vae, glm, bnn: optimiser (default adam)
  --momentum M          sgd: momentum (default 0.9)
  --schedule NAME       learning-rate schedule: constant (default), cosine (to lr/100 over all steps),
                        robbins-monro:TAU0:KAPPA (lr·(TAU0 + t)^−KAPPA, KAPPA in (0.5, 1])
  --clip-norm X         clip gradients to this global norm
Training aids (vae, glm; a bnn uses --beta only; a model refuses an aid it does not use):
  --beta B              weight on the KL term (default 1)
  --anneal NAME         KL annealing of β: none (default), linear:EPOCHS, cyclical:EPOCHS[:RATIO] (glm: epochs = steps)
  --free-bits L         vae: free bits, nats per latent dimension (default 0)
  --estimator reparam|score   gradient estimator (default reparam)
  --kl auto|analytic|mc       KL term: closed form where the family allows (auto), forced, or Monte Carlo
  --convergence TOL[:WINDOW]  judge convergence by the relative change of the smoothed bound over WINDOW
                        checkpoints (default 0.01:5, as Stan's ADVI); every run reports converged / still improving
  --stop-when-converged end the run at the first checkpoint where it has converged (not svgd: it has no bound)
  --val F               validation fraction (default 0.1)
  --seed N              seed of every random draw (default 1)
  --eval-k K            vae: importance samples for the held-out log-likelihood (default 1000, at most 5000)
  --eval-rows N         vae: rows scored at the end (a seeded sample; default 2000, 0 = all)
  --threads N           vae: gradient threads, data-parallel over each minibatch (default 1; part of the spec, so
                        the same N reproduces a run; used on runs of ≥ 2·10⁷ rows × columns × epochs)
  --test FILE.csv       vae: also score this file (same feature columns) with the fitted model: test ELBO,
                        importance-sampled log-likelihood, KL and active units (test_* metrics)
  --export DIR          vae, lda, bnn: write the fitted model as a bundle into DIR (manifest.json with checksums,
                        the parameters; networks in TF.js layers format and ONNX; LDA: λ, vocabulary, CSV tables)
                        lda: write topic-word.csv, vocabulary.csv, doc-topic.csv and model.json into DIR
  --backend node|wasm|cpu   force a tfjs backend (default: the fastest that loads)

Output: progress lines on stderr; one JSON line on stdout at the end, with the run's "verdict" (ok, caution or
failed; null when not assessed) and its "reasons" (code, severity, message, remedy).
`;

type Opts = Map<string, string>;

function parseArgs(argv: string[]): { cmd: string; opts: Opts } {
  const [cmd = '', ...rest] = argv;
  const opts: Opts = new Map();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('--')) throw new Error(`Unexpected argument "${a}"; options start with --. See --help.`);
    const eq = a.indexOf('=');
    if (eq > 0) opts.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) opts.set(a.slice(2), 'true');
      else {
        opts.set(a.slice(2), next);
        i++;
      }
    }
  }
  return { cmd, opts };
}

const KNOWN_FIT = new Set([
  'data',
  'data-dir',
  'project',
  'model',
  'features',
  'ignore',
  'missing',
  'missing-indicators',
  'family',
  'objective',
  'latent',
  'arch',
  'image',
  'conv-channels',
  'hidden',
  'activation',
  'likelihood',
  'epochs',
  'batch',
  'lr',
  'val',
  'seed',
  'backend',
  'name',
  'target',
  'kind',
  'steps',
  'noise-sigma',
  'reference',
  'text-column',
  'topics',
  'method',
  'passes',
  'heldout-fraction',
  'language',
  'eval-k',
  'export',
  'splits',
  'test-fraction',
  'heldout',
  'test',
  'eval-rows',
  'threads',
  'optimiser',
  'momentum',
  'schedule',
  'clip-norm',
  'beta',
  'anneal',
  'free-bits',
  'estimator',
  'kl',
  'convergence',
  'stop-when-converged',
]);

/** --missing and --missing-indicators, or the default for these counts (drop only while it loses ≤ 5 % of rows). */
function missingOption(
  opts: Opts,
  counts: PolicyCounts,
): {
  missing: MissingPolicy;
  numericImpute: NumericImpute;
  indicators: boolean;
  policySource: 'default' | 'chosen';
} {
  const raw = opts.get('missing');
  const indicators = opts.get('missing-indicators') === 'true';
  if (raw === undefined) {
    const missing = defaultMissingPolicy(counts);
    return {
      missing,
      numericImpute: 'median',
      indicators: indicators && missing === 'impute',
      policySource: 'default',
    };
  }
  const m = /^(drop|keep|impute)(?::(mean|median))?$/.exec(raw);
  if (!m || (m[2] && m[1] !== 'impute')) {
    throw new Error(`--missing ${raw}: expected drop, impute, impute:mean, impute:median or keep`);
  }
  if (indicators && m[1] !== 'impute') throw new Error('--missing-indicators goes with --missing impute');
  return {
    missing: m[1] as MissingPolicy,
    numericImpute: (m[2] as NumericImpute | undefined) ?? 'median',
    indicators,
    policySource: 'chosen',
  };
}

/** --convergence TOL[:WINDOW] and --stop-when-converged → training.convergence. */
function parseConvergence(opts: Opts): { stopWhenConverged: boolean; tolerance?: number; window?: number } {
  const stop = opts.get('stop-when-converged');
  if (stop !== undefined && stop !== 'true')
    throw new Error(`--stop-when-converged takes no value, got "${stop}"; set the tolerance with --convergence TOL.`);
  const out: { stopWhenConverged: boolean; tolerance?: number; window?: number } = {
    stopWhenConverged: stop === 'true',
  };
  const raw = opts.get('convergence');
  if (raw !== undefined) {
    const [tol, win, ...rest] = raw.split(':');
    const tolerance = Number(tol);
    const window = win === undefined ? undefined : Number(win);
    if (rest.length || !Number.isFinite(tolerance) || (window !== undefined && !Number.isInteger(window)))
      throw new Error(`--convergence expects TOL[:WINDOW], e.g. 0.01:5, got "${raw}".`);
    out.tolerance = tolerance;
    if (window !== undefined) out.window = window;
  }
  return out;
}

function numberOpt(opts: Opts, name: string, int = true): number | undefined {
  const raw = opts.get(name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || (int && !Number.isInteger(v))) {
    throw new Error(`--${name} expects ${int ? 'a whole number' : 'a number'}, got "${raw}"`);
  }
  return v;
}

function list(opts: Opts, name: string): string[] | undefined {
  const raw = opts.get(name);
  return raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

async function unwrap<T>(
  p: Promise<{ ok: true; result: unknown } | { ok: false; error: { message: string; hint?: string } }>,
): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.hint ? `${r.error.message} (${r.error.hint})` : r.error.message);
  return r.result as T;
}

async function fit(s: Services, opts: Opts): Promise<void> {
  for (const k of opts.keys()) {
    if (!KNOWN_FIT.has(k)) throw new Error(`Unknown option --${k}. See elbo-studio --help.`);
  }
  const data = opts.get('data');
  if (!data) throw new Error('fit needs --data FILE.csv');
  const model = opts.get('model') ?? 'vae';
  if (model !== 'vae' && model !== 'glm' && model !== 'lda' && model !== 'bnn')
    throw new Error(`--model must be vae, glm, lda or bnn, got "${model}".`);
  if ((model === 'glm' || model === 'bnn') && !opts.get('target'))
    throw new Error(`--model ${model} needs --target COLUMN (the column to predict).`);
  if (model === 'lda' && !opts.get('text-column'))
    throw new Error('--model lda needs --text-column COLUMN (the column holding the documents).');
  const only: Record<string, string[]> = {
    vae: [
      'latent',
      'arch',
      'image',
      'conv-channels',
      'hidden',
      'activation',
      'likelihood',
      'epochs',
      'batch',
      'val',
      'eval-k',
      'eval-rows',
      'test',
      'threads',
      'export',
    ],
    glm: ['target', 'kind', 'steps', 'noise-sigma', 'reference'],
    lda: ['text-column', 'topics', 'method', 'passes', 'heldout-fraction', 'language', 'heldout', 'export'],
    bnn: ['target', 'hidden', 'activation', 'epochs', 'batch', 'val', 'splits', 'test-fraction', 'export'],
  };
  for (const [m, keys] of Object.entries(only)) {
    if (m === model) continue;
    for (const k of keys)
      if (opts.has(k) && !only[model]!.includes(k))
        throw new Error(`--${k} does not apply to --model ${model}. See --help.`);
  }
  if (opts.has('backend')) process.env.ELBO_STUDIO_BACKEND = opts.get('backend');
  const dispatch = createDispatcher(createHandlers(s));
  const projectName = opts.get('project') ?? 'CLI';

  const ignore = new Set(list(opts, 'ignore') ?? []);
  const features = list(opts, 'features');
  // A header sniff (import:preview reads a sample; nothing is stored) with the roles the options give, so the spec is
  // checked against the file's columns before any dataset is created.
  const sniff = async (file: string, name: string) => {
    const picked = s.files.register(path.resolve(file));
    const preview = await unwrap<{ columns: { name: string; type: ColumnType; role: ColumnRole; missing: number }[] }>(
      dispatch('import:preview', { source: { fileId: picked.fileId } }),
    );
    const columns = preview.columns.map((c) => ({
      name: c.name,
      type: (c.name === opts.get('text-column') ? 'text' : c.type) as ColumnType,
      role: (ignore.has(c.name)
        ? 'ignore'
        : c.name === opts.get('target')
          ? 'label'
          : c.name === opts.get('text-column')
            ? 'text'
            : features
              ? features.includes(c.name)
                ? 'feature'
                : c.role === 'feature'
                  ? 'ignore'
                  : c.role
              : c.role) as ColumnRole,
    }));
    // The whole file's missing cells decide the default policy (never drop more than 5 % of rows unasked).
    const scan = await unwrap<MissingScan>(dispatch('import:missing', { source: { fileId: picked.fileId } }));
    const counts = policyCounts(scan, columns);
    const missing = missingOption(opts, counts);
    const kept = new Map(counts.columns.map((c) => [c.name, c.cells]));
    const info: DatasetInfo = {
      name,
      rows: missing.missing === 'drop' ? counts.kept.drop : counts.sourceRows,
      schema: columns.map((c, i) => ({
        ...c,
        missing: scan.columns[i]?.missing ?? preview.columns[i]!.missing,
        ...(missing.missing === 'keep' && kept.has(c.name) ? { missingStored: kept.get(c.name)! } : {}),
      })),
    };
    return { file, name, fileId: picked.fileId, columns, info, missing };
  };
  type Sniffed = Awaited<ReturnType<typeof sniff>>;
  const imported: number[] = [];
  const importFile = async (f: Sniffed, projectId: number) => {
    const importId = crypto.randomBytes(8).toString('hex');
    let lastImportLog = 0;
    const offImport = s.events.on('import:progress', (p) => {
      if (p.importId === importId && Date.now() - lastImportLog > 1000) {
        lastImportLog = Date.now();
        process.stderr.write(
          `import: ${p.rows} rows, ${(p.bytesRead / 1e6).toFixed(1)} / ${(p.totalBytes / 1e6).toFixed(1)} MB\n`,
        );
      }
    });
    try {
      const ds = await unwrap<{ id: number; name: string; rows: number }>(
        dispatch('import:commit', {
          importId,
          projectId,
          source: { fileId: f.fileId },
          name: f.name,
          columns: f.columns,
          ...f.missing,
        }),
      );
      imported.push(ds.id);
      process.stderr.write(`imported ${ds.rows} rows of ${path.basename(f.file)} as dataset ${ds.id}\n`);
      return ds;
    } finally {
      offImport();
    }
  };
  const dataFile = await sniff(data, path.basename(data));
  const heldoutFile =
    model === 'lda' && opts.has('heldout')
      ? await sniff(opts.get('heldout')!, `${path.basename(opts.get('heldout')!)} (held-out)`)
      : null;
  const testFile =
    model === 'vae' && opts.has('test')
      ? await sniff(opts.get('test')!, `${path.basename(opts.get('test')!)} (test)`)
      : null;

  const hidden = list(opts, 'hidden')?.map((h) => {
    const v = Number(h);
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`--hidden expects widths like 128 or 256,128, got "${opts.get('hidden')}"`);
    return v;
  });
  // --latent 16,4: a ladder of latent layers, bottom first (one number stays a number).
  const latentList = list(opts, 'latent')?.map((h) => {
    const v = Number(h);
    if (!Number.isInteger(v) || v < 1)
      throw new Error(
        `--latent expects a size like 20, or a ladder like 16,4 (next to the data first), got "${opts.get('latent')}"`,
      );
    return v;
  });
  const latent = latentList && (latentList.length === 1 ? latentList[0]! : latentList);
  const convChannels = list(opts, 'conv-channels')?.map((h) => {
    const v = Number(h);
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`--conv-channels expects filter counts like 32,64, got "${opts.get('conv-channels')}"`);
    return v;
  });
  let image: { height: number; width: number; channels: number } | undefined;
  if (opts.has('image')) {
    const m = /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(opts.get('image')!.trim());
    if (!m)
      throw new Error(`--image expects HEIGHTxWIDTHxCHANNELS like 28x28x1 or 32x32x3, got "${opts.get('image')}"`);
    image = { height: Number(m[1]), width: Number(m[2]), channels: Number(m[3] ?? 1) };
  }
  const optimiserKind = opts.get('optimiser') ?? 'adam';
  if (optimiserKind !== 'adam' && optimiserKind !== 'sgd')
    throw new Error(`--optimiser must be adam or sgd, got "${optimiserKind}".`);
  if (opts.has('momentum') && optimiserKind !== 'sgd')
    throw new Error(
      '--momentum applies to SGD; add --optimiser sgd, or drop --momentum (Adam keeps its own moment estimates).',
    );
  const optimiserFlags = ['lr', 'optimiser', 'momentum', 'schedule', 'clip-norm'].some((k) => opts.has(k));
  const lr = numberOpt(opts, 'lr', false) ?? (model === 'glm' ? 0.01 : undefined);
  const optimiser = {
    kind: optimiserKind,
    ...(lr !== undefined ? { learningRate: lr } : {}),
    ...(optimiserKind === 'sgd' && numberOpt(opts, 'momentum', false) !== undefined
      ? { momentum: numberOpt(opts, 'momentum', false) }
      : {}),
    // A GLM's default schedule is cosine (run-spec.ts: GLM_OPTIMISER); --lr alone keeps it.
    ...(opts.has('schedule')
      ? { schedule: parseSchedule(opts.get('schedule')!) }
      : model === 'glm'
        ? { schedule: { kind: 'cosine' } }
        : {}),
    ...(numberOpt(opts, 'clip-norm', false) !== undefined ? { clipNorm: numberOpt(opts, 'clip-norm', false) } : {}),
  } as { kind: 'adam' };
  const estimator = opts.get('estimator');
  if (estimator !== undefined && estimator !== 'reparam' && estimator !== 'score')
    throw new Error(`--estimator must be reparam or score, got "${estimator}".`);
  const kl = opts.get('kl');
  if (kl !== undefined && kl !== 'auto' && kl !== 'analytic' && kl !== 'mc')
    throw new Error(`--kl must be auto, analytic or mc, got "${kl}".`);
  const training = {
    ...(numberOpt(opts, 'beta', false) !== undefined ? { beta: numberOpt(opts, 'beta', false) } : {}),
    ...(opts.has('anneal') ? { anneal: parseAnneal(opts.get('anneal')!) } : {}),
    ...(numberOpt(opts, 'free-bits', false) !== undefined ? { freeBits: numberOpt(opts, 'free-bits', false) } : {}),
    ...(estimator !== undefined ? { estimator: estimator as 'reparam' | 'score' } : {}),
    ...(kl !== undefined ? { kl: kl as 'auto' | 'analytic' | 'mc' } : {}),
    ...(opts.has('convergence') || opts.has('stop-when-converged') ? { convergence: parseConvergence(opts) } : {}),
  };
  if (model === 'lda') {
    for (const k of [
      'family',
      'objective',
      'optimiser',
      'momentum',
      'schedule',
      'clip-norm',
      'lr',
      'beta',
      'anneal',
      'free-bits',
      'estimator',
      'kl',
      'convergence',
      'stop-when-converged',
    ]) {
      if (opts.has(k))
        throw new Error(
          `--${k} does not apply to --model lda (closed-form variational updates; see --method, --passes). See --help.`,
        );
    }
  }
  const common = {
    family: parseFamily(opts.get('family') ?? 'meanfield'),
    // Without --objective a GLM keeps its own default (8 draws per step, run-spec.ts).
    ...(opts.has('objective') || model !== 'glm' || (opts.get('family') ?? '').startsWith('svgd')
      ? { objective: parseObjective(opts.get('objective') ?? 'elbo') }
      : {}),
    ...(optimiserFlags ? { optimiser } : {}),
    ...(Object.keys(training).length ? { training } : {}),
    ...(numberOpt(opts, 'seed') !== undefined ? { seed: numberOpt(opts, 'seed') } : {}),
  };
  const method = opts.get('method');
  if (method !== undefined && method !== 'online' && method !== 'batch')
    throw new Error(`--method must be online or batch, got "${method}".`);
  const specInput: RunSpecInput =
    model === 'bnn'
      ? {
          model: 'bnn',
          target: opts.get('target')!,
          ...(features ? { features } : {}),
          ...common,
          ...(hidden ? { hidden } : {}),
          ...(opts.has('activation') ? { activation: opts.get('activation') as 'relu' } : {}),
          ...(numberOpt(opts, 'epochs') !== undefined ? { epochs: numberOpt(opts, 'epochs') } : {}),
          ...(numberOpt(opts, 'batch') !== undefined ? { batchSize: numberOpt(opts, 'batch') } : {}),
          ...(numberOpt(opts, 'val', false) !== undefined ? { validationFraction: numberOpt(opts, 'val', false) } : {}),
          ...(numberOpt(opts, 'splits') !== undefined ? { splits: numberOpt(opts, 'splits') } : {}),
          ...(numberOpt(opts, 'test-fraction', false) !== undefined
            ? { testFraction: numberOpt(opts, 'test-fraction', false) }
            : {}),
        }
      : model === 'lda'
        ? {
            model: 'lda',
            textColumn: opts.get('text-column')!,
            ...(numberOpt(opts, 'topics') !== undefined ? { topics: numberOpt(opts, 'topics') } : {}),
            ...(method ? { method } : {}),
            ...(numberOpt(opts, 'passes') !== undefined ? { passes: numberOpt(opts, 'passes') } : {}),
            ...(numberOpt(opts, 'heldout-fraction', false) !== undefined
              ? { heldoutFraction: numberOpt(opts, 'heldout-fraction', false) }
              : {}),
            ...(opts.has('language')
              ? {
                  prep: { language: opts.get('language')! },
                }
              : {}),
            ...(numberOpt(opts, 'seed') !== undefined ? { seed: numberOpt(opts, 'seed') } : {}),
          }
        : model === 'glm'
          ? {
              model: 'glm',
              target: opts.get('target')!,
              ...(opts.has('kind') ? { kind: opts.get('kind') as 'auto' } : {}),
              ...(features ? { features } : {}),
              ...(numberOpt(opts, 'steps') !== undefined ? { steps: numberOpt(opts, 'steps') } : {}),
              ...(numberOpt(opts, 'noise-sigma', false) !== undefined
                ? { noiseSigma: numberOpt(opts, 'noise-sigma', false) }
                : {}),
              ...common,
            }
          : {
              model: 'vae',
              ...common,
              ...(latent !== undefined ? { latentDim: latent } : {}),
              ...(opts.has('arch') ? { architecture: opts.get('arch') as 'mlp' } : {}),
              ...(image ? { imageShape: image } : {}),
              ...(convChannels ? { convChannels } : {}),
              ...(hidden ? { hidden } : {}),
              ...(opts.has('activation') ? { activation: opts.get('activation') as 'relu' } : {}),
              ...(opts.has('likelihood') ? { likelihood: opts.get('likelihood') as 'auto' } : {}),
              ...(numberOpt(opts, 'epochs') !== undefined ? { epochs: numberOpt(opts, 'epochs') } : {}),
              ...(numberOpt(opts, 'batch') !== undefined ? { batchSize: numberOpt(opts, 'batch') } : {}),
              ...(numberOpt(opts, 'val', false) !== undefined
                ? { validationFraction: numberOpt(opts, 'val', false) }
                : {}),
              ...(numberOpt(opts, 'eval-k') !== undefined || numberOpt(opts, 'eval-rows') !== undefined
                ? {
                    evaluation: {
                      ...(numberOpt(opts, 'eval-k') !== undefined ? { k: numberOpt(opts, 'eval-k') } : {}),
                      ...(numberOpt(opts, 'eval-rows') !== undefined ? { rows: numberOpt(opts, 'eval-rows') } : {}),
                    },
                  }
                : {}),
              ...(numberOpt(opts, 'threads') !== undefined ? { threads: numberOpt(opts, 'threads') } : {}),
            };
  const parsed = runSpecSchema.safeParse(specInput);
  if (!parsed.success) {
    throw new Error(
      `Invalid options: ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`,
    );
  }
  // The model's own checks against the files' headers, before anything is imported: a refused run leaves nothing.
  try {
    validateRun(parsed.data, { dataset: dataFile.info, second: (heldoutFile ?? testFile)?.info ?? null });
  } catch (e) {
    const err = e as { message: string; hint?: string };
    throw new Error(err.hint ? `${err.message} (${err.hint})` : err.message, { cause: e });
  }
  const project = s.repos.projects.findByName(projectName) ?? s.repos.projects.create(projectName);
  const dataset = await importFile(dataFile, project.id);
  const heldoutDataset = heldoutFile ? await importFile(heldoutFile, project.id) : null;
  const testDataset = testFile ? await importFile(testFile, project.id) : null;
  const spec: RunSpec =
    parsed.data.model === 'lda' && heldoutDataset
      ? { ...parsed.data, heldoutDatasetId: heldoutDataset.id }
      : parsed.data.model === 'vae' && testDataset
        ? { ...parsed.data, testDatasetId: testDataset.id }
        : parsed.data;

  const done = new Promise<RunSummary>((resolve) => {
    s.events.on('run:status', (r) => {
      if (r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled') resolve(r);
    });
  });
  let lastLog = 0;
  s.events.on('run:progress', (p) => {
    if (Date.now() - lastLog > 1000 || p.step === p.totalSteps) {
      lastLog = Date.now();
      if (p.phase === 'evaluating') {
        process.stderr.write(`evaluating: ${p.step}/${p.totalSteps}\n`);
        return;
      }
      if (p.phase === 'preparing') {
        process.stderr.write(`preparing: ${p.step}/${p.totalSteps} rows\n`);
        return;
      }
      // LDA counts documents, not minibatch steps, and reports no loss while it runs (the bound comes per pass).
      if (spec.model === 'lda') {
        process.stderr.write(
          `pass ${p.epoch}/${p.totalEpochs} documents ${p.step}/${p.totalSteps} ` +
            `${Math.round(p.stepsPerSecond)} documents/s eta ${Math.round(p.etaSeconds)} s\n`,
        );
        return;
      }
      process.stderr.write(
        `epoch ${p.epoch}/${p.totalEpochs} step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} ` +
          `${p.stepsPerSecond.toFixed(1)} steps/s eta ${Math.round(p.etaSeconds)} s\n`,
      );
    }
  });
  s.events.on('run:metrics', ({ points }) => {
    for (const p of points)
      if (p.name !== 'elbo') process.stderr.write(`epoch ${p.epoch}: ${p.name} ${p.value.toFixed(3)}\n`);
  });
  let run: RunSummary;
  try {
    run = await unwrap<RunSummary>(
      dispatch('runs:start', {
        projectId: project.id,
        datasetId: dataset.id,
        spec,
        ...(opts.has('name') ? { name: opts.get('name') } : {}),
      }),
    );
  } catch (e) {
    // Refused on the stored values (a check the header could not make): the datasets imported for it go again.
    for (const id of imported) await dispatch('datasets:delete', { datasetId: id });
    throw e;
  }
  process.stderr.write(`run ${run.id} queued\n`);
  const final = await done;
  let exported: string[] | null = null;
  if (final.status === 'completed' && opts.has('export')) {
    const dir = path.resolve(opts.get('export')!);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new Error(`--export folder ${dir} already holds files; choose an empty or new folder.`);
    }
    if (model === 'vae' || model === 'bnn' || model === 'lda') {
      // The same bundle the app's "Export model bundle" writes (manifest with checksums; networks also as ONNX).
      const { exportRunBundleToFolder } = await import('./export/bundles');
      const r = await exportRunBundleToFolder(s, final.id, dir, false);
      exported = r.files.map((f) => path.join(dir, f));
      if (model === 'lda') {
        // Beside the bundle: the vocabulary with corpus frequencies, θ of every training row and the model as one
        // JSON file (listed and checksummed in the manifest like the rest).
        for (const [kind, file] of [
          ['vocabulary', 'vocabulary.csv'],
          ['doc-topic', 'doc-topic.csv'],
          ['model', 'model.json'],
        ] as const) {
          // Written by the model service as a stream into the run folder; copied beside the bundle.
          const out = await unwrap<{ path: string }>(dispatch('lda:export', { runId: final.id, kind }));
          fs.copyFileSync(out.path, path.join(dir, file));
          exported.push(path.join(dir, file));
        }
        const { resealBundle } = await import('./engine/models/common/bundle');
        resealBundle(dir);
      }
    }
  }
  process.stdout.write(
    JSON.stringify({
      run: final.id,
      ...(exported ? { exported } : {}),
      status: final.status,
      error: final.error,
      ...verdictFields(final),
      model: final.model,
      family: final.family,
      objective: final.objective,
      backend: final.backend,
      seed: final.seed,
      dataset: { id: dataset.id, rows: dataset.rows },
      metrics: final.metrics,
      ...(final.model === 'vae' ? { summary: vaeSummary(final.metrics, testDataset) } : {}),
      ...(final.model === 'glm' ? { posterior: glmPosterior(s, final.id) } : {}),
      ...(final.model === 'glm' && opts.has('reference') && final.status === 'completed'
        ? { reference: await glmReference(dispatch, s, final.id) }
        : {}),
      ...(final.model === 'lda' ? ldaSummary(s, final.id) : {}),
      ...(final.model === 'bnn' ? { splits: s.repos.artifacts.payload(final.id, 'splits') } : {}),
    }) + '\n',
  );
  if (final.status !== 'completed') process.exitCode = 1;
}

/** The run's reference posterior (computed on its worker, or read from the store) and the run's error against it. */
async function glmReference(dispatch: ReturnType<typeof createDispatcher>, s: Services, runId: number) {
  const started = await unwrap<RunReference>(dispatch('reference:for-run', { runId, start: true }));
  const done = started.status === 'completed' ? started : await s.references.wait(started.key);
  if (done.status !== 'completed') return { status: done.status, error: done.error };
  const r = await unwrap<RunReference>(dispatch('reference:for-run', { runId }));
  const ref = r.reference!;
  return {
    status: r.status,
    // Read from the store without sampling (an earlier run on the same data and model computed it).
    cached: started.status === 'completed' && started.cached,
    seconds: r.seconds,
    method: ref.method,
    coefficients: ref.coefficients,
    logEvidence: ref.logEvidence,
    mcmc: ref.mcmc,
    warnings: ref.warnings,
    comparison: r.comparison,
  };
}

/**
 * Whether the run worked, top-level in every JSON object the CLI prints: `verdict` ok | caution | failed and
 * `reasons` (code, severity, message, remedy). Both null for a run not judged (unfinished, or from before verdicts).
 */
function verdictFields(r: RunSummary): { verdict: RunVerdict['verdict'] | null; reasons: VerdictReason[] | null } {
  return { verdict: r.verdict?.verdict ?? null, reasons: r.verdict?.reasons ?? null };
}

/** The VAE's headline figures, grouped: training, validation rows, and the --test file when one was given. */
function vaeSummary(m: Record<string, number>, testDataset: { id: number; rows: number } | null) {
  const v = (k: string): number | null => (typeof m[k] === 'number' ? m[k]! : null);
  return {
    trainElbo: v('train_elbo'),
    validation: {
      elbo: v('eval_elbo'),
      logLikelihood: v('loglik'),
      k: v('loglik_k'),
      activeUnits: v('active_units'),
      kl: v('kl'),
    },
    test: testDataset
      ? {
          dataset: testDataset.id,
          rows: v('test_rows'),
          elbo: v('test_elbo'),
          logLikelihood: v('test_loglik'),
          activeUnits: v('test_active_units'),
          kl: v('test_kl'),
        }
      : null,
    secondsPerEpoch: v('seconds_per_epoch'),
  };
}

function glmPosterior(s: Services, runId: number) {
  const a = s.repos.artifacts.payload(runId, 'posterior');
  if (!a) return null;
  return {
    model: a.model,
    standardizedPredictors: a.standardized,
    ...(a.model === 'linear' && a.standardized ? { targetStandardized: a.target } : {}),
    coefficients: Object.fromEntries(a.names.map((n, i) => [n, { mean: a.mean[i], sd: a.sd[i] }])),
    // Per unit of each predictor (and of the target): the standardised coefficients mapped back by the engine.
    ...(a.original
      ? {
          coefficientsOriginalScale: Object.fromEntries(
            a.original.names.map((n, i) => [n, { mean: a.original!.mean[i], sd: a.original!.sd[i] }]),
          ),
        }
      : {}),
    ...(a.noiseSigma ? { noiseSigma: a.noiseSigma } : {}),
    // Original units from back-transformed draws: mean, sd, 90 % / 95 % intervals, probability of direction.
    // Each row also carries its name for people: a coded level says which level is 1 (`sex = male (vs female)`).
    coefficientTable: a.coefficients
      ? { ...a.coefficients, rows: a.coefficients.rows.map((r) => ({ label: coefficientLabel(r), ...r })) }
      : null,
    ...(a.dummies?.length ? { dummies: a.dummies } : {}),
  };
}

function ldaSummary(s: Services, runId: number) {
  const series = s.repos.metrics.series(runId);
  const get = (n: string) => series.find((m) => m.name === n);
  const ppl = get('perplexity');
  const secs = get('pass_seconds');
  const report = s.repos.artifacts.payload(runId, 'text-report');
  return {
    perPass: (get('elbo')?.epoch ?? []).map((pass, i) => ({
      pass,
      elbo: get('elbo')!.value[i],
      heldoutPerplexity: ppl?.value[i] ?? null,
      seconds: secs?.value[i] ?? null,
    })),
    text: report
      ? {
          documents: report.documents,
          emptyDocuments: report.emptyDocuments,
          tokens: report.tokens,
          vocabulary: report.vocabulary,
          droppedByStopWords: report.droppedByStopWords,
          warnings: report.warnings,
        }
      : null,
  };
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const { cmd, opts } = parseArgs(argv);
  if (cmd !== 'fit' && cmd !== 'runs') throw new Error(`Unknown command "${cmd}"; use fit or runs. See --help.`);
  const dataDir = resolveDataDir(argv, path.join(os.homedir(), '.elbo-studio'));
  const s = createServices({ dataDir, mode: 'browser', recover: false });
  try {
    if (cmd === 'fit') await fit(s, opts);
    else {
      const project = opts.get('project');
      const p = project ? s.repos.projects.findByName(project) : null;
      if (project && !p) throw new Error(`No project named "${project}"`);
      for (const r of s.repos.runs.list(p?.id))
        process.stdout.write(JSON.stringify({ ...r, ...verdictFields(r) }) + '\n');
    }
  } finally {
    await s.close();
  }
}

main().catch((e: unknown) => {
  const hint = (e as { hint?: unknown }).hint;
  process.stderr.write(`elbo-studio: ${(e as Error).message}${typeof hint === 'string' ? `\n${hint}` : ''}\n`);
  process.exit(2);
});
