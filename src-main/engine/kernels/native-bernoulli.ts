/**
 * The Bernoulli log-likelihood of data x under logits l, and its gradient, each as one native pass over the wasm heap
 * (kernels/native.ts, `bernoulli` / `bernoulliGrad`) instead of the nine forward and three backward element-wise tfjs
 * ops of models/vae/model.ts's bernoulliLogLikFast, which owns the maths and calls these when they are available:
 *   out[r] = Σ_j x_j l_j − softplus(l_j),   ∂/∂l_j = dy[r] · (x_j − σ(l_j)),
 * x [B, d] broadcasting against l [..., B, d] (row r of l reads row r mod B of x); out [...,  B].
 * Registered as the wasm kernels `ElboBernoulliLogLik` (inputs x, l) and `ElboBernoulliLogLikGrad` (x, l, dy); they
 * agree with the op-by-op form to float rounding (native.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeNative, wasmHeap } from './fast-matmul';

const FORWARD = 'ElboBernoulliLogLik';
const GRAD = 'ElboBernoulliLogLikGrad';

interface BackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let registered = false;

function register(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: FORWARD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { x, l } = inputs as Record<string, tf.TensorInfo>;
      const native = activeNative();
      if (!native) throw new Error(`${FORWARD} needs the native kernels on the wasm backend`);
      const d = l!.shape[l!.shape.length - 1]!;
      const out = (backend as unknown as BackendLike).makeOutput(l!.shape.slice(0, -1), 'float32');
      const heap = wasmHeap()!; // read after the allocation (a heap growth replaces the buffer)
      const rows = tf.util.sizeFromShape(l!.shape) / d;
      native.bernoulli(heap.buffer, heap.offsetOf(x!), heap.offsetOf(l!), heap.offsetOf(out), rows, d, x!.shape[0]!);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { x, l, dy } = inputs as Record<string, tf.TensorInfo>;
      const native = activeNative();
      if (!native) throw new Error(`${GRAD} needs the native kernels on the wasm backend`);
      const d = l!.shape[l!.shape.length - 1]!;
      const out = (backend as unknown as BackendLike).makeOutput(l!.shape, 'float32');
      const heap = wasmHeap()!;
      const rows = tf.util.sizeFromShape(l!.shape) / d;
      native.bernoulliGrad(
        heap.buffer,
        heap.offsetOf(x!),
        heap.offsetOf(l!),
        heap.offsetOf(dy!),
        heap.offsetOf(out),
        rows,
        d,
        x!.shape[0]!,
      );
      return out;
    },
  });
  registered = true;
}

/** Whether the native kernels can take this x [B, d] against l [..., B, d] (both float32, on the wasm backend). */
export function nativeBernoulliApplies(x: tf.Tensor, l: tf.Tensor): boolean {
  if (!activeNative() || x.dtype !== 'float32' || l.dtype !== 'float32' || x.rank !== 2 || l.rank < 2) return false;
  const [B, d] = x.shape as [number, number];
  return l.shape[l.rank - 1] === d && l.shape[l.rank - 2] === B && d > 0 && B > 0;
}

/** out [..., B] = Σ_j x_j l_j − softplus(l_j) natively (check nativeBernoulliApplies first). */
export function nativeBernoulliLogLik(x: tf.Tensor, l: tf.Tensor): tf.Tensor {
  register();
  return tf.engine().runKernel(FORWARD, { x, l }) as tf.Tensor;
}

/** dy[r] · (x_j − σ(l_j)) [..., B, d] natively: the gradient of nativeBernoulliLogLik with respect to l. */
export function nativeBernoulliLogLikGrad(x: tf.Tensor, l: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  register();
  return tf.engine().runKernel(GRAD, { x, l, dy }) as tf.Tensor;
}
