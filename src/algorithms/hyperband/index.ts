/**
 * Multi-fidelity search: Katib's `hyperband` and `asha` (asynchronous successive halving), which
 * set a resource parameter (e.g. epochs) per rung and spend more of it on better configurations.
 *
 * ```ts
 * import { bracketPlan, hyperbandAlgorithm } from './hyperband/index.js';
 * bracketPlan(81, 3)[0].rungs; // [{ configurations: 81, resource: 1 }, … { configurations: 1, resource: 81 }]
 * ```
 */
export {
  hyperbandAlgorithm,
  hyperbandSettings,
  HYPERBAND_LABELS,
  type HyperbandSettings,
} from './hyperband.js';
export {
  ashaAlgorithm,
  ashaSettings,
  ashaRungResources,
  defaultMinResource,
  ASHA_LABELS,
  type AshaSettings,
} from './asha.js';
export {
  bracketPlan,
  bracketOf,
  maxBracketIndex,
  minimumParallelTrials,
  planTrialCount,
  floorLog,
  type Bracket,
  type Rung,
} from './brackets.js';
export { rungLabels, type RungLabels } from './rung-ledger.js';
