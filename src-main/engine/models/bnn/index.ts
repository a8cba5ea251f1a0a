/**
 * Bayesian neural networks (model 'bnn'): data preparation and validation, training by Bayes by Backprop with the
 * local reparameterisation trick or a richer engine family (full-rank / low-rank last layer, flows, SVGD ensembles),
 * posterior-predictive metrics, view data, and bundle export / import (with a TensorFlow.js predictive-mean network).
 *
 *   const data = prepareBnnData(datasetFile, spec);            // throws BnnInputError (AppError) before training
 *   const fit = await trainBnn(data, spec, { onStep, onEpoch, shouldStop });   // fit.test: test metrics
 *   const views = bnnViews(fit.model, data);                   // metrics, predicted-vs-actual, reliability, coverage, band
 *   exportBnnBundle(fit.model, dir, { metrics: fit.test });    // manifest.json, posterior.json, tfjs/model.json + weights.bin
 *   const { model } = loadBnnBundle(dir); predictBnnTable(model, newTable);
 *   const all = await fitBnnSplits(table, spec);               // the 20-split protocol: mean ± se of every metric
 *   disposeNet(fit.model.net);                                 // frees the tfjs variables of block families
 */
export * from './data';
export * from './kernel';
export * from './block';
export * from './model';
export * from './predict';
export * from './train';
export * from './views';
export * from './bundle';
export * from './splits';
export * from './band-summary';
export * from './table';
export * from './psis';
