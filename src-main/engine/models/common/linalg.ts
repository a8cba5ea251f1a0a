/**
 * Small dense linear algebra in float64 (row-major Float64Array), for exact posteriors, test references and
 * diagnostics. O(D³); meant for D up to a few hundred.
 */

/** Cholesky factor L (lower) of a symmetric positive-definite A, or throws naming the failing pivot. */
export function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0))
          throw new Error(`Matrix is not positive definite (pivot ${i} is ${s}); add jitter or check the model.`);
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j]!;
      }
    }
  }
  return L;
}

/** Solve A x = b for SPD A given its Cholesky factor L. */
export function cholSolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** Inverse of an SPD matrix. */
export function spdInverse(A: Float64Array, n: number): Float64Array {
  const L = cholesky(A, n);
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    const c = cholSolve(L, n, e);
    for (let i = 0; i < n; i++) out[i * n + j] = c[i]!;
  }
  return out;
}

export function logDetSpd(A: Float64Array, n: number): number {
  const L = cholesky(A, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += 2 * Math.log(L[i * n + i]!);
  return s;
}

/** log|det A| of a general square matrix by LU with partial pivoting. */
export function logAbsDet(A: Float64Array, n: number): number {
  const M = Float64Array.from(A);
  let s = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r;
    if (M[p * n + c] === 0) return -Infinity;
    if (p !== c) for (let k = 0; k < n; k++) [M[c * n + k], M[p * n + k]] = [M[p * n + k]!, M[c * n + k]!];
    const piv = M[c * n + c]!;
    s += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / piv;
      for (let k = c; k < n; k++) M[r * n + k]! -= f * M[c * n + k]!;
    }
  }
  return s;
}

/** C = A B for A [m, k], B [k, n]. */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let q = 0; q < k; q++) {
      const a = A[i * k + q]!;
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j]! += a * B[q * n + j]!;
    }
  return C;
}

export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j]!;
  return T;
}

/** log N(x; μ, Σ) for a full covariance. */
export function mvnLogPdf(x: Float64Array, mu: Float64Array, cov: Float64Array, n: number): number {
  const L = cholesky(cov, n);
  const r = Float64Array.from(x, (v, i) => v - mu[i]!);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = r[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  let q = 0;
  let ld = 0;
  for (let i = 0; i < n; i++) {
    q += y[i]! * y[i]!;
    ld += Math.log(L[i * n + i]!);
  }
  return -0.5 * q - ld - 0.5 * n * Math.log(2 * Math.PI);
}

/** Relative Frobenius error ‖A − B‖ / ‖B‖. */
export function relError(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < B.length; i++) {
    num += (A[i]! - B[i]!) ** 2;
    den += B[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
