/**
 * Adam's update of one parameter tensor as one native call on the wasm heap (kernels/native.ts, `adam`), instead of
 * the twelve element-wise tfjs ops it takes op by op (each a dispatch and a pass over the tensor):
 *   m' = m·β₁ + g·(1 − β₁),  v' = v·β₂ + g²·(1 − β₂),  θ' = θ − ((m' / (1 − β₁ᵗ)) / (√(v' / (1 − β₂ᵗ)) + ε)) · η
 * (Kingma & Ba 2015, in tfjs' AdamOptimizer order), each operation rounded to float32 as the op-by-op update is, so
 * the result is the same to the bit. Registered as the wasm kernel `ElboAdam` (inputs θ, m, v, g; outputs θ', m',
 * v'); used by optim/optimisers.ts only while the native kernels serve the wasm backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeNative, wasmHeap } from './fast-matmul';

const KERNEL = 'ElboAdam';

export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ as the optimiser keeps them (float32). */
  oneMinusAcc1: number;
  oneMinusAcc2: number;
  epsilon: number;
  /** η_t. */
  step: number;
}

interface BackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let registered = false;
let updates = 0;

/** Tensors updated by the native kernel so far in this thread (tests check the path was taken). */
export function nativeAdamUpdates(): number {
  return updates;
}

function register(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { theta, m, v, g } = inputs as Record<string, tf.TensorInfo>;
      const c = attrs as unknown as AdamCoefficients;
      const native = activeNative();
      if (!native) throw new Error('ElboAdam needs the native kernels on the wasm backend');
      const b = backend as unknown as BackendLike;
      const outs = [
        b.makeOutput(theta!.shape, 'float32'),
        b.makeOutput(m!.shape, 'float32'),
        b.makeOutput(v!.shape, 'float32'),
      ];
      const heap = wasmHeap()!; // read after the allocations (a heap growth replaces the buffer)
      native.adam(
        heap.buffer,
        heap.offsetOf(theta!),
        heap.offsetOf(m!),
        heap.offsetOf(v!),
        heap.offsetOf(g!),
        heap.offsetOf(outs[0]!),
        heap.offsetOf(outs[1]!),
        heap.offsetOf(outs[2]!),
        tf.util.sizeFromShape(theta!.shape),
        c.beta1,
        1 - c.beta1,
        c.beta2,
        1 - c.beta2,
        c.oneMinusAcc1,
        c.oneMinusAcc2,
        c.epsilon,
        c.step,
      );
      return outs;
    },
  });
  registered = true;
}

/**
 * One Adam update of θ with moments m, v from gradient g, in place of the variables' values (they are assigned the
 * kernel's outputs). Returns false — and changes nothing — when the native kernels do not serve the wasm backend or a
 * tensor is not float32 of θ's size; the caller then runs the op-by-op update.
 */
export function nativeAdam(
  theta: tf.Variable,
  m: tf.Variable,
  v: tf.Variable,
  g: tf.Tensor,
  c: AdamCoefficients,
): boolean {
  if (!activeNative()) return false;
  const n = theta.size;
  for (const t of [theta, m, v, g]) if (t.dtype !== 'float32' || t.size !== n) return false;
  register();
  const [t2, m2, v2] = tf
    .engine()
    .runKernel(KERNEL, { theta, m, v, g }, c as unknown as tf.NamedAttrMap) as tf.Tensor[];
  theta.assign(t2!);
  m.assign(m2!);
  v.assign(v2!);
  tf.dispose([t2!, m2!, v2!]);
  updates++;
  return true;
}
