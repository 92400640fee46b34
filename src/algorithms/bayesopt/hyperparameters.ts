/**
 * The Gaussian process's kernel hyperparameters and their priors. Everything is optimised on log
 * scale: `d` log length-scales (in the unit cube), the log signal variance and the log noise
 * variance (of the standardised outputs), in that order in the flat vector form.
 */

/** Kernel hyperparameters, as a flat vector `[log ℓ_1 … log ℓ_d, log σ_f², log σ_n²]`. */
export type HyperVector = Float64Array;

/** Index of `log σ_f²` in a {@link HyperVector} of dimension `d`. */
export const signalIndex = (d: number): number => d;
/** Index of `log σ_n²` in a {@link HyperVector} of dimension `d`. */
export const noiseIndex = (d: number): number => d + 1;

/**
 * Box bounds and Gaussian priors (on log scale) that keep the fit sane with few points: length-
 * scales between 0.005 and 50 unit-cube widths, centred on 0.5; signal variance of the
 * standardised outputs around 1; noise variance from 1e-6 (near-deterministic objectives) to 1.
 */
export const HYPER_PRIORS = {
  logLengthscale: { mean: Math.log(0.5), sd: 1.5, lower: Math.log(0.005), upper: Math.log(50) },
  logSignal: { mean: 0, sd: 1.5, lower: Math.log(0.01), upper: Math.log(100) },
  logNoise: { mean: Math.log(1e-4), sd: 3, lower: Math.log(1e-6), upper: 0 },
} as const;

/** The prior of coordinate `i` of a vector of dimension `d`. */
export function priorOf(i: number, d: number): { mean: number; sd: number; lower: number; upper: number } {
  if (i < d) return HYPER_PRIORS.logLengthscale;
  return i === d ? HYPER_PRIORS.logSignal : HYPER_PRIORS.logNoise;
}

/** Lower and upper bounds of a vector of dimension `d`. */
export function hyperBounds(d: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  for (let i = 0; i < d + 2; i++) {
    const p = priorOf(i, d);
    lower[i] = p.lower;
    upper[i] = p.upper;
  }
  return { lower, upper };
}

/** A starting vector: every length-scale `lengthscale`, signal 1, noise `noise`. */
export function hyperStart(d: number, lengthscale: number, noise: number): HyperVector {
  const v = new Float64Array(d + 2);
  v.fill(Math.log(lengthscale), 0, d);
  v[d] = 0;
  v[d + 1] = Math.log(noise);
  return v;
}
