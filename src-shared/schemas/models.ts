/** Arguments of the model-bundle channels (issue 7): export a run's model, import a bundle, use it on a new CSV. */
import { z } from 'zod';

const id = z.number().int().positive();
const fileId = z.string().regex(/^[a-f0-9]{32}$/, 'Expected a file id from the file picker');
const folder = z.string().trim().min(1, 'Give a folder path').max(4096, 'That folder path is too long');

export const modelsExportArgs = z
  .object({
    runId: id,
    to: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('zip') }).strict(),
      /**
       * A folder on the machine the app runs on; refused with FOLDER_NOT_EMPTY when it holds files. That refusal
       * carries a confirmToken: only `overwrite: true` with that token replaces the folder.
       */
      z
        .object({
          kind: z.literal('folder'),
          folder,
          overwrite: z.boolean().default(false),
          confirmToken: z
            .string()
            .regex(/^[a-f0-9]{32}$/, 'Expected the confirmToken of a FOLDER_NOT_EMPTY answer')
            .optional(),
        })
        .strict(),
    ]),
  })
  .strict();

export const modelsImportArgs = z
  .object({ source: z.union([z.object({ fileId }).strict(), z.object({ folder }).strict()]) })
  .strict();

export const modelIdArgs = z.object({ modelId: id }).strict();

export const modelsUseArgs = z
  .object({
    modelId: id,
    fileId,
    /** LDA: the column that holds the documents (default: the training column). */
    textColumn: z.string().min(1).max(500).optional(),
  })
  .strict();

/** Electron only: the native folder dialog. */
export const filesPickFolderArgs = z.object({ purpose: z.enum(['export', 'import']).default('export') }).strict();
/** Electron only: the native file dialog, for a CSV (default) or a bundle .zip. */
export const filesPickArgs = z.object({ accept: z.enum(['csv', 'zip']).default('csv') }).strict();
