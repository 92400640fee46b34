/**
 * The Gaussian functions the Parzen estimators need, in log form where tails matter: the standard
 * normal CDF Φ and its logarithm, the log of the mass between two points, and the quantile Φ⁻¹.
 *
 * - `erfc` evaluates the shared Chebyshev fit of `../math/normal.ts` in log space: because the
 *   exponent is explicit, log erfc(x) never underflows, so the log mass of a kernel far from a
 *   point stays finite (TPE compares tiny likelihoods of far points).
 * - `normalQuantile` and `LOG_SQRT_2PI` are the shared ones.
 */

import { ERFC_FIT_CONSTANT, erfcFitTail } from '../math/normal.js';

const LN_2 = Math.LN2;
const SQRT1_2 = Math.SQRT1_2;
/** Beyond this many σ a normal tail (< 1.2·10⁻¹⁹) vanishes next to 1 in double precision. */
const TAIL_CUT = 9;
export { LOG_SQRT_2PI, normalQuantile } from '../math/normal.js';

/** log erfc(x) for x ≥ 0 (finite for every finite x): the shared fit, kept in log space. */
function logErfcNonNegative(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const p = ERFC_FIT_CONSTANT + erfcFitTail(t);
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
