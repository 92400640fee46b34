/**
 * The Gaussian-process posterior (Rasmussen & Williams 2006, Algorithm 2.1) for a zero-mean GP with
 * the Matérn-5/2 ARD kernel over points of the unit cube and standardised outputs:
 *
 *   L = chol(K + σ_n²·I),  α = Lᵀ \ (L \ y),  μ(x) = k*ᵀα,  σ²(x) = k(x, x) − ‖L \ k*‖².
 *
 * A posterior can be built *from a previous one*: when the hyperparameters are the same and the
 * leading points agree, the leading rows of `L` are copied instead of recomputed (row `i` of a
 * Cholesky factor depends only on the first `i + 1` points), so appending a point — a new trial, or a
 * kriging-believer fantasy within a batch — costs O(n²), and the factor is bit-for-bit the one a
 * fresh factorisation gives.
 */
import {
  choleskyWithJitter,
  solveLower,
  solveUpper,
  solveUpperTransposed,
  transposed,
  type CholeskyFactor,
} from '../linalg/index.js';
import { noiseIndex, signalIndex, type HyperVector } from './hyperparameters.js';
import { matern52, matern52WithSlope, scaledDistance2 } from './matern52.js';

/** Mean and variance of the latent function at one point. */
export interface Prediction {
  mean: number;
  variance: number;
}

/** Mean, variance and their gradients with respect to the point. */
export interface PredictionWithGradient extends Prediction {
  readonly meanGradient: Float64Array;
  readonly varianceGradient: Float64Array;
}

/** Variance floor, relative to the signal variance (keeps σ > 0 for the acquisitions). */
const VARIANCE_FLOOR = 1e-12;

/** A GP conditioned on `n` points (rows of `points`, `n×d`) with outputs `y`. */
export class GpPosterior {
  readonly signal: number;
  readonly noise: number;
  readonly inverseLengthscale2: Float64Array;
  readonly factor: CholeskyFactor;
  /** `(K + σ_n²I)⁻¹·y`. */
  readonly alpha: Float64Array;
  private readonly kStar: Float64Array;
  /** `Lᵀ` row-major, made on the first gradient (see {@link solveUpper}). */
  private upper: Float64Array | undefined;

