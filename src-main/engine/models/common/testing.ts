/** Small helpers shared by the engine's tests and diagnostics. */
import * as tf from '@tensorflow/tfjs-core';

/** Run fn in a tidy scope and return the resulting tensor's values as float64. */
export function read(fn: () => tf.Tensor): Float64Array {
  const t = tf.tidy(fn);
  const v = Float64Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Mean and standard error of an array (one home: src-shared/stats). */
export { meanSe } from '../../../../src-shared/stats/mean-se';
