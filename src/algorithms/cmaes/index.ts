/** Katib's `cmaes` algorithm and the CMA-ES pieces it is built from. */
export { cmaesAlgorithm, cmaesSettings, DEFAULT_SIGMA, type CmaesSettings } from './cmaes.js';
export { CmaesDesigner, STALE_LIMIT, type CmaesDesignerSettings } from './cmaes-designer.js';
export {
  CmaDistribution,
  compareLoss,
  RESAMPLES,
  type CmaRunStart,
  type CmaSample,
  type CoordinateKind,
  type RankedStep,
  type StopReason,
} from './cma-distribution.js';
export { coordinateKinds, MAX_MARGIN_CELLS } from './coordinates.js';
export { RestartSchedule, type RestartStrategy, type RunPlan } from './restart-schedule.js';
export { defaultPopulationSize, strategyParameters, type StrategyParameters } from './strategy-parameters.js';
