/**
 * The Matérn-5/2 covariance with one length-scale per dimension (automatic relevance
 * determination), Rasmussen & Williams, "Gaussian Processes for Machine Learning" (2006), eq. 4.17:
 *
 *   k(x, x') = σ_f² · (1 + √5·r + 5r²/3) · exp(−√5·r),   r² = Σ_j (x_j − x'_j)² / ℓ_j².
 *
 * Points are rows of a flat row-major `Float64Array` (`n×d`), in the unit cube.
 */

const SQRT5 = Math.sqrt(5);

/** `k` at scaled squared distance `r2` for signal variance `signal`. */
export function matern52(r2: number, signal: number): number {
  const r = Math.sqrt(r2);
  return signal * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * The factor `g(r) = σ_f²·(5/3)·(1 + √5·r)·exp(−√5·r)` shared by the derivatives:
 * `∂k/∂(log ℓ_j) = g·Δ_j²/ℓ_j²` and `∂k/∂x_j = −g·Δ_j/ℓ_j²` (with `Δ = x − x'`), which stay finite
 * at `r = 0`.
 */
export function matern52Slope(r2: number, signal: number): number {
  const r = Math.sqrt(r2);
  return signal * (5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/**
 * `matern52(r2, signal)` into `out[0]` and `matern52Slope(r2, signal)` into `out[1]`, with one
 * square root and one exponential for both (the same operations in the same order, so the same
 * numbers as the two calls).
 */
export function matern52WithSlope(r2: number, signal: number, out: Float64Array): void {
  const r = Math.sqrt(r2);
  const e = Math.exp(-SQRT5 * r);
  out[0] = signal * (1 + SQRT5 * r + (5 / 3) * r2) * e;
  out[1] = signal * (5 / 3) * (1 + SQRT5 * r) * e;
}

/** Scaled squared distance between row `i` of `a` and row `j` of `b` (both `·×d`), given `1/ℓ²`. */
export function scaledDistance2(
  a: ArrayLike<number>,
  i: number,
  b: ArrayLike<number>,
  j: number,
  d: number,
  inverseLengthscale2: Float64Array,
): number {
  let s = 0;
  const ai = i * d;
  const bj = j * d;
  for (let k = 0; k < d; k++) {
    const t = (a[ai + k] as number) - (b[bj + k] as number);
    s += t * t * (inverseLengthscale2[k] as number);
  }
  return s;
}
