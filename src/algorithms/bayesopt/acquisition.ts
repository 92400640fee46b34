/**
 * Acquisition functions for minimisation over the GP posterior, with scikit-optimize's names and
 * defaults (`xi = 0.01`, `kappa = 1.96`):
 * - `EI`, expected improvement (Jones, Schonlau & Welch 1998): `(f* − μ − ξ)·Φ(z) + σ·φ(z)`,
 *   `z = (f* − μ − ξ)/σ`; scored on log scale with a stable tail (Ament et al., "Unexpected
 *   improvements to expected improvement for Bayesian optimization", NeurIPS 2023) so that the
 *   optimiser still sees a slope where EI underflows;
 * - `PI`, probability of improvement (Kushner 1964): `Φ(z)`, also on log scale;
 * - `LCB`, lower confidence bound (Srinivas et al. 2010): `μ − κ·σ`, maximised as `−LCB`.
 * All scores are "larger is better".
 */

import { LOG_SQRT_2PI, normalCdf, normalPdf } from '../math/normal.js';

/** The acquisition functions (Katib's `acq_func` values, after mapping `EIps`/`PIps`). */
export type AcquisitionKind = 'EI' | 'PI' | 'LCB';

/** scikit-optimize's default exploration margin for EI and PI. */
export const XI = 0.01;
/** scikit-optimize's default exploration weight for LCB. */
export const KAPPA = 1.96;

export { erfc, normalCdf, normalPdf } from '../math/normal.js';

/** `log Φ(z)`, accurate in the far left tail. */
export function logNormalCdf(z: number): number {
  if (z > -10) return Math.log(normalCdf(z));
  // Mills-ratio series: Φ(z) ≈ φ(z)/|z| · (1 − 1/z² + 3/z⁴ − 15/z⁶).
  const z2 = z * z;
  return -0.5 * z2 - LOG_SQRT_2PI - Math.log(-z) + Math.log(1 - 1 / z2 + 3 / (z2 * z2) - 15 / (z2 * z2 * z2));
}

/** `log(φ(z) + z·Φ(z))`, the log of EI / σ, accurate in the far left tail. */
export function logExpectedImprovementFactor(z: number): number {
  if (z > -10) {
    const h = normalPdf(z) + z * normalCdf(z);
    if (h > 0) return Math.log(h);
  }
  // φ(z)·(1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸) for z → −∞.
  const z2 = z * z;
  const series = 1 / z2 - 3 / (z2 * z2) + 15 / (z2 * z2 * z2) - 105 / (z2 * z2 * z2 * z2);
  return -0.5 * z2 - LOG_SQRT_2PI + Math.log(Math.max(series, 1e-300));
}

/** Expected improvement below `best` (minimisation). */
export function expectedImprovement(mean: number, sd: number, best: number, xi = XI): number {
  const improvement = best - mean - xi;
  if (!(sd > 0)) return Math.max(improvement, 0);
  const z = improvement / sd;
  return improvement * normalCdf(z) + sd * normalPdf(z);
}

/** Probability of improving on `best − ξ` (minimisation). */
export function probabilityOfImprovement(mean: number, sd: number, best: number, xi = XI): number {
  if (!(sd > 0)) return best - mean - xi > 0 ? 1 : 0;
  return normalCdf((best - mean - xi) / sd);
}

/** Lower confidence bound `μ − κσ` (smaller is better). */
export function lowerConfidenceBound(mean: number, sd: number, kappa = KAPPA): number {
  return mean - kappa * sd;
}

/**
 * The score the optimiser maximises: `log EI`, `log PI` or `−LCB`. Monotone in the acquisition
 * itself, so the maximiser is the same.
 */
export function acquisitionScore(
  kind: AcquisitionKind,
  mean: number,
  variance: number,
  best: number,
): number {
  const sd = Math.sqrt(variance);
  switch (kind) {
    case 'EI':
      return Math.log(sd) + logExpectedImprovementFactor((best - mean - XI) / sd);
    case 'PI':
      return logNormalCdf((best - mean - XI) / sd);
    case 'LCB':
      return -lowerConfidenceBound(mean, sd);
  }
}
