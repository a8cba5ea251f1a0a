/** Schemas of every request's arguments, validated at the edge of both transports. */
import { z } from 'zod';
import { runSpecSchema, textPrepSchema } from './run-spec';

const id = z.number().int().positive();
export const empty = z.object({}).strict();

export const importSourceSchema = z.union([
  z.object({ fileId: z.string().regex(/^[a-f0-9]{32}$/, 'Expected a file id from the file picker') }).strict(),
  z.object({ sampleId: z.string().min(1).max(64) }).strict(),
]);
export type ImportSource = z.infer<typeof importSourceSchema>;

export const delimiterSchema = z.enum(['auto', ',', ';', '\t', '|']);
/** auto: UTF-8, or windows-1252 (Latin-1) when the file's first 64 KB are not UTF-8. */
export const encodingSchema = z.enum(['auto', 'utf-8', 'windows-1252']);

export const columnChoiceSchema = z
  .object({
    name: z.string(),
    type: z.enum(['numeric', 'binary', 'categorical', 'text', 'identifier']),
    role: z.enum(['feature', 'label', 'text', 'ignore']),
  })
  .strict();
export type ColumnChoice = z.infer<typeof columnChoiceSchema>;

export const importPreviewArgs = z
  .object({
    source: importSourceSchema,
    delimiter: delimiterSchema.default('auto'),
    encoding: encodingSchema.default('auto'),
  })
  .strict();

export const importCommitArgs = z
  .object({
    importId: z.string().min(8).max(64),
    projectId: id,
    source: importSourceSchema,
    name: z.string().trim().min(1, 'A dataset needs a name').max(200),
    delimiter: delimiterSchema.default('auto'),
    encoding: encodingSchema.default('auto'),
    /** One entry per source column, in source order; omitted columns keep their inferred type and role. */
    columns: z.array(columnChoiceSchema).default([]),
    missing: z.enum(['drop', 'impute', 'keep']).default('drop'),
    /** impute: numeric columns take the mean or the median of their observed values. */
    numericImpute: z.enum(['mean', 'median']).default('mean'),
    /** impute: add a 0/1 `<column>_missing` column per column with missing cells. */
    indicators: z.boolean().default(false),
    /** The wizard's default policy was left ('default') or the person picked one ('chosen'). */
    policySource: z.enum(['default', 'chosen']).optional(),
    standardize: z.boolean().default(false),
  })
  .strict();
export type ImportCommitArgs = z.infer<typeof importCommitArgs>;

export const projectsCreateArgs = z
  .object({ name: z.string().trim().min(1, 'A project needs a name').max(200) })
  .strict();
export const projectIdArgs = z.object({ projectId: id }).strict();
export const datasetIdArgs = z.object({ datasetId: id }).strict();
export const datasetRowsArgs = z
  .object({
    datasetId: id,
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(20),
  })
  .strict();
export const runsListArgs = z.object({ projectId: id.optional() }).strict();
export const runIdArgs = z.object({ runId: id }).strict();
export const runsStartArgs = z
  .object({
    projectId: id,
    datasetId: id,
    name: z.string().trim().max(200).optional(),
    spec: runSpecSchema,
  })
  .strict();
