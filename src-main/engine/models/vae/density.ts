/**
 * A posterior density on a grid, from log q(z | x) at the grid points: normalised so that Σ density · Δx · Δy = 1 on
 * the grid (for drawing), and the raw mass Σ exp(log q) · Δx · Δy, which is ≈ 1 when the grid covers the posterior —
 * a check of the density, since q is normalised over all of ℝ². Non-finite log densities count as 0.
 */
export function normaliseGridDensity(
  x: readonly number[],
  y: readonly number[],
  logDensity: readonly (readonly number[])[],
): { density: number[][]; mass: number } {
  const dx = x.length > 1 ? x[1]! - x[0]! : 1;
  const dy = y.length > 1 ? y[1]! - y[0]! : 1;
  let max = -Infinity;
  for (const r of logDensity) for (const v of r) if (Number.isFinite(v) && v > max) max = v;
  let mass = 0;
  let rel = 0;
  for (const r of logDensity) {
    for (const v of r) {
      if (!Number.isFinite(v)) continue;
      mass += Math.exp(v) * dx * dy;
      rel += Math.exp(v - max) * dx * dy;
    }
  }
  const density = logDensity.map((r) => r.map((v) => (Number.isFinite(v) && rel > 0 ? Math.exp(v - max) / rel : 0)));
  return { density, mass };
}
