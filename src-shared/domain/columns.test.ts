import { describe, expect, it } from 'vitest';
import { bnnSpecSchema, glmSpecSchema, vaeSpecSchema } from '../schemas/run-spec';
import { leftOutColumns, runDataInfo } from './columns';
import type { ColumnSchema } from './types';

const schema: ColumnSchema[] = [
  { name: 'Name', type: 'identifier', role: 'ignore', missing: 0 },
  { name: 'mpg', type: 'numeric', role: 'feature', missing: 8, missingStored: 8 },
  { name: 'hp', type: 'numeric', role: 'feature', missing: 0 },
  { name: 'Origin', type: 'categorical', role: 'feature', missing: 0, levels: ['Europe', 'Japan', 'USA'] },
  { name: 'class', type: 'categorical', role: 'label', missing: 0, levels: ['a', 'b'] },
  { name: 'note', type: 'text', role: 'text', missing: 0 },
];

describe('columns a model leaves out are named with the reason', () => {
  it('VAE: categorical columns are features; identifiers, text, labels and kept-missing columns say why', () => {
    expect(leftOutColumns('vae', schema, ['hp', 'Origin'])).toEqual([
      { name: 'Name', reason: 'identifier: a different value on every row, nothing to learn' },
      { name: 'mpg', reason: '8 missing cells (kept missing at import)' },
      { name: 'class', reason: 'a label: left out by default (tick it to model it)' },
      { name: 'note', reason: 'text: for topic models (LDA)' },
    ]);
  });
  it('GLM: a categorical column left out says it is dummy-coded only when named; the target is not listed', () => {
    const out = leftOutColumns('glm', schema, ['hp'], { target: 'mpg' });
    expect(out.find((c) => c.name === 'Origin')?.reason).toBe(
      'categorical: dummy-coded only when named as a predictor',
    );
    const info = runDataInfo(glmSpecSchema.parse({ model: 'glm', target: 'hp' }), {
      schema,
      preprocessing: { missing: 'drop', droppedRows: 0, standardize: false, delimiter: ',' },
    });
    expect(info.used).toEqual(['mpg']);
    expect(
      runDataInfo(glmSpecSchema.parse({ model: 'glm', target: 'hp', features: ['Origin'] }), {
        schema,
        preprocessing: { missing: 'drop', droppedRows: 0, standardize: false, delimiter: ',' },
      }).used,
    ).toEqual(['Origin']);
    expect(out.some((c) => c.name === 'mpg')).toBe(false);
  });
});

describe('a run’s data info', () => {
  it('names the policy, the columns used (defaults resolved) and those left out', () => {
    const info = runDataInfo(vaeSpecSchema.parse({ model: 'vae' }), {
      schema: schema.map((c) => ({ ...c, missingStored: 0 })),
      preprocessing: {
        missing: 'impute',
        numericImpute: 'median',
        imputed: [{ column: 'mpg', cells: 8, how: 'median', value: 23, from: 398 }],
        sourceRows: 406,
        standardize: false,
        droppedRows: 0,
        delimiter: ',',
        policySource: 'chosen',
      },
    });
    expect(info.used).toEqual(['mpg', 'hp', 'Origin']);
    expect(info.missing).toBe(
      'Impute (chosen): 8 cells in 1 column filled (numeric: median; binary and categorical: most frequent level); no rows dropped',
    );
    expect(info.leftOut.map((c) => c.name)).toEqual(['Name', 'class', 'note']);
  });
  it('drop says how many rows of how many were lost', () => {
    const info = runDataInfo(bnnSpecSchema.parse({ model: 'bnn', target: 'hp' }), {
      schema,
      preprocessing: { missing: 'drop', droppedRows: 376, sourceRows: 768, standardize: false, delimiter: ',' },
    });
    expect(info.missing).toBe('Drop rows with a missing value: 376 of 768 rows dropped (49.0 %)');
    expect(info.target).toBe('hp');
    expect(info.leftOut.some((c) => c.name === 'hp')).toBe(false);
  });
});
