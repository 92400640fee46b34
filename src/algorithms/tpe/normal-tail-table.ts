/**
 * The standard normal lower tail Φ(z), z ≤ 0, read from a table instead of computed: the values
 * of gaussian.ts's {@link normalCdf} (the erfc fit in log space: a logarithm and two exponentials
 * per call) at steps of h = 1/256, joined by the cubic through the four nearest steps (Lagrange
 * interpolation; the first interval, which has no step above z = 0, uses the four below it). Each
 * interval keeps its cubic's four coefficients, so a value is one Horner evaluation.
 *
 * Its error against `normalCdf` is below {@link TAIL_TABLE_ERROR} absolutely: the interpolation
 * error of a cubic through four points h apart is at most 0.042·h⁴·max|Φ⁗| (≈ 1.4·10⁻¹¹ with
 * |Φ⁗| = |φ‴| < 1.4; the fit's derivatives are Φ's to a few 10⁻⁷), and the test measures it
 * densely. Beyond 9σ the tail is 0, as in {@link logNormalMass}, which leaves out such tails too
 * (< 1.2·10⁻¹⁹).
 *
 * The Parzen estimators' fast product-kernel estimate (shared-bandwidth-kernels.ts) takes the
 * truncation masses 1 − Φ(a) − Φ(−b) of thousands of kernels per suggestion from here.
 */
import { normalCdf } from './gaussian.js';

/** Table steps per unit of z. */
const STEPS = 256;
/** Where the tail is taken as 0 (as `logNormalMass` does beyond 9σ). */
const END = 9;
/** Number of intervals of [−9, 0]. */
const INTERVALS = END * STEPS;

/** Absolute error bound of {@link tabulatedLowerTail} against `normalCdf` on z ≤ 0. */
export const TAIL_TABLE_ERROR = 5e-11;

/**
 * Per interval j (u = −z·STEPS in [j, j + 1)): the coefficients c₀…c₃ of the cubic in f = u − j,
 * at 4j…4j + 3.
 */
const COEFFICIENTS = buildCoefficients();

function buildCoefficients(): Float64Array {
  const value = Float64Array.from({ length: INTERVALS + 3 }, (_, j) => normalCdf(-j / STEPS));
  const out = new Float64Array(4 * INTERVALS);
  for (let j = 0; j < INTERVALS; j++) {
    // The cubic through values p, q, r, s at offsets −1, 0, 1, 2 of its variable g.
    const base = j === 0 ? 0 : j - 1;
    const [p, q, r, s] = [value[base]!, value[base + 1]!, value[base + 2]!, value[base + 3]!];
    const d0 = q;
    const d1 = -p / 3 - q / 2 + r - s / 6;
    const d2 = p / 2 - q + r / 2;
    const d3 = (s - p) / 6 + (q - r) / 2;
    // The variable is f = g for the inner intervals; f = g + 1 for the first (its nodes are 0…3).
    const c = j === 0 ? [d0 - d1 + d2 - d3, d1 - 2 * d2 + 3 * d3, d2 - 3 * d3, d3] : [d0, d1, d2, d3];
    out.set(c, 4 * j);
  }
  return out;
}

/**
 * Φ(z) for z ≤ 0 within {@link TAIL_TABLE_ERROR} of `normalCdf(z)`; 0 for z ≤ −9. For z > 0 the
 * result is meaningless (callers reflect into the lower tail first).
 */
export function tabulatedLowerTail(z: number): number {
  const u = -z * STEPS;
  if (!(u < INTERVALS)) return 0;
  const j = u > 0 ? Math.floor(u) : 0;
  const f = u - j;
  const o = 4 * j;
  const c = COEFFICIENTS;
  return c[o]! + f * (c[o + 1]! + f * (c[o + 2]! + f * c[o + 3]!));
}
