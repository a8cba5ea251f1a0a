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

export const columnChoiceSchema = z
  .object({
    name: z.string(),
    type: z.enum(['numeric', 'binary', 'categorical', 'text', 'identifier']),
    role: z.enum(['feature', 'label', 'text', 'ignore']),
  })
  .strict();
export type ColumnChoice = z.infer<typeof columnChoiceSchema>;

export const importPreviewArgs = z
  .object({ source: importSourceSchema, delimiter: delimiterSchema.default('auto') })
  .strict();

export const importCommitArgs = z
  .object({
    importId: z.string().min(8).max(64),
    projectId: id,
    source: importSourceSchema,
    name: z.string().trim().min(1, 'A dataset needs a name').max(200),
    delimiter: delimiterSchema.default('auto'),
    /** One entry per source column, in source order; omitted columns keep their inferred type and role. */
    columns: z.array(columnChoiceSchema).default([]),
    missing: z.enum(['drop', 'impute']).default('drop'),
    standardize: z.boolean().default(false),
  })
  .strict();
export type ImportCommitArgs = z.infer<typeof importCommitArgs>;

export const projectsCreateArgs = z.object({ name: z.string().trim().min(1, 'A project needs a name').max(200) }).strict();
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

// ── LDA (issue 5): text preview before fitting, and the uses of a fitted topic model. ──
export const textPreviewArgs = z
  .object({
    datasetId: id,
    textColumn: z.string().min(1, 'Choose a text column'),
    prep: textPrepSchema.default({ language: 'en', extraStopWords: [], minTokenLength: 3, minDf: 5, maxDf: 0.5, maxVocab: 10_000, bigrams: false }),
  })
  .strict();
export const ldaDocumentArgs = z.object({ runId: id, row: z.number().int().min(0) }).strict();
export const ldaSearchArgs = z
  .object({ runId: id, query: z.string().trim().min(1, 'Type a word to search for').max(200), limit: z.number().int().min(1).max(200).default(20) })
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
export const ldaExportArgs = z.object({ runId: id, kind: z.enum(['topic-word', 'vocabulary', 'doc-topic', 'model']) }).strict();
export const ldaByCategoryArgs = z.object({ runId: id, column: z.string().min(1).max(500) }).strict();
