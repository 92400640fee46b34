/**
 * The Gaussian functions the Parzen estimators need, in log form where tails matter: the standard
 * normal CDF Φ and its logarithm, the log of the mass between two points, and the quantile Φ⁻¹.
 *
 * - `erfc` uses the Chebyshev-fitted rational form of Press et al., "Numerical Recipes in C",
 *   2nd ed., §6.2 (`erfcc`): erfc(x) = t·exp(−x² + P(t)), t = 1/(1 + x/2), fractional error below
 *   1.2·10⁻⁷ everywhere. Because the exponent is explicit, log erfc(x) never underflows, so the log
 *   mass of a kernel far from a point stays finite (TPE compares tiny likelihoods of far points).
 * - `normalQuantile` is P. J. Acklam's rational approximation of Φ⁻¹ (relative error below
 *   1.15·10⁻⁹), "An algorithm for computing the inverse normal cumulative distribution function",
 *   2003.
 */

const LN_2 = Math.LN2;
const SQRT1_2 = Math.SQRT1_2;
/** Beyond this many σ a normal tail (< 1.2·10⁻¹⁹) vanishes next to 1 in double precision. */
const TAIL_CUT = 9;
/** log(√(2π)). */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log erfc(x) for x ≥ 0 (finite for every finite x). */
function logErfcNonNegative(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const p =
    -1.26551223 +
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
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + p;
}

/** The complementary error function, relative error below 1.2·10⁻⁷. */
export function erfc(x: number): number {
  if (x >= 0) return Math.exp(logErfcNonNegative(x));
  return 2 - Math.exp(logErfcNonNegative(-x));
}

/** log Φ(z) for z ≤ 0, the lower tail of the standard normal (finite for every finite z). */
function logLowerTail(z: number): number {
  return logErfcNonNegative(-z * SQRT1_2) - LN_2;
}

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  return z <= 0 ? Math.exp(logLowerTail(z)) : 1 - Math.exp(logLowerTail(-z));
}

/**
 * log(Φ(b) − Φ(a)) for a ≤ b: the log of the standard normal mass between `a` and `b`, accurate in
 * both tails (the interval is reflected into the lower tail, where Φ has relative accuracy).
 * `-Infinity` when a = b.
 */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) {
    // Reflect into the lower tail: Φ(b) − Φ(a) = Φ(−a) − Φ(−b).
    const t = a;
    a = -b;
    b = -t;
  }
  if (b <= 0) {
    // Both ends in the lower tail: log Φ(b) + log(1 − Φ(a)/Φ(b)).
    const lb = logLowerTail(b);
    const la = a === -Infinity ? -Infinity : logLowerTail(a);
    return lb + Math.log1p(-Math.exp(la - lb));
  }
  // a < 0 < b: one minus both tails, no cancellation. A tail beyond 9σ (< 1.2·10⁻¹⁹) is below
  // double precision next to 1 and is skipped.
  const lower = a < -TAIL_CUT ? 0 : Math.exp(logLowerTail(a));
  const upper = b > TAIL_CUT ? 0 : Math.exp(logLowerTail(-b));
  return Math.log1p(-(lower + upper));
}

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Φ⁻¹(p), the standard normal quantile; ±Infinity at p = 0 and p = 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0)) return -Infinity;
  if (!(p < 1)) return Infinity;
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
