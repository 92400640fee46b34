/**
 * Maximises an acquisition over the unit cube: score many candidates — uniform draws and
 * Gaussian perturbations of the best observed points (as TuRBO and HEBO seed their searches
 * near the incumbents) — then refine the best few with projected L-BFGS on the acquisition's
 * analytic gradient (skopt's `acq_optimizer: lbfgs`), and finally score every point again *after*
 * projecting it onto the feasible space (ints rounded, one-hot blocks made one-hot), since that
 * feasible point is what will be run.
 */
import { minimizeLbfgs } from '../linalg/index.js';
import type { Rng } from '../rng.js';
import {
  KAPPA,
  XI,
  acquisitionScore,
  logExpectedImprovementFactor,
  logNormalCdf,
  normalCdf,
  normalPdf,
  type AcquisitionKind,
} from './acquisition.js';
import type { GpPosterior, Prediction } from './gaussian-process.js';

/** A scored point of the unit cube. */
export interface ScoredPoint {
  readonly x: Float64Array;
  readonly score: number;
}

/** Score and gradient (in `x`) of an acquisition. */
export function acquisitionWithGradient(
  kind: AcquisitionKind,
  posterior: GpPosterior,
  best: number,
  x: Float64Array,
): { score: number; gradient: Float64Array } {
  const p = posterior.predictWithGradient(x);
  const sd = Math.sqrt(p.variance);
  const d = x.length;
  const gradient = new Float64Array(d);
  const score = acquisitionScore(kind, p.mean, p.variance, best);
  // dσ = dσ²/(2σ)
  const dsd = (j: number): number => (p.varianceGradient[j] as number) / (2 * sd);
  switch (kind) {
    case 'LCB':
      for (let j = 0; j < d; j++) gradient[j] = -(p.meanGradient[j] as number) + KAPPA * dsd(j);
      break;
    case 'EI': {
      // score = log σ + log h(z), h' = Φ; dz = (−dμ − z·dσ)/σ.
      const z = (best - p.mean - XI) / sd;
      const ratio = Math.exp(logNormalCdf(z) - logExpectedImprovementFactor(z));
      for (let j = 0; j < d; j++) {
        const dz = (-(p.meanGradient[j] as number) - z * dsd(j)) / sd;
        gradient[j] = dsd(j) / sd + ratio * dz;
      }
      break;
    }
    case 'PI': {
      const z = (best - p.mean - XI) / sd;
      const ratio = z > -10 ? normalPdf(z) / Math.max(normalCdf(z), 1e-300) : -z;
      for (let j = 0; j < d; j++) {
        const dz = (-(p.meanGradient[j] as number) - z * dsd(j)) / sd;
        gradient[j] = ratio * dz;
      }
      break;
    }
  }
  return { score, gradient };
}

/** Refines `start` by projected L-BFGS on the acquisition inside `[0, 1]^d`. */
export function refineAcquisition(
  kind: AcquisitionKind,
  posterior: GpPosterior,
  best: number,
  start: Float64Array,
  maxIterations = 25,
): ScoredPoint {
  const d = start.length;
  const lower = new Float64Array(d);
  const upper = new Float64Array(d).fill(1);
  const r = minimizeLbfgs(
    (x) => {
      const { score, gradient } = acquisitionWithGradient(kind, posterior, best, x);
      for (let j = 0; j < d; j++) gradient[j] = -(gradient[j] as number);
      return { value: Number.isFinite(score) ? -score : Infinity, gradient };
    },
    start,
    { lower, upper, maxIterations, gradientTolerance: 1e-7 },
  );
  return { x: r.x, score: -r.value };
}

/** Candidate points: half uniform in the cube, half Gaussian steps around the best observed points. */
export function candidatePoints(
  count: number,
  d: number,
  incumbents: readonly Float64Array[],
  rng: Rng,
): Float64Array[] {
  const out: Float64Array[] = [];
  const local = incumbents.length > 0 ? Math.floor(count / 2) : 0;
  for (let c = 0; c < count - local; c++) {
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) x[j] = rng.next();
    out.push(x);
  }
  for (let c = 0; c < local; c++) {
    const centre = incumbents[c % incumbents.length] as Float64Array;
    // Alternate step sizes: fine local search and a wider neighbourhood.
    const sd = c % 3 === 0 ? 0.15 : c % 3 === 1 ? 0.05 : 0.01;
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const v = (centre[j] as number) + sd * rng.normal();
      x[j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    out.push(x);
  }
  return out;
}

/** Posterior mean and variance at every candidate (the O(n²)-per-point part, done once). */
export function predictAll(posterior: GpPosterior, points: readonly Float64Array[]): Prediction[] {
  return points.map((x) => posterior.predict(x, { mean: 0, variance: 0 }));
}

/** Indices of the `k` best scores, best first (ties by index, for determinism). */
export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)
    .slice(0, k);
}
