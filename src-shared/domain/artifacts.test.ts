import { describe, expect, it } from 'vitest';
import { ARTIFACT_KINDS, artifactMessage } from './artifacts';

describe('artifact messages', () => {
  it('take the stored kind from the name', () => {
    expect(artifactMessage('vae-snapshot', { file: 'vae-snapshot.json', features: ['a'], valRows: [1] })).toEqual({
      type: 'artifact',
      kind: 'file',
      name: 'vae-snapshot',
      data: { file: 'vae-snapshot.json', features: ['a'], valRows: [1] },
    });
    expect(artifactMessage('bnn-bundle', { dir: 'bnn-bundle' }).kind).toBe('file');
    expect(artifactMessage('model', {} as never).kind).toBe('lda-model');
    // Kinds are the ones earlier runs stored, so stored artifacts keep their kind.
    expect(new Set(Object.values(ARTIFACT_KINDS))).toEqual(
      new Set([
        'posterior',
        'reconstructions',
        'file',
        'evaluation',
        'text-report',
        'topics',
        'lda-model',
        'bnn-views',
        'bnn-splits',
        'grad-variance',
      ]),
    );
  });
});
