/**
 * A replica thread of the VAE's data-parallel gradient pool (parallel.ts): waits for a step, loads the published
 * parameters into its own copy of the model, computes the gradient of its shard of the minibatch and writes it back.
 * Protocol and memory layout: parallel.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendPreference } from '../../backend';
import { makeObjective } from '../../objectives/objective';
import { fold, key, type Key } from '../../rng';
import { VaeModel } from './model';
import type { ReplicaSetup } from './parallel';
import { stepLoss, vaeTrainingAids, type StepContext } from './train';

async function main(): Promise<void> {
  const setup = workerData as ReplicaSetup;
  const j = setup.index;
  const ctrl = new Int32Array(setup.ctrl);
  const values = new Float64Array(setup.values);
  const params = new Float32Array(setup.params);
  const grads = new Float32Array(setup.grads);
  const rows = new Float32Array(setup.rows);
  const fail = (e: unknown): void => {
    parentPort?.postMessage({ error: (e as Error).message ?? String(e) });
    Atomics.store(ctrl, 18 + j, 1);
    Atomics.notify(ctrl, 2 + j);
  };
  try {
    const pref: BackendPreference = setup.backend === 'tensorflow' ? 'node' : (setup.backend as BackendPreference);
    await initBackend({ preference: pref });
  } catch (e) {
    fail(e);
    return;
  }
  const spec = setup.spec;
  const model = new VaeModel(setup.config, key(0));
  const vars = model.variables();
  const offsets: number[] = [];
  let off = 0;
  for (const s of setup.sizes) {
    offsets.push(off);
    off += s;
  }
  if (vars.length !== setup.sizes.length || vars.some((v, i) => v.size !== setup.sizes[i])) {
    fail(new Error('replica model does not match the trained model'));
    return;
  }
  const objective = makeObjective(spec.objective);
  const aids = vaeTrainingAids(spec);
  const analytic = aids.kl !== 'mc' && objective.kind === 'elbo' && aids.estimator === 'reparam';
  const d = setup.config.d;
  // Generation 0 is "nothing yet": a step published while this thread was starting is seen at once.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, 0, seen);
    seen = Atomics.load(ctrl, 0);
    if (Atomics.load(ctrl, 1) === 1) break;
    try {
      const n = Atomics.load(ctrl, 10 + j);
      const stepKey: Key = [values[0]!, values[1]!];
      const tau = Number.isNaN(values[3]!) ? null : values[3]!;
      const baseline = Number.isNaN(values[4]!) ? null : values[4]!;
      const ctx: StepContext = {
        objective,
        estimator: aids.estimator,
        analytic,
        beta: values[2]!,
        freeBits: 0,
        tau,
        baseline,
      };
      tf.tidy(() => {
        vars.forEach((v, i) => v.assign(tf.tensor(params.subarray(offsets[i]!, offsets[i]! + v.size), v.shape)));
      });
      let lossValue = Number.NaN;
      let boundValue = Number.NaN;
      if (n > 0) {
        const xb = tf.tensor2d(rows.subarray(0, n * d), [n, d]);
        let boundMean: tf.Scalar | null = null;
        const { value, grads: g } = tf.variableGrads(() => {
          const r = stepLoss(model, xb, fold(stepKey, j), ctx);
          boundMean = tf.keep(tf.mean(r.bound));
          return r.loss;
        }, vars);
        vars.forEach((v, i) => {
          const gi = g[v.name];
          if (gi) grads.set(gi.dataSync() as Float32Array, offsets[i]);
          else grads.fill(0, offsets[i], offsets[i]! + v.size);
        });
        lossValue = value.dataSync()[0]!;
        boundValue = (boundMean as tf.Scalar | null)?.dataSync()[0] ?? Number.NaN;
        const bm = boundMean as tf.Scalar | null;
        tf.dispose(bm ? [value, xb, bm] : [value, xb]);
        tf.dispose(g);
      } else {
        grads.fill(0);
      }
      values[8 + 2 * j] = lossValue;
      values[9 + 2 * j] = boundValue;
      Atomics.store(ctrl, 2 + j, seen);
      Atomics.notify(ctrl, 2 + j);
    } catch (e) {
      fail(e);
      break;
    }
  }
  model.dispose();
}

void main();
