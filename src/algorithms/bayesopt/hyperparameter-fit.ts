/**
 * Fits the kernel hyperparameters by maximising the log marginal likelihood plus log-priors
 * (type-II maximum a posteriori), with L-BFGS from several fixed starts.
 *
 * The fit is a deterministic function of its input points, outputs and their order — no random
 * restarts, no warm start from an earlier call — so a designer rebuilt from the whole history
 * fits exactly the hyperparameters a long-lived one does. To keep it cheap at many points it
 * works in two stages: a *coarse* fit from every start on at most {@link COARSE_POINTS} points
 * (chosen by the caller so that it rarely changes, and memoised by it), then the best result
 * refined on all points of the fine set.
 */
import { minimizeLbfgs } from '../linalg/index.js';
import { hyperBounds, hyperStart, type HyperVector } from './hyperparameters.js';
import { negativeLogPosterior, pairwiseDifferences } from './marginal-likelihood.js';

/** Points of the coarse stage. */
export const COARSE_POINTS = 40;
/** Starting length-scales and noise variances of the coarse stage. */
const STARTS: readonly (readonly [lengthscale: number, noise: number])[] = [
  [0.15, 1e-3],
  [0.5, 1e-3],
  [1.5, 1e-2],
];
const COARSE_ITERATIONS = 40;
const FINE_ITERATIONS = 15;

/** The MAP hyperparameters from the fixed starts, for `n` points (`n×d`) with standardised outputs `y`. */
export function coarseFit(points: Float64Array, n: number, d: number, y: Float64Array): HyperVector {
  const { lower, upper } = hyperBounds(d);
  let best: { x: Float64Array; value: number } | undefined;
  const differences = pairwiseDifferences(points, n, d);
  for (const [lengthscale, noise] of STARTS) {
    const r = minimizeLbfgs(
      (theta) => negativeLogPosterior(points, n, d, y, theta, true, differences),
      hyperStart(d, lengthscale, noise),
      { lower, upper, maxIterations: COARSE_ITERATIONS },
    );
    if (!best || r.value < best.value) best = r;
  }
  return best?.x ?? hyperStart(d, 0.5, 1e-3);
}

/** The MAP hyperparameters for `n` points refined from `start` (a coarse fit). */
export function refineFit(
  points: Float64Array,
  n: number,
  d: number,
  y: Float64Array,
  start: HyperVector,
): HyperVector {
  const { lower, upper } = hyperBounds(d);
  const differences = pairwiseDifferences(points, n, d);
  return minimizeLbfgs((t) => negativeLogPosterior(points, n, d, y, t, true, differences), start, {
    lower,
    upper,
    maxIterations: FINE_ITERATIONS,
  }).x;
}

/** The MAP hyperparameters for at most {@link COARSE_POINTS} points: the coarse fit alone. */
export function fitHyperparameters(points: Float64Array, n: number, d: number, y: Float64Array): HyperVector {
  return coarseFit(points, n, d, y);
}
