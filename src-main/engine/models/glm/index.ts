export * from './models.js';
export * from './fit.js';
