/**
 * How a training curve is viewed, as TensorBoard does: exponential-moving-average smoothing with debiasing, and a
 * log-scale y axis. Pure functions on [x, y] points.
 *
 *   s_t = w · s_{t−1} + (1 − w) · y_t,  s_0 = 0;  shown: s_t / (1 − w^t)   (the debiasing of Adam's moments, so the
 *   first points are not pulled towards 0). Non-finite values are kept out of the average and left as they are.
 *
 * A log axis needs positive values: a curve that is negative throughout (an ELBO) is drawn as its negation (−ELBO),
 * and the caller says so; points that are ≤ 0 after that cannot be drawn and are counted.
 */

export type Point = [number, number];

/** Smoothing weights the control offers: 0 (off) to 0.99. */
export const MAX_SMOOTHING = 0.99;

/** Debiased exponential moving average of y with weight w ∈ [0, 1) (TensorBoard's smoothing). */
export function emaSmooth(points: readonly Point[], weight: number): Point[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`Expected a smoothing weight in [0, 1), got ${weight}`);
  if (weight === 0) return points.map(([x, y]) => [x, y]);
  let last = 0;
  let n = 0;
  return points.map(([x, y]) => {
    if (!Number.isFinite(y)) return [x, y];
    last = last * weight + (1 - weight) * y;
    n++;
    return [x, last / (1 - weight ** n)];
  });
}

export interface LogView {
  points: Point[][];
  /** Every curve was negated (all values were negative): the axis shows −y. */
  negated: boolean;
  /** Points that could not be drawn on a log axis (≤ 0 after the sign choice). */
  dropped: number;
}

/**
 * The curves ready for a log axis: negated together when every finite value is negative (so they stay comparable),
 * otherwise as they are; non-positive points are dropped and counted.
 */
export function forLogAxis(curves: readonly (readonly Point[])[]): LogView {
  let pos = 0;
  let neg = 0;
  for (const c of curves)
    for (const [, y] of c) {
      if (!Number.isFinite(y)) continue;
      if (y > 0) pos++;
      else if (y < 0) neg++;
    }
  const negated = neg > 0 && pos === 0;
  let dropped = 0;
  const points = curves.map((c) => {
    const out: Point[] = [];
    for (const [x, y0] of c) {
      const y = negated ? -y0 : y0;
      if (Number.isFinite(y) && y > 0) out.push([x, y]);
      else if (Number.isFinite(y0)) dropped++;
    }
    return out;
  });
  return { points, negated, dropped };
}

/** The sentence under a chart that says what the log axis shows. */
export function logAxisNote(v: LogView, what: string): string {
  const base = v.negated
    ? `Log scale of −${what} (every value is negative, so the axis shows its negation; lower is better there).`
    : `Log scale of ${what}.`;
  return v.dropped > 0 ? `${base} ${v.dropped} point${v.dropped === 1 ? '' : 's'} ≤ 0 cannot be drawn.` : base;
}
