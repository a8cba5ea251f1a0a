export * from './models.js';
export * from './fit.js';
export * from './standardise.js';
export * from './reference.js';
