/**
 * Katib's `tpe` and `multivariate-tpe`: Tree-structured Parzen Estimators.
 *
 * ```ts
 * import { tpeAlgorithm } from './tpe/index.js';
 * const designer = tpeAlgorithm.create(ctx);
 * designer.update({ completed, active, suggestionCount });
 * designer.suggest(4);
 * ```
 */
export { tpeAlgorithm, tpeOptions } from './tpe.js';
export { multivariateTpeAlgorithm, multivariateTpeOptions } from './multivariate-tpe.js';
export {
  tpeSettings,
  multivariateTpeSettings,
  DEFAULT_EI_CANDIDATES,
  DEFAULT_STARTUP_TRIALS,
  type TpeSettings,
  type MultivariateTpeSettings,
} from './tpe-settings.js';
export { TpeDesigner, optunaGamma, hyperoptGamma, type TpeOptions } from './tpe-designer.js';
export {
  ParzenEstimator,
  observationWeights,
  neighbourBandwidths,
  type ParzenOptions,
} from './parzen-estimator.js';
export { logSumExp } from './log-sum-exp.js';
export { createTpeSpace, type TpeSpace, type TpeDimension } from './tpe-space.js';
export { ObservationHistory } from './observation-history.js';
export { normalCdf, normalQuantile, logNormalMass, erfc } from './gaussian.js';