export const runsMetricsArgs = z.object({ runId: id, names: z.array(z.string()).optional() }).strict();
export const runsArtifactArgs = z.object({ runId: id, name: z.string().min(1).max(200) }).strict();
export const runsSearchArgs = z
  .object({
    query: z.string().max(200).optional(),
    projectId: id.optional(),
    datasetId: id.optional(),
    model: z.enum(['vae', 'glm', 'lda', 'bnn']).optional(),
    family: z.string().max(100).optional(),
    objective: z.string().max(100).optional(),
    status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']).optional(),
    backend: z.enum(['tensorflow', 'native', 'wasm', 'cpu']).optional(),
    starred: z.boolean().optional(),
    tag: z.string().max(100).optional(),
    /** The run's verdict; 'none' = a finished run without one ("not assessed"). */
    verdict: z.enum(['ok', 'caution', 'failed', 'none']).optional(),
    /** Started (or, for a queued run, created) at or after this instant / before this instant (ISO 8601). */
    startedFrom: z.iso.datetime({ offset: true }).optional(),
    startedBefore: z.iso.datetime({ offset: true }).optional(),
    sort: z
      .enum([
        'created',
        'name',
        'status',
        'duration',
        'dataset',
        'model',
        'family',
        'project',
        'objective',
        'backend',
        'started',
        'starred',
        'verdict',
      ])
      .default('created'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.number().int().min(1).max(10000).default(1000),
  })
  .strict();
/** A chart as the view drew it (ECharts' SVG renderer), embedded in a report so it shows what the view shows. */
export const reportChartSchema = z
  .object({
    id: z.string().regex(/^[\w.-]{1,120}$/, 'Expected a chart id of letters, digits, dots and dashes'),
    title: z.string().max(300),
    svg: z.string().max(8_000_000, 'A chart is at most 8 MB of SVG'),
  })
  .strict();
export const runsReportArgs = z
  .object({
    runIds: z.array(id).min(1, 'Choose at least one run').max(8, 'A comparison holds at most 8 runs'),
    /** The compare view's charts; when given they replace the report's own curve charts. */
    charts: z.array(reportChartSchema).max(80, 'A report holds at most 80 charts').optional(),
    /** A title, e.g. the saved comparison's name. */
    title: z.string().trim().max(200).optional(),
  })
  .strict();
export const runsUpdateArgs = z
  .object({
    runId: id,
    name: z.string().trim().min(1, 'A run needs a name').max(200).optional(),
    notes: z.string().max(20_000).optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    starred: z.boolean().optional(),
  })
  .strict();

// ── LDA (issue 5): text preview before fitting, and the uses of a fitted topic model. ──
export const textPreviewArgs = z
  .object({
    datasetId: id,
    textColumn: z.string().min(1, 'Choose a text column'),
    prep: textPrepSchema.prefault({}),
  })
  .strict();
export const ldaDocumentArgs = z.object({ runId: id, row: z.number().int().min(0) }).strict();
export const ldaSearchArgs = z
  .object({
    runId: id,
    query: z.string().trim().min(1, 'Type a word to search for').max(200),
    limit: z.number().int().min(1).max(200).default(20),
  })
  .strict();
export const ldaInferArgs = z
  .object({
    runId: id,
    source: z.union([
      z.object({ fileId: z.string().regex(/^[a-f0-9]{32}$/, 'Expected a file id from the file picker') }).strict(),
      z.object({ datasetId: id }).strict(),
    ]),
    /** The column holding the documents; default: the run's text column. */
    textColumn: z.string().min(1).max(500).optional(),
  })
  .strict();
export const ldaExportArgs = z
  .object({ runId: id, kind: z.enum(['topic-word', 'vocabulary', 'doc-topic', 'model']) })
  .strict();
export const ldaByCategoryArgs = z.object({ runId: id, column: z.string().min(1).max(500) }).strict();

// ── VAE workbench (issue 4): latent map, interpolation, manifold grid, one row's posterior, one row's values. ──
export const vaeLatentMapArgs = z
  .object({
    runId: id,
    colorBy: z.string().min(1).max(500).optional(),
    maxRows: z.number().int().min(10).max(100_000).default(3000),
    /** Latent layer of a ladder VAE, 1 = next to the data (one-layer VAEs have only 1). */
    layer: z.number().int().min(1).max(4).default(1),
  })
  .strict();
export const vaeInterpolateArgs = z
  .object({
    runId: id,
    rowA: z.number().int().min(0),
    rowB: z.number().int().min(0),
    steps: z.number().int().min(2).max(64).default(10),
    method: z.enum(['linear', 'slerp']).default('linear'),
    /** Latent layer of a ladder VAE to interpolate in, 1 = next to the data; upper layers decode through the top-down means. */
    layer: z.number().int().min(1).max(4).default(1),
  })
  .strict();
export const vaeManifoldArgs = z.object({ runId: id, size: z.number().int().min(2).max(40).default(12) }).strict();
export const vaePosteriorArgs = z
  .object({
    runId: id,
    row: z.number().int().min(0),
    grid: z.number().int().min(8).max(120).default(48),
    samples: z.number().int().min(10).max(5000).default(400),
  })
  .strict();
export const vaeRowArgs = z.union([
  z.object({ runId: id, row: z.number().int().min(0) }).strict(),
  z.object({ datasetId: id, row: z.number().int().min(0) }).strict(),
]);

// ── BNN (issue 6): the predictive band over a feature, predictions on a new CSV, the stored bundle. ──
export const bnnBandArgs = z
  .object({
    runId: id,
    /** A numeric feature of the model; default: the first one. */
    feature: z.string().min(1).max(500).optional(),
    points: z.number().int().min(10).max(1000).default(200),
    /** Grid extends this share of the training range beyond each end. */
    extend: z.number().min(0).max(10).default(0.5),
    /** Explicit grid range (e.g. to draw two runs over the same interval). */
    range: z
      .tuple([z.number(), z.number()])
      .refine((r) => r[1] > r[0], 'Expected range [lo, hi] with lo < hi')
      .optional(),
  })
  .strict();
export const bnnPredictArgs = z
  .object({
    runId: id,
    source: z.union([
      z.object({ fileId: z.string().regex(/^[a-f0-9]{32}$/, 'Expected a file id from the file picker') }).strict(),
      z.object({ datasetId: id }).strict(),
    ]),
  })
  .strict();
export const bnnBundleArgs = z.object({ runId: id }).strict();

// ── Saved comparisons (issue 7). ──
export { comparisonIdArgs, comparisonsSaveArgs, comparisonsUpdateArgs } from './comparison';

// ── Model bundles (issue 7). ──
export {
  modelsExportArgs,
  modelsImportArgs,
  modelIdArgs,
  modelsUseArgs,
  filesPickFolderArgs,
  filesPickArgs,
} from './models';

/**
 * NUTS settings of a reference posterior (the exact reference ignores them). Part of the cache key: the same
 * dataset, spec and settings give the stored reference back.
 */
/** The NUTS controls of the run page: their range, default and what to do about a bad value. */
export const REFERENCE_LIMITS = {
  chains: { min: 1, max: 16, default: 4, fix: '4 chains (the default) are enough for R̂ and ESS' },
  draws: { min: 100, max: 20_000, default: 1000, fix: '1,000 (the default) gives an MCSE near sd / 60' },
} as const;

/** A whole number in [min, max]; every refusal echoes the value and names the range and the fix. */
function referenceCount(name: keyof typeof REFERENCE_LIMITS, what: string) {
  const l = REFERENCE_LIMITS[name];
  const error = (iss: { input?: unknown }) =>
    `Expected ${name} (${what}) to be a whole number from ${l.min.toLocaleString('en')} to ${l.max.toLocaleString('en')}, got ${JSON.stringify(iss.input ?? null)}; ${l.fix}.`;
  return z.number({ error }).int({ error }).min(l.min, { error }).max(l.max, { error }).default(l.default);
}

export const referenceSettingsSchema = z
  .object({
    chains: referenceCount('chains', 'NUTS chains'),
    warmup: z.number().int().min(0).max(20_000).default(1000),
    draws: referenceCount('draws', 'kept draws per chain'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    metric: z.enum(['diag', 'dense']).default('diag'),
    targetAccept: z.number().gt(0).lt(1).default(0.8),
    maxTreeDepth: z.number().int().min(1).max(15).default(10),
    /** auto: exact where conjugate (known noise), else NUTS; nuts: always sample. */
    method: z.enum(['auto', 'nuts']).default('auto'),
  })
  .strict();
export type ReferenceSettings = z.output<typeof referenceSettingsSchema>;

/** The reference posterior of a GLM run's dataset and model (started when `start` and not stored or running). */
export const referenceForRunArgs = z
  .object({ runId: id, start: z.boolean().default(false), settings: referenceSettingsSchema.prefault({}) })
  .strict();
export const referenceKeyArgs = z.object({ key: z.string().regex(/^[0-9a-f]{64}$/) }).strict();
