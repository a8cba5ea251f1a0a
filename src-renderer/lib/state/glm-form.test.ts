import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src-shared/domain/types';
import { glmDetectKind, glmTargetProblem } from './glm-form';

const col = (c: Partial<ColumnSchema>): ColumnSchema => ({
  name: 'y',
  type: 'numeric',
  role: 'feature',
  missing: 0,
  ...c,
});

describe('GLM form: target kind', () => {
  it('detects logistic for binary and two-level categorical targets, linear for numeric', () => {
    expect(glmDetectKind(col({ type: 'binary', levels: ['0', '1'] }))).toBe('logistic');
    expect(glmDetectKind(col({ type: 'categorical', levels: ['no', 'yes'] }))).toBe('logistic');
    expect(glmDetectKind(col({ type: 'numeric' }))).toBe('linear');
    expect(glmDetectKind(col({ type: 'categorical', levels: ['a', 'b', 'c'] }))).toBeNull();
    expect(glmDetectKind(col({ type: 'text' }))).toBeNull();
  });
  it('refuses a many-level, text or constant target with the reason', () => {
    expect(glmTargetProblem(col({ type: 'categorical', levels: ['a', 'b', 'c'] }))).toMatch(/3 levels/);
    expect(glmTargetProblem(col({ type: 'text' }))).toMatch(/text column/);
    expect(glmTargetProblem(col({ stats: { min: 2, max: 2, mean: 2, std: 0 } as ColumnSchema['stats'] }))).toMatch(
      /constant \(2/,
    );
    expect(glmTargetProblem(col({ type: 'categorical', levels: ['no', 'yes'] }))).toBeNull();
  });
});
