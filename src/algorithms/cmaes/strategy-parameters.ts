/**
 * CMA-ES's default strategy parameters, as tabulated in N. Hansen, "The CMA Evolution Strategy: A
 * Tutorial" (arXiv:1604.00772, 2016), Table 1 and Appendix A: the population size, the recombination
 * weights (positive for the μ best, negative for the rest — "active" CMA), and the learning rates
 * of the mean, the step size (cumulation c_σ, damping d_σ) and the covariance matrix (c_c, c_1, c_μ).
 * Names follow the tutorial's notation.
 */

/** The strategy parameters of one run of CMA-ES in dimension `n` with population `lambda`. */
export interface StrategyParameters {
  /** Search-space dimension n. */
  readonly n: number;
  /** Population size λ. */
  readonly lambda: number;
  /** Parent number μ = ⌊λ/2⌋: how many best solutions get positive weight. */
  readonly mu: number;
  /** Recombination weights w_1 … w_λ, best first; the first μ sum to 1, the rest are ≤ 0. */
  readonly weights: Float64Array;
  /** Variance-effective selection mass μ_eff of the positive weights. */
  readonly muEff: number;
  /** Learning rate of the mean, c_m. */
  readonly cm: number;
  /** Cumulation constant of the step-size path, c_σ. */
  readonly cSigma: number;
  /** Damping of the step-size update, d_σ. */
  readonly dSigma: number;
  /** Cumulation constant of the rank-one path, c_c. */
  readonly cc: number;
  /** Learning rate of the rank-one update, c_1. */
  readonly c1: number;
  /** Learning rate of the rank-μ update, c_μ. */
  readonly cMu: number;
  /** E‖N(0, I)‖ ≈ √n (1 − 1/(4n) + 1/(21n²)). */
  readonly chiN: number;
}

/** The default population size 4 + ⌊3 ln n⌋ (Hansen's Table 1). */
export function defaultPopulationSize(n: number): number {
  return 4 + Math.floor(3 * Math.log(Math.max(1, n)));
}

/** The default strategy parameters for dimension `n` (≥ 1) and population `lambda` (≥ 2). */
export function strategyParameters(n: number, lambda: number): StrategyParameters {
  const mu = Math.floor(lambda / 2);
  // Preliminary weights w'_i = ln((λ + 1)/2) − ln i, positive for i ≤ μ (for odd λ, w'_(μ+1) = 0).
  const raw = Float64Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  let sumPos = 0;
  let sumPos2 = 0;
  let sumNeg = 0;
  let sumNeg2 = 0;
  for (const w of raw) {
    if (w > 0) {
      sumPos += w;
      sumPos2 += w * w;
    } else {
      sumNeg += w;
      sumNeg2 += w * w;
    }
  }
  const muEff = (sumPos * sumPos) / sumPos2;
  const muEffMinus = sumNeg2 > 0 ? (sumNeg * sumNeg) / sumNeg2 : 0;

  const alphaCov = 2;
  const c1 = alphaCov / ((n + 1.3) ** 2 + muEff);
  const cMu = Math.min(
    1 - c1,
    (alphaCov * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (alphaCov * muEff) / 2),
  );
  const cSigma = (muEff + 2) / (n + muEff + 5);
  const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);

  // Negative weights are scaled so that the rank-μ update keeps C positive definite (Hansen (53)).
  const alphaMuMinus = 1 + c1 / cMu;
  const alphaMuEffMinus = 1 + (2 * muEffMinus) / (muEff + 2);
  const alphaPosDefMinus = (1 - c1 - cMu) / (n * cMu);
  const negScale = Math.min(alphaMuMinus, alphaMuEffMinus, alphaPosDefMinus);
  const weights = raw.map((w) => (w >= 0 ? w / sumPos : sumNeg !== 0 ? (negScale * w) / -sumNeg : 0));

  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { n, lambda, mu, weights, muEff, cm: 1, cSigma, dSigma, cc, c1, cMu, chiN };
}
