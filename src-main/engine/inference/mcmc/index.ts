/** Markov chain Monte Carlo on a model's log joint: NUTS with Stan's warm-up, on batched tfjs log densities. */
export * from './density.js';
export * from './adaptation.js';
export * from './nuts.js';
