/** Small helpers shared by the engine's tests and diagnostics. */
import * as tf from '@tensorflow/tfjs-core';

/** Run fn in a tidy scope and return the resulting tensor's values as float64. */
export function read(fn: () => tf.Tensor): Float64Array {
  const t = tf.tidy(fn);
  const v = Float64Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Mean and standard error of an array. */
export function meanSe(x: ArrayLike<number>): { mean: number; se: number; sd: number } {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - m) ** 2 / (n - 1);
  return { mean: m, sd: Math.sqrt(v), se: Math.sqrt(v / n) };
}
