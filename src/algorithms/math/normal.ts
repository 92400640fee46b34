/**
 * The standard normal distribution, once for every algorithm that needs it (Sobol' and CMA-ES map
 * uniforms through Φ⁻¹, GP-BO's acquisitions use φ and Φ, TPE's truncated kernels use log Φ):
 *
 * - erfc by the Chebyshev-fitted rational form of Press et al., "Numerical Recipes" (`erfcc`,
 *   2nd ed. §6.2 / 3rd ed. §6.2.2): erfc(x) = t·exp(−x² − 1.26551223 + t·P(t)), t = 1/(1 + |x|/2),
 *   relative error below 1.2·10⁻⁷ everywhere. The polynomial is exported so that a log-space
 *   variant (TPE's, which must not underflow far in the tails) evaluates exactly the same terms.
 * - Φ(z) = erfc(−z/√2)/2 and φ(z) = exp(−z²/2)/√(2π).
 * - Φ⁻¹(p) by P. J. Acklam's rational approximation, "An algorithm for computing the inverse normal
 *   cumulative distribution function" (2003), relative error below 1.15·10⁻⁹.
 */

/** log(√(2π)). */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** The constant term of the erfc fit's exponent. */
export const ERFC_FIT_CONSTANT = -1.26551223;

/** `t·P(t)`, the rest of the erfc fit's exponent: erfc(x) = t·exp(−x² + ERFC_FIT_CONSTANT + erfcFitTail(t)). */
export function erfcFitTail(t: number): number {
  return (
    t *
    (1.00002368 +
      t *
        (0.37409196 +
          t *
            (0.09678418 +
              t *
                (-0.18628806 +
                  t *
                    (0.27886807 +
                      t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

/** The complementary error function (relative error below 1.2·10⁻⁷; NaN for NaN). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z + ERFC_FIT_CONSTANT + erfcFitTail(t));
  return x >= 0 ? r : 2 - r;
}

/** φ(z), the standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** Φ(z): the probability that a standard normal variate is at most `z` (NaN for NaN). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Φ⁻¹(p): the standard normal quantile; `−∞` at 0, `+∞` at 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