  private constructor(
    readonly points: Float64Array,
    readonly n: number,
    readonly d: number,
    readonly y: Float64Array,
    readonly hyper: HyperVector,
    previous: GpPosterior | undefined,
  ) {
    this.signal = Math.exp(hyper[signalIndex(d)] as number);
    this.noise = Math.exp(hyper[noiseIndex(d)] as number);
    this.inverseLengthscale2 = new Float64Array(d);
    for (let k = 0; k < d; k++) this.inverseLengthscale2[k] = Math.exp(-2 * (hyper[k] as number));
    const reuse = previous ? sharedPrefix(previous, points, n, d, hyper) : 0;
    const a = new Float64Array(n * n);
    const fill = (m: Float64Array, from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        for (let j = 0; j < i; j++)
          m[i * n + j] = matern52(
            scaledDistance2(points, i, points, j, d, this.inverseLengthscale2),
            this.signal,
          );
        m[i * n + i] = this.signal + this.noise;
      }
    };
    fill(a, reuse, n);
    this.factor = choleskyWithJitter(
      a,
      n,
      previous && reuse > 0
        ? { factor: previous.factor, reuse, fillLeadingRows: (m) => fill(m, 0, reuse) }
        : undefined,
    );
    this.alpha = Float64Array.from(y);
    solveLower(this.factor.lower, n, this.alpha);
    solveUpperTransposed(this.factor.lower, n, this.alpha);
    this.kStar = new Float64Array(n);
  }

  /**
   * The posterior of `points`/`y` under `hyper`. With `previous`, leading rows of its factor are
   * reused where the hyperparameters and points agree exactly (the result is identical either way).
   */
  static condition(
    points: Float64Array,
    n: number,
    d: number,
    y: Float64Array,
    hyper: HyperVector,
    previous?: GpPosterior,
  ): GpPosterior {
    return new GpPosterior(points, n, d, y, hyper, previous);
  }

  /** This posterior with one more point `x` observed as `value` (e.g. a kriging-believer fantasy). */
  append(x: ArrayLike<number>, value: number): GpPosterior {
    const points = new Float64Array((this.n + 1) * this.d);
    points.set(this.points.subarray(0, this.n * this.d));
    for (let k = 0; k < this.d; k++) points[this.n * this.d + k] = x[k] as number;
    const y = new Float64Array(this.n + 1);
    y.set(this.y.subarray(0, this.n));
    y[this.n] = value;
    return new GpPosterior(points, this.n + 1, this.d, y, this.hyper, this);
  }

  /** Mean and variance of the latent function at `x` (written into `out`). */
  predict(x: ArrayLike<number>, out: Prediction = { mean: 0, variance: 0 }): Prediction {
    const { n, d, kStar } = this;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const k = matern52(scaledDistance2(this.points, i, x, 0, d, this.inverseLengthscale2), this.signal);
      kStar[i] = k;
      mean += k * (this.alpha[i] as number);
    }
    solveLower(this.factor.lower, n, kStar);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += (kStar[i] as number) * (kStar[i] as number);
    out.mean = mean;
    out.variance = Math.max(this.signal - explained, VARIANCE_FLOOR * this.signal);
    return out;
  }

  /** Mean, variance and their gradients in `x` (for gradient-based acquisition refinement). */
  predictWithGradient(x: ArrayLike<number>): PredictionWithGradient {
    const { n, d } = this;
    const k = new Float64Array(n);
    const slope = new Float64Array(n);
    const pair = new Float64Array(2);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const r2 = scaledDistance2(this.points, i, x, 0, d, this.inverseLengthscale2);
      matern52WithSlope(r2, this.signal, pair);
      k[i] = pair[0] as number;
      slope[i] = pair[1] as number;
      mean += (k[i] as number) * (this.alpha[i] as number);
    }
    const v = Float64Array.from(k);
    solveLower(this.factor.lower, n, v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += (v[i] as number) * (v[i] as number);
    this.upper ??= transposed(this.factor.lower, n);
    const w = solveUpper(this.upper, n, v); // (K + σ_n²I)⁻¹ k*
    const meanGradient = new Float64Array(d);
    const varianceGradient = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const s = slope[i] as number;
      const ai = this.alpha[i] as number;
      const wi = w[i] as number;
      for (let j = 0; j < d; j++) {
        // ∂k(x, x_i)/∂x_j = −g·(x_j − x_ij)/ℓ_j²
        const dk =
          -s *
          ((x[j] as number) - (this.points[i * d + j] as number)) *
          (this.inverseLengthscale2[j] as number);
        meanGradient[j] = (meanGradient[j] as number) + ai * dk;
        varianceGradient[j] = (varianceGradient[j] as number) - 2 * wi * dk;
      }
    }
    const raw = this.signal - explained;
    const floor = VARIANCE_FLOOR * this.signal;
    if (raw <= floor) varianceGradient.fill(0);
    return { mean, variance: Math.max(raw, floor), meanGradient, varianceGradient };
  }
}

/** How many leading points `previous` shares with `points` under identical hyperparameters. */
function sharedPrefix(
  previous: GpPosterior,
  points: Float64Array,
  n: number,
  d: number,
  hyper: HyperVector,
): number {
  if (previous.d !== d || previous.hyper.length !== hyper.length) return 0;
  for (let i = 0; i < hyper.length; i++) if (previous.hyper[i] !== hyper[i]) return 0;
  const m = Math.min(previous.n, n);
  let same = 0;
  for (; same < m; same++) {
    const o = same * d;
    let equal = true;
    for (let k = 0; k < d; k++) {
      if (previous.points[o + k] !== points[o + k]) {
        equal = false;
        break;
      }
    }
    if (!equal) break;
  }
  return same;
}
