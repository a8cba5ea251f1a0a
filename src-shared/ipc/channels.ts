/** Channel names only (no schemas), so the sandboxed preload can check names without bundling zod. */
export const INVOKE_CHANNELS = [
  'app:info',
  'projects:list',
  'projects:create',
  'samples:list',
  'files:pick',
  'import:preview',
  'import:commit',
  'datasets:list',
  'datasets:get',
  'datasets:rows',
  'runs:list',
  'runs:get',
  'runs:start',
  'runs:cancel',
  'runs:metrics',
  'runs:artifact',
  'runs:search',
  'runs:update',
  'runs:delete-preview',
  'runs:delete',
  'datasets:delete-preview',
  'datasets:delete',
  'runs:report',
  'text:preview',
  'lda:document',
  'lda:search',
  'lda:infer',
  'lda:export',
  'lda:by-category',
  'bnn:band',
  'bnn:predict',
  'bnn:bundle',
  'vae:latent-map',
  'vae:interpolate',
  'vae:manifold',
  'vae:posterior',
  'vae:row',
] as const;

export const EVENT_CHANNELS = ['run:status', 'run:progress', 'run:metrics', 'import:progress'] as const;

/** The IPC channel names Electron uses to carry the contract. */
export const IPC_INVOKE = 'elbo:invoke';
export const IPC_EVENT = 'elbo:event';
