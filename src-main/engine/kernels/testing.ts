/**
 * The matrix-product tests' shared fixture (fast-matmul.test.ts for the wasm SIMD kernel, native.test.ts for the
 * native one): a float64 reference product, the error measure, and one table of shapes.
 */

/** Reference product in float64: A [M, K] (stored [K, M] when tA) · B [K, N] (stored [N, K] when tB). */
export function naiveProduct(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
  tA: boolean,
  tB: boolean,
): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + i]! : a[i * K + k]!) * (tB ? b[j * K + k]! : b[k * N + j]!);
      c[i * N + j] = s;
    }
  return c;
}

/** max |ref − got| relative to max |ref| (at least 1e-6). */
export function maxRelErr(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let scale = 1e-6;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  let e = 0;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(ref[i]! - got[i]!));
  return e / scale;
}

/**
 * [M, K, N] for both kernels: ragged on each register block (wasm SIMD MR × NR = 4 × 8, native 6 × 16), K of 1 and
 * odd, K across the native 256 depth block, and products big enough for the native pool to split (≥ 2^20
 * multiply-adds), by rows when M ≥ N and by columns otherwise.
 */
export const GEMM_TEST_SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 8],
  [5, 1, 9],
  [6, 16, 16],
  [7, 1, 17],
  [9, 17, 13],
  [13, 300, 33],
  [17, 33, 31],
  [64, 40, 20],
  [128, 784, 400],
  [784, 128, 400],
  [130, 97, 1001],
];
