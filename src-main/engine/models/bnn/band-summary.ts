/**
 * How a predictive band's uncertainty changes away from the data: for each grid point x_i the distance to the nearest
 * training value, and the mean epistemic and total sd over the grid points near the data (within 2 % of the data's
 * range), away from it (beyond 10 %), away but inside the range (gaps) and away outside it (extrapolation). A
 * well-behaved BNN has sdAwayFromData > sdNearData (Foong et al. 2019, "In-between uncertainty in BNNs").
 */

export interface SdPair {
  epistemic: number;
  total: number;
}

export interface BandSummary {
  nearestData: number[];
  sdNearData: SdPair | null;
  sdAwayFromData: SdPair | null;
  sdInGaps: SdPair | null;
  sdBeyondData: SdPair | null;
}

/** Mean of v over the indices where keep(i) holds (null when none). */
function meanWhere(v: readonly number[], keep: (i: number) => boolean): number | null {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    if (keep(i)) {
      s += v[i]!;
      n++;
    }
  }
  return n > 0 ? s / n : null;
}

/** Distance from each x to the nearest value of `sorted` (ascending); with no data, the distance to `range`. */
export function nearestDistances(
  x: readonly number[],
  sorted: readonly number[],
  range: readonly [number, number],
): number[] {
  return x.map((v) => {
    if (sorted.length === 0) return v < range[0] ? range[0] - v : v > range[1] ? v - range[1] : 0;
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    const a = Math.abs(sorted[lo]! - v);
    const b = lo > 0 ? Math.abs(sorted[lo - 1]! - v) : Infinity;
    return Math.min(a, b);
  });
}

/** The summary above for a band over grid `x` with sds (regression) or none (classification: only distances). */
export function bandSummary(
  band: {
    x: readonly number[];
    dataRange: readonly [number, number];
    sd?: readonly number[] | null;
    epistemicSd?: readonly number[] | null;
  },
  sortedData: readonly number[],
): BandSummary {
  const nearestData = nearestDistances(band.x, sortedData, band.dataRange);
  const out: BandSummary = { nearestData, sdNearData: null, sdAwayFromData: null, sdInGaps: null, sdBeyondData: null };
  const ep = band.epistemicSd;
  const tot = band.sd;
  if (!ep || !tot) return out;
  const [lo, hi] = band.dataRange;
  const span = hi - lo || 1;
  const near = (i: number) => nearestData[i]! <= 0.02 * span;
  const away = (i: number) => nearestData[i]! > 0.1 * span;
  const inGap = (i: number) => away(i) && band.x[i]! > lo && band.x[i]! < hi;
  const beyond = (i: number) => away(i) && (band.x[i]! < lo || band.x[i]! > hi);
  const pair = (keep: (i: number) => boolean): SdPair | null => {
    const e = meanWhere(ep, keep);
    const t = meanWhere(tot, keep);
    return e !== null && t !== null ? { epistemic: e, total: t } : null;
  };
  out.sdNearData = pair(near);
  out.sdAwayFromData = pair(away);
  out.sdInGaps = pair(inGap);
  out.sdBeyondData = pair(beyond);
  return out;
}
