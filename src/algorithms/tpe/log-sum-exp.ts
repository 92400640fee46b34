/**
 * The log of a sum of exponentials, as the Parzen estimators add up their kernels' log scores:
 * stable (shifted by the largest term) and leaving out terms too small to count.
 */

/**
 * Terms this far below the largest add less than e^−40 ≈ 4·10⁻¹⁸ of it each, below double
 * precision even summed over 10⁴ kernels, so they are skipped.
 */
export const NEGLIGIBLE = 40;

/**
 * log Σ exp(v[i]) over the first `n` entries, stable. Terms more than {@link NEGLIGIBLE} below
 * the largest are left out (most kernels of a fitted estimator are far from any one point).
 */
export function logSumExp(v: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (v[i]! > max) max = v[i]!;
  return logSumExpBelow(v, 0, n, max);
}

/**
 * {@link logSumExp} of the `n` entries `v[from…from+n−1]`, given their largest entry `max` (of
 * those that are not NaN), for callers that track it while writing the terms. With `cut` below
 * {@link NEGLIGIBLE}, terms more than `cut` below the largest are left out too: a partial sum,
 * hence a lower bound.
 */
export function logSumExpBelow(
  v: Float64Array,
  from: number,
  n: number,
  max: number,
  cut = NEGLIGIBLE,
): number {
  if (max === -Infinity || max === Infinity) return max;
  const floor = max - cut;
  const end = from + n;
  let s = 0;
  for (let i = from; i < end; i++) {
    const x = v[i]!;
    if (x > floor) s += Math.exp(x - max);
  }
  return max + Math.log(s);
}
