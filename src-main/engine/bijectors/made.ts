/**
 * MADE masks (Germain et al. 2015): output d may depend only on inputs that come before d in the ordering.
 * Input degrees follow `order` (1-based position of each coordinate), hidden degrees cycle 1 … D−1, an
 * input→hidden connection exists when deg(h) ≥ deg(in), hidden→output when deg(out) > deg(h).
 */
export interface MadeMasks {
  /** [D, H] input → hidden. */
  inHidden: Float32Array;
  /** [H, D] hidden → output. */
  hiddenOut: Float32Array;
  /** degree of each input coordinate (1..D). */
  degrees: Int32Array;
}

export function madeMasks(dim: number, hidden: number, reverse: boolean): MadeMasks {
  if (dim < 1) throw new RangeError(`Expected a MADE input dimension ≥ 1, got ${dim}`);
  if (hidden < 1) throw new RangeError(`Expected a MADE hidden size ≥ 1, got ${hidden}`);
  const degrees = new Int32Array(dim);
  for (let d = 0; d < dim; d++) degrees[d] = reverse ? dim - d : d + 1;
  const hDeg = new Int32Array(hidden);
  // With D = 1 no input may feed any output: degree 0 hidden units see nothing and feed the only output.
  for (let k = 0; k < hidden; k++) hDeg[k] = dim === 1 ? 0 : (k % (dim - 1)) + 1;
  const inHidden = new Float32Array(dim * hidden);
  const hiddenOut = new Float32Array(hidden * dim);
  for (let d = 0; d < dim; d++) {
    for (let k = 0; k < hidden; k++) {
      if (dim > 1 && hDeg[k]! >= degrees[d]!) inHidden[d * hidden + k] = 1;
      if (degrees[d]! > hDeg[k]!) hiddenOut[k * dim + d] = 1;
    }
  }
  return { inHidden, hiddenOut, degrees };
}
