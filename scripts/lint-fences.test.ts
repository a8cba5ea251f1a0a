/**
 * The import fences of eslint.config.mjs fire: each forbidden import, linted as if it sat in the fenced folder, is
 * reported by no-restricted-imports, and the imports each folder is meant to make are not.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function fenced(file: string, spec: string): Promise<boolean> {
  const [result] = await eslint.lintText(`import x from '${spec}';\nexport default x;\n`, {
    filePath: path.join(root, file),
  });
  return result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

const ENGINE = 'src-main/engine/models/lda/fence-probe.ts';
/** The engine's one exception (see eslint.config.mjs): the LDA bundle prepares new text with the text module. */
const LDA_BUNDLE = 'src-main/engine/models/lda/bundle.ts';
const RENDERER = 'src-renderer/lib/fence-probe.ts';
const SHARED = 'src-shared/domain/fence-probe.ts';

const cases: Array<[file: string, spec: string, forbidden: boolean]> = [
  [ENGINE, '../../../storage/db', true],
  [ENGINE, '../../../api/dispatcher', true],
  [ENGINE, '../../../server/http-server', true],
  [ENGINE, '../../../jobs/protocol', true],
  [ENGINE, '../../../text/corpus', true],
  [ENGINE, '../../../text', true],
  [ENGINE, 'electron', true],
  [ENGINE, 'better-sqlite3', true],
  [ENGINE, '../../../../src-renderer/lib/api', true],
  [ENGINE, '../../rng', false],
  [ENGINE, './corpus', false],
  [ENGINE, '../../../../src-shared/domain/vae', false],
  [ENGINE, '@tensorflow/tfjs-core', false],
  [ENGINE, 'node:os', false],
  [LDA_BUNDLE, '../../../text', false],
  [LDA_BUNDLE, '../../../storage/db', true],
  [LDA_BUNDLE, 'electron', true],
  [RENDERER, '../../src-main/export/report', true],
  [RENDERER, 'node:fs', true],
  [RENDERER, 'fs', true],
  [RENDERER, 'path', true],
  [RENDERER, 'electron', true],
  [RENDERER, '../../src-shared/domain/artifacts', false],
  [RENDERER, 'echarts/core', false],
  [SHARED, '../../src-main/engine/rng', true],
  [SHARED, '../../src-renderer/lib/api', true],
  [SHARED, 'node:path', true],
  [SHARED, 'os', true],
  [SHARED, 'electron', true],
  [SHARED, '@tensorflow/tfjs-core', true],
  [SHARED, 'zod', false],
  [SHARED, '../ipc/app-error', false],
];

describe('import fences', () => {
  it.each(cases)('%s importing %s: forbidden %s', async (file, spec, forbidden) => {
    expect(await fenced(file, spec)).toBe(forbidden);
  });
});
