/**
 * A two-valued predictor with named levels in the coefficient table: its row says which level is 1 (`sex = male (vs
 * female)`), and its coefficient is that level's difference from the other, checked against the exact conjugate
 * posterior of data built with a known effect (standardised and not). A 0/1 column keeps its plain name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import { glmSpecSchema } from '../../../src-shared/schemas/run-spec';
import { coefficientLabel } from '../../../src-shared/stats/coefficients';
import { initBackend } from '../../engine/backend';
import { glmReferencePosterior } from '../../engine/models/glm';
import { key, normal } from '../../engine/rng';
import { binaryCodings, prepareGlmData } from './glm';

beforeAll(async () => {
  await initBackend();
});

const N = 200;
const e = normal(key(11), 2 * N);
// Codes: sex 0 = female, 1 = male (levels in code order); g 0 = a, 1 = b, 2 = c; flag 0 / 1.
const sex = Float32Array.from({ length: N }, (_, n) => (n % 3 === 0 ? 1 : 0));
const g = Float32Array.from({ length: N }, (_, n) => n % 3);
const flag = Float32Array.from({ length: N }, (_, n) => (n % 2 === 0 ? 1 : 0));
const x = Float32Array.from({ length: N }, (_, n) => 10 + 2 * e[n]!);
// y = 1 + 2·[male] − 1·[g = b] + 0.5·x + 0.3·flag + 0.1 ε
const y = Float32Array.from(
  { length: N },
  (_, n) => 1 + 2 * sex[n]! - (g[n] === 1 ? 1 : 0) + 0.5 * x[n]! + 0.3 * flag[n]! + 0.1 * e[N + n]!,
);
const columns: Record<string, Float32Array> = { sex, g, flag, x, y };
const schema: ColumnSchema[] = [
  { name: 'sex', type: 'binary', role: 'feature', missing: 0, levels: ['female', 'male'] },
  { name: 'g', type: 'categorical', role: 'feature', missing: 0, levels: ['a', 'b', 'c'] },
  { name: 'flag', type: 'binary', role: 'feature', missing: 0, levels: ['0', '1'] },
  { name: 'x', type: 'numeric', role: 'feature', missing: 0 },
  { name: 'y', type: 'numeric', role: 'label', missing: 0 },
];
const ds = { schema, column: (name: string) => Float32Array.from(columns[name]!) };

describe('GLM: a named two-valued predictor', () => {
  it('is coded with the level that is 1 against the level that is 0; a 0/1 column is not', () => {
    expect(binaryCodings(schema, ['sex', 'g', 'flag', 'x'])).toEqual([
      { column: 'sex', levels: ['female', 'male'], reference: 'female', names: ['sex'], binary: true },
    ]);
  });

  for (const standardize of [false, true])
    it(`names its row "sex = male (vs female)" and estimates male − female (standardize ${standardize})`, async () => {
      const spec = glmSpecSchema.parse({
        model: 'glm',
        target: 'y',
        features: ['sex', 'g', 'flag', 'x'],
        noiseSigma: 0.1,
        standardize,
        validation: 0,
      });
      const prep = prepareGlmData(ds, spec);
      const ref = await glmReferencePosterior({
        model: prep.kind,
        data: prep.data,
        noise: prep.noise!,
        scaling: prep.scaling,
        dummies: prep.dummies,
        seed: 1,
      });
      expect(ref.method).toBe('exact');
      const rows = ref.coefficients.rows;
      expect(rows.map(coefficientLabel)).toEqual([
        '(intercept)',
        'sex = male (vs female)',
        'g = b (vs a)',
        'g = c (vs a)',
        'flag',
        'x',
      ]);
      const by = Object.fromEntries(rows.map((r) => [r.name, r]));
      // The data's own effects, within 4 posterior sds.
      for (const [name, truth] of [
        ['sex', 2],
        ['g[b]', -1],
        ['g[c]', 0],
        ['flag', 0.3],
        ['x', 0.5],
      ] as const)
        expect(Math.abs(by[name]!.mean - truth), name).toBeLessThan(4 * by[name]!.sd + 1e-9);
      expect(by.sex!.dummy).toEqual({ column: 'sex', level: 'male', reference: 'female' });
    });
});
