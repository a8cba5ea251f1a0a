import { describe, expect, it } from 'vitest';
import { leftOutColumns } from './columns';
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
  it('GLM names categorical predictors as not taken; the target is not listed', () => {
    const out = leftOutColumns('glm', schema, ['hp'], { target: 'mpg' });
    expect(out.find((c) => c.name === 'Origin')?.reason).toBe(
      'categorical: regression takes numeric and binary predictors',
    );
    expect(out.some((c) => c.name === 'mpg')).toBe(false);
  });
});
