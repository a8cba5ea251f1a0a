/** Text for an estimate: a mean with its standard error, at the precision the standard error allows. */

/**
 * "−2.515 ± 0.012": two significant digits of the SE, the mean to the same decimal place. Without a finite SE the
 * mean alone, through `plain` (the caller's number format).
 */
export function formatMeanSe(
  mean: number | null | undefined,
  se: number | null | undefined,
  plain: (v: number | null | undefined) => string = (v) => String(v),
): string {
  if (mean === null || mean === undefined || !Number.isFinite(mean)) return plain(mean);
  if (se === null || se === undefined || !Number.isFinite(se)) return plain(mean);
  if (se === 0) return `${plain(mean)} ± 0`;
  const decimals = Math.max(0, Math.min(8, 1 - Math.floor(Math.log10(se))));
  return `${mean.toFixed(decimals)} ± ${se.toFixed(decimals)}`;
}
