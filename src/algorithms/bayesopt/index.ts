/**
 * Katib's `bayesianoptimization`: Gaussian-process Bayesian optimisation.
 *
 * ```ts
 * import { bayesOptAlgorithm } from './algorithms/bayesopt/index.js';
 * // registered in builtinAlgorithms under 'bayesianoptimization'
 * ```
 */
export { bayesOptAlgorithm } from './bayesopt.js';
export { bayesOptSettings, type BayesOptSettings } from './bayesopt-settings.js';
export {
  BayesOptDesigner,
  compareNames,
  observationSubset,
  FIT_POINTS,
  HIGH_DIMENSION_FIT_POINTS,
  fitPoints,
  POSTERIOR_POINTS,
  HIGH_DIMENSION,
  type KnownTrial,
} from './bayesopt-designer.js';
export { GpPosterior, type Prediction, type PredictionWithGradient } from './gaussian-process.js';
export { negativeLogPosterior, pairwiseDifferences, type FitObjective } from './marginal-likelihood.js';
export { fitHyperparameters, coarseFit, refineFit, COARSE_POINTS } from './hyperparameter-fit.js';
export { hyperBounds, hyperStart, HYPER_PRIORS, type HyperVector } from './hyperparameters.js';
export {
  acquisitionScore,
  expectedImprovement,
  probabilityOfImprovement,
  lowerConfidenceBound,
  normalCdf,
  normalPdf,
  XI,
  KAPPA,
  type AcquisitionKind,
} from './acquisition.js';
export { acquisitionWithGradient, coordinateCandidates, refineAcquisition } from './acquisition-optimizer.js';
export { transformOutputs, yeoJohnson, fitYeoJohnson } from './output-transform.js';
export { latinHypercube } from './latin-hypercube.js';
export { matern52, matern52Slope, matern52WithSlope } from './matern52.js';
