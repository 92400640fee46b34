/**
 * The objective of the hyperparameter fit: the negative log marginal likelihood of a zero-mean
 * GP (Rasmussen & Williams 2006, eq. 5.8) plus Gaussian log-priors on the log-hyperparameters,
 * with its exact gradient (eq. 5.9):
 *
 *   log p(y | X, θ) = −½·yᵀα − Σ log L_ii − (n/2)·log 2π,
 *   ∂/∂θ_j log p   = ½·tr((ααᵀ − K⁻¹)·∂K/∂θ_j).
 */
import {
  choleskyInverse,
  choleskyWithJitter,
  halfLogDeterminant,
  solveLower,
  solveUpperTransposed,
} from '../linalg/index.js';
import { priorOf, type HyperVector } from './hyperparameters.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT5 = Math.sqrt(5);

/** Value and gradient of the negative log posterior of the hyperparameters. */
export interface FitObjective {
  readonly value: number;
  readonly gradient: Float64Array;
  /** The log marginal likelihood alone (without priors). */
  readonly logMarginalLikelihood: number;
}

/**
 * The coordinate differences `x_ik − x_jk` of every pair `j < i` of `n` points (`n×d`), pair by
 * pair in the order `(1,0), (2,0), (2,1), (3,0), …` (pair `(i, j)` at `i(i−1)/2 + j`), `d` values
 * each. They do not depend on the hyperparameters, so a fit computes them once for all of its
 * likelihood evaluations ({@link negativeLogPosterior}'s `differences`).
 */
export function pairwiseDifferences(points: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let k = 0; k < d; k++) out[at++] = (points[i * d + k] as number) - (points[j * d + k] as number);
    }
  }
  return out;
}

/**
 * `−log p(y | X, θ) − log p(θ)` and its gradient in `θ`, for `n` points (`n×d` rows of `points`)
 * with outputs `y`. Returns `Infinity` (and a zero gradient) when the kernel matrix cannot be
 * factored. `differences`, from {@link pairwiseDifferences} of the same points, spares recomputing
 * them; the result is the same to the last bit either way.
 */
export function negativeLogPosterior(
  points: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  theta: HyperVector,
  withPrior = true,
  differences: Float64Array = pairwiseDifferences(points, n, d),
): FitObjective {
  const signal = Math.exp(theta[d] as number);
  const noise = Math.exp(theta[d + 1] as number);
  const inv2 = new Float64Array(d);
  for (let k = 0; k < d; k++) inv2[k] = Math.exp(-2 * (theta[k] as number));
  // Kernel matrix and, per pair, the slope factor g(r) of the length-scale derivatives.
  const kernel = new Float64Array(n * n);
  const slope = new Float64Array(n * n);
  for (let i = 0, pair = 0; i < n; i++) {
    for (let j = 0; j < i; j++, pair += d) {
      // Σ_k t_k²/ℓ_k², as scaledDistance2 computes it.
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const t = differences[pair + k] as number;
        r2 += t * t * (inv2[k] as number);
      }
      const r = Math.sqrt(r2);
      const e = signal * Math.exp(-SQRT5 * r);
      const v = (1 + SQRT5 * r + (5 / 3) * r2) * e;
      kernel[i * n + j] = v;
      kernel[j * n + i] = v;
      slope[i * n + j] = (5 / 3) * (1 + SQRT5 * r) * e;
    }
    kernel[i * n + i] = signal + noise;
  }
  const gradient = new Float64Array(d + 2);
  let factor;
  try {
    factor = choleskyWithJitter(kernel, n);
  } catch {
    return { value: Infinity, gradient, logMarginalLikelihood: -Infinity };
  }
  const alpha = Float64Array.from(y);
  solveLower(factor.lower, n, alpha);
  let quadratic = 0;
  for (let i = 0; i < n; i++) quadratic += (alpha[i] as number) * (alpha[i] as number);
  solveUpperTransposed(factor.lower, n, alpha);
  const lml = -0.5 * quadratic - halfLogDeterminant(factor) - n * HALF_LOG_2PI;

  // W = ααᵀ − K⁻¹; ∂(lml)/∂θ = ½ Σ_ij W_ij ∂K_ij/∂θ.
  const inverse = choleskyInverse(factor);
  const gLml = new Float64Array(d + 2);
  let gSignal = 0;
  let gNoise = 0;
  for (let i = 0, pair = 0; i < n; i++) {
    const ai = alpha[i] as number;
    const wii = ai * ai - (inverse[i * n + i] as number);
    gSignal += 0.5 * wii * signal;
    gNoise += 0.5 * wii * noise;
    for (let j = 0; j < i; j++, pair += d) {
      const w = ai * (alpha[j] as number) - (inverse[i * n + j] as number);
      const kij = kernel[i * n + j] as number;
      gSignal += w * kij; // two symmetric entries, times ½
      const g = w * (slope[i * n + j] as number);
      for (let k = 0; k < d; k++) {
        const t = differences[pair + k] as number;
        gLml[k] = (gLml[k] as number) + g * t * t * (inv2[k] as number);
      }
    }
  }
  gLml[d] = gSignal;
  gLml[d + 1] = gNoise;

  let value = -lml;
  for (let i = 0; i < d + 2; i++) {
    let g = -(gLml[i] as number);
    if (withPrior) {
      const p = priorOf(i, d);
      const z = ((theta[i] as number) - p.mean) / p.sd;
      value += 0.5 * z * z;
      g += z / p.sd;
    }
    gradient[i] = g;
  }
  return { value, gradient, logMarginalLikelihood: lml };
}
