/** Schemas of saved comparisons (the compare view's choices are validated like every other request). */
import { z } from 'zod';
import type { ComparisonOptions } from '../domain/comparison';

const id = z.number().int().positive();
const columnName = z.string().max(500);

export const comparisonOptionsSchema = z
  .object({
    axis: z.enum(['step', 'epoch', 'wall']).optional(),
    metric: z.string().max(200).optional(),
    showIdentical: z.boolean().optional(),
    colorBy: columnName.optional(),
    posteriorRow: z.number().int().min(0).optional(),
    rowA: z.number().int().min(0).optional(),
    rowB: z.number().int().min(0).optional(),
    bandFeature: columnName.optional(),
    topicWords: z.number().int().min(3).max(30).optional(),
  })
  .strict() satisfies z.ZodType<ComparisonOptions>;

/** Stored options are read leniently: a field this version does not know (or no longer accepts) is dropped. */
export function readComparisonOptions(raw: unknown): ComparisonOptions {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  const shape = comparisonOptionsSchema.shape;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const field = (shape as Record<string, z.ZodType>)[k];
    if (field && field.safeParse(v).success) out[k] = v;
  }
  return out as ComparisonOptions;
}

const runIds = z
  .array(id)
  .min(2, 'A comparison needs at least two runs')
  .max(8, 'A comparison holds at most 8 runs')
  .refine((ids) => new Set(ids).size === ids.length, 'A run appears twice in the comparison');
const name = z.string().trim().min(1, 'A comparison needs a name').max(200, 'Names are at most 200 characters');
const notes = z.string().max(20_000);

export const comparisonIdArgs = z.object({ comparisonId: id }).strict();
export const comparisonsSaveArgs = z
  .object({ name, runIds, options: comparisonOptionsSchema.default({}), notes: notes.default('') })
  .strict();
export const comparisonsUpdateArgs = z
  .object({
    comparisonId: id,
    name: name.optional(),
    runIds: runIds.optional(),
    options: comparisonOptionsSchema.optional(),
    notes: notes.optional(),
  })
  .strict();
