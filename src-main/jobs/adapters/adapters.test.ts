// Each adapter's validate() refuses a spec that cannot run on a dataset, with the bad value and the fix named, from the
// header alone (what the CLI knows before importing) and, for a BNN, from the stored values.
import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import { AppError } from '../../../src-shared/ipc/app-error';
import {
  bnnSpecSchema,
  glmSpecSchema,
  ldaSpecSchema,
  vaeSpecSchema,
  type RunSpec,
} from '../../../src-shared/schemas/run-spec';
import { bnnTableFromColumns } from '../../engine/models/bnn';
import type { DatasetFile } from '../../data-import';
import { secondDatasetId, validateRun, type DatasetInfo, type ValidateContext } from './index';

const col = (
  name: string,
  type: ColumnSchema['type'],
  role: ColumnSchema['role'] = 'feature',
  levels?: string[],
): ColumnSchema => ({
  name,
  type,
  role,
  missing: 0,
  ...(levels ? { levels } : {}),
});
const table: DatasetInfo = {
  name: 'people.csv',
  rows: 100,
  schema: [
    col('age', 'numeric'),
    col('bmi', 'numeric'),
    col('city', 'categorical', 'feature', ['a', 'b', 'c']),
    col('note', 'text', 'text'),
    col('id', 'identifier', 'ignore'),
  ],
};

function refusal(spec: RunSpec, ctx: ValidateContext): { message: string; hint?: string } {
  try {
    validateRun(spec, ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('BAD_REQUEST');
    expect((e as AppError).hint).toBeTruthy();
    return e as AppError;
  }
  throw new Error(`expected ${spec.model} to be refused`);
}

describe('adapter validate()', () => {
  it('accepts a spec that fits the dataset', () => {
    expect(() =>
      validateRun(vaeSpecSchema.parse({ model: 'vae', features: ['age', 'city'] }), { dataset: table }),
    ).not.toThrow();
    expect(() => validateRun(glmSpecSchema.parse({ model: 'glm', target: 'bmi' }), { dataset: table })).not.toThrow();
    expect(() =>
      validateRun(ldaSpecSchema.parse({ model: 'lda', textColumn: 'note' }), { dataset: table }),
    ).not.toThrow();
    expect(() =>
      validateRun(bnnSpecSchema.parse({ model: 'bnn', target: 'bmi', features: ['age'] }), { dataset: table }),
    ).not.toThrow();
  });

  it('VAE: a text feature, too few rows, and a test file without the columns', () => {
    expect(refusal(vaeSpecSchema.parse({ model: 'vae', features: ['age', 'note'] }), { dataset: table }).message).toBe(
      'Feature column "note" is text; the VAE models numeric, binary and categorical columns',
    );
    expect(
      refusal(vaeSpecSchema.parse({ model: 'vae', validationFraction: 0.1 }), { dataset: { ...table, rows: 5 } })
        .message,
    ).toMatch(/"people.csv" has 5 rows, too few for a validation split of 0.1/);
    const test: DatasetInfo = { name: 'test.csv', rows: 10, schema: [col('age', 'numeric')] };
    const spec = vaeSpecSchema.parse({ model: 'vae', features: ['age', 'bmi'], testDatasetId: 7 });
    expect(secondDatasetId(spec)).toBe(7);
    expect(refusal(spec, { dataset: table, second: test }).message).toBe(
      'The test dataset "test.csv" lacks 1 of the 2 feature columns: bmi',
    );
    // A spec that skipped the schema's own checks (a stored one, a caller in-process) is still refused here.
    const svgd = { ...vaeSpecSchema.parse({ model: 'vae' }), family: { kind: 'svgd', particles: 8 } } as RunSpec;
    expect(refusal(svgd, { dataset: table }).message).toMatch(/^family: SVGD/);
  });

  it('GLM: a missing target, a text target, a many-valued target for logistic regression', () => {
    expect(refusal(glmSpecSchema.parse({ model: 'glm', target: 'weight' }), { dataset: table }).message).toMatch(
      /^Target column "weight" is not in this dataset; columns: age, bmi/,
    );
    expect(refusal(glmSpecSchema.parse({ model: 'glm', target: 'note' }), { dataset: table }).message).toBe(
      'Target column "note" is text; a GLM needs a numeric or two-valued target.',
    );
    expect(
      refusal(glmSpecSchema.parse({ model: 'glm', target: 'city', kind: 'logistic' }), { dataset: table }).message,
    ).toMatch(/Target column "city" is categorical/);
  });

  it('LDA: a numeric text column and a held-out file without it', () => {
    expect(refusal(ldaSpecSchema.parse({ model: 'lda', textColumn: 'age' }), { dataset: table }).message).toBe(
      'Column "age" is numeric, not text',
    );
    const held: DatasetInfo = { name: 'held.csv', rows: null, schema: [col('body', 'text', 'text')] };
    expect(
      refusal(ldaSpecSchema.parse({ model: 'lda', textColumn: 'note', heldoutDatasetId: 3 }), {
        dataset: table,
        second: held,
      }).message,
    ).toBe('The held-out dataset "held.csv" has no column "note"');
  });

  it('BNN: the target among the features from the header; a constant target from the stored values', () => {
    expect(
      refusal(bnnSpecSchema.parse({ model: 'bnn', target: 'bmi', features: ['bmi', 'age'] }), { dataset: table })
        .message,
    ).toMatch(/include the target column "bmi"/);
    const flat = bnnTableFromColumns({
      x: Array.from({ length: 20 }, (_, i) => i % 4),
      y: new Array<number>(20).fill(3),
    });
    const info: DatasetInfo = { name: 'flat.csv', rows: 20, schema: flat.schema };
    const spec = bnnSpecSchema.parse({ model: 'bnn', target: 'y', features: ['x'] });
    expect(() => validateRun(spec, { dataset: info })).not.toThrow();
    expect(refusal(spec, { dataset: info, open: () => flat as unknown as DatasetFile }).message).toMatch(
      /Target "y" is constant/,
    );
  });

  it('refuses columns kept missing at import, naming column, count and fix; LDA and unused columns pass', () => {
    const kept: DatasetInfo = {
      ...table,
      name: 'pima.csv',
      schema: table.schema.map((c) => (c.name === 'bmi' ? { ...c, missing: 11, missingStored: 11 } : c)),
    };
    const vae = refusal(vaeSpecSchema.parse({ model: 'vae', features: ['age', 'bmi'] }), { dataset: kept });
    expect(vae.message).toMatch(
      /^A VAE cannot use missing values: dataset "pima.csv".*column "bmi" \(11 of 100 rows\)/,
    );
    expect(vae.hint).toMatch(/impute/);
    expect(refusal(glmSpecSchema.parse({ model: 'glm', target: 'bmi' }), { dataset: kept }).message).toMatch(
      /regression \(GLM\) cannot use missing values.*"bmi" \(11 of 100 rows\)/,
    );
    expect(
      refusal(bnnSpecSchema.parse({ model: 'bnn', target: 'age', features: ['bmi'] }), { dataset: kept }).message,
    ).toMatch(/Bayesian neural network cannot use missing values.*"bmi"/);
    // A VAE on the columns without missing cells, and LDA on the text column, go ahead.
    expect(() =>
      validateRun(vaeSpecSchema.parse({ model: 'vae', features: ['age', 'city'] }), { dataset: kept }),
    ).not.toThrow();
    expect(() =>
      validateRun(ldaSpecSchema.parse({ model: 'lda', textColumn: 'note' }), { dataset: kept }),
    ).not.toThrow();
  });
});
