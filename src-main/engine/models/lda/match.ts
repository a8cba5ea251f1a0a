/**
 * Matching topics between two fits (or a fit and the truth): the assignment π maximising Σ_k sim(A_k, B_π(k)) of
 * cosine similarities, by the Hungarian algorithm (Kuhn 1955; Munkres 1957) in O(K³) with row/column potentials.
 * Used by the tests (recovering known topics) and by a compare view aligning two runs' topics.
 */

/** Cosine similarity of rows i of a and j of b, both [K × V] row-major. */
export function cosineRows(a: Float64Array, i: number, b: Float64Array, j: number, V: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let w = 0; w < V; w++) {
    const x = a[i * V + w]!;
    const y = b[j * V + w]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Minimum-cost perfect assignment for an n × m cost matrix (n ≤ m), row-major. Returns assign[i] = column of row i.
 */
export function hungarian(cost: Float64Array, n: number, m: number): number[] {
  if (n > m) throw new RangeError(`Expected rows ≤ columns, got ${n} × ${m}`);
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row (1-based) matched to column j
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(INF);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * m + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assign = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) assign[p[j]! - 1] = j - 1;
  return assign;
}

/**
 * Best one-to-one matching of the K rows of `a` to rows of `b` (both [K × V]) by cosine similarity:
 * assignment[k] = row of b matched to row k of a, with its similarity.
 */
export function matchTopics(
  a: Float64Array,
  b: Float64Array,
  K: number,
  V: number,
): { assignment: number[]; similarity: number[] } {
  const sim = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) sim[i * K + j] = cosineRows(a, i, b, j, V);
  const cost = sim.map((s) => -s);
  const assignment = hungarian(cost, K, K);
  return { assignment, similarity: assignment.map((j, i) => sim[i * K + j]!) };
}
