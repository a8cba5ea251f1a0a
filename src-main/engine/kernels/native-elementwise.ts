/**
 * Element-wise work of a training step as one native pass each over the wasm heap (kernels/native.ts), registered as
 * wasm-backend kernels and used only while the native kernels serve that backend; the maths stays in its home module,
 * which calls these when `activeNative()`:
 *
 * - the Bernoulli log-likelihood of data x under logits l and its gradient (models/vae/model.ts's
 *   bernoulliLogLikFast; nine forward and three backward tfjs ops otherwise):
 *     out[r] = Σ_j x_j l_j − softplus(l_j),   ∂/∂l_j = dy[r] · (x_j − σ(l_j)),
 *   x [B, d] broadcasting against l [..., B, d] (row r of l reads row r mod B of x); out [..., B]. Kernels
 *   `ElboBernoulliLogLik` (inputs x, l) and `ElboBernoulliLogLikGrad` (x, l, dy); equal to the op-by-op form to float
 *   rounding (native.test.ts);
 * - a relu layer's backward step (models/vae/network.ts's dense): δ = dy ⊙ [y > 0] and ∂b = Σ_rows δ for y, dy
 *   [B, N] (tf.step, tf.mul and tf.sum otherwise). Kernel `ElboReluBackward` (inputs y, dy; outputs δ, ∂b); equal
 *   to the op-by-op form to the bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeNative, wasmHeap } from './fast-matmul';

const FORWARD = 'ElboBernoulliLogLik';
const GRAD = 'ElboBernoulliLogLikGrad';
const RELU_BACKWARD = 'ElboReluBackward';

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
  tf.registerKernel({
    kernelName: RELU_BACKWARD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { y, dy } = inputs as Record<string, tf.TensorInfo>;
      const native = activeNative();
      if (!native) throw new Error(`${RELU_BACKWARD} needs the native kernels on the wasm backend`);
      const [B, N] = y!.shape as [number, number];
      const b = backend as unknown as BackendLike;
      const outs = [b.makeOutput([B, N], 'float32'), b.makeOutput([N], 'float32')];
      const heap = wasmHeap()!;
      native.reluBackward(
        heap.buffer,
        heap.offsetOf(y!),
        heap.offsetOf(dy!),
        heap.offsetOf(outs[0]!),
        heap.offsetOf(outs[1]!),
        B,
        N,
      );
      return outs;
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

/**
 * δ = dy ⊙ [y > 0] and ∂b = Σ_rows δ for a relu layer's output y and gradient dy [B, N] in one native pass, or null
 * when the native kernels do not serve the backend or the tensors are not float32 rank-2 of one shape.
 */
export function nativeReluBackward(y: tf.Tensor, dy: tf.Tensor): [tf.Tensor2D, tf.Tensor1D] | null {
  if (!activeNative() || y.dtype !== 'float32' || dy.dtype !== 'float32' || y.rank !== 2) return null;
  if (!tf.util.arraysEqual(y.shape, dy.shape)) return null;
  register();
  return tf.engine().runKernel(RELU_BACKWARD, { y, dy }) as unknown as [tf.Tensor2D, tf.Tensor1D];
}
