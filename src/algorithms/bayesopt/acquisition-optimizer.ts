/**
 * Maximises an acquisition over the unit cube: score many candidates — uniform draws and
 * Gaussian perturbations of the best observed points (as TuRBO and HEBO seed their searches
 * near the incumbents) — then refine the best few with projected L-BFGS on the acquisition's
 * analytic gradient (skopt's `acq_optimizer: lbfgs`), and finally score every point again *after*
 * projecting it onto the feasible space (ints rounded, one-hot blocks made one-hot), since that
 * feasible point is what will be run. In high dimension the designer uses
 * {@link coordinateCandidates} instead (see `bayesopt-designer.ts`).
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

/** Reach of coordinate steps (unit-cube half-widths), cycled over the candidates. */
const COORDINATE_STEPS = [1, 0.2, 0.05] as const;

/**
 * Coordinate-perturbation candidates for high dimension: copies of `centre` (the incumbent) in
 * which each coordinate is, with probability `min(1, perturbed / d)` (at least one per
 * candidate), redrawn uniformly within a reach of it — the whole range, ±0.2 or ±0.05 (clipped to
 * the cube), in turn. This is the perturbation mask of DYCORS (Regis & Shoemaker, "Combining
 * radial basis function surrogates and dynamic coordinate search in high-dimensional expensive
 * black-box optimization", Engineering Optimization 2013), which TuRBO (Eriksson et al.,
 * "Scalable Global Optimization via Local Bayesian Optimization", NeurIPS 2019) samples its trust
 * region with; the three reaches stand in for TuRBO's adapted trust-region size: the widest lets
 * a coordinate jump to another basin, the narrow ones refine within the current one.
 */
export function coordinateCandidates(
  count: number,
  centre: Float64Array,
  perturbed: number,
  rng: Rng,
): Float64Array[] {
  const d = centre.length;
  const p = Math.min(1, perturbed / d);
  const out: Float64Array[] = [];
  // Cycle the step's reach: the whole range (another basin), ±0.2 and ±0.05 (local refinement).
  const step = (v: number, c: number): number => {
    const r = COORDINATE_STEPS[c % COORDINATE_STEPS.length] as number;
    const lo = Math.max(0, v - r);
    const hi = Math.min(1, v + r);
    return lo + rng.next() * (hi - lo);
  };
  for (let c = 0; c < count; c++) {
    const x = Float64Array.from(centre);
    let changed = false;
    for (let j = 0; j < d; j++) {
      if (rng.next() < p) {
        x[j] = step(x[j] as number, c);
        changed = true;
      }
    }
    if (!changed) {
      const j = rng.int(0, d - 1);
      x[j] = step(x[j] as number, c);
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
