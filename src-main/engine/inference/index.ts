/**
 * Public API of the variational engine (families, bounds, estimators, optimisers, SVI/SVGD loops, diagnostics,
 * GLM models). The app's training worker and the CLI import from here; nothing here touches Electron or storage.
 */
export * from '../families/index.js';
export * from '../families/params.js';
export * from '../bijectors/base.js';
export { AffineDiagonal, AffineTril } from '../bijectors/affine.js';
export { Planar } from '../bijectors/planar.js';
export { Radial } from '../bijectors/radial.js';
export { Iaf } from '../bijectors/iaf.js';
export { AffineCoupling } from '../bijectors/coupling.js';
export { madeMasks } from '../bijectors/made.js';
export * from '../objectives/bounds.js';
export * from '../objectives/kl.js';
export * from '../objectives/schedules.js';
export * from '../objectives/objective.js';
export * from '../objectives/estimators.js';
export * from '../optim/optimisers.js';
export * from './svi.js';
export * from './svgd.js';
export * from './train-loop.js';
export * from '../diagnostics/psis.js';
export * from '../diagnostics/loglik.js';
export * from '../diagnostics/latent.js';
export * from '../diagnostics/grad-variance.js';
export type { GlobalModel } from '../models/common/model.js';
export * from '../models/common/targets.js';
export * from '../models/glm/index.js';
