/**
 * Search algorithms: pure, seeded designers behind one registry, one settings engine, one
 * search-space codec and one generic policy (restore → update with new trials → suggest → dump).
 * Algorithms import nothing but `api/` types and math; the suggestion service wraps them.
 *
 * ```ts
 * import { DesignerPolicy, builtinAlgorithms, validateAlgorithmSpec } from './algorithms/index.js';
 * import { toSearchSpace } from './api/search-space.js';
 *
 * const errors = validateAlgorithmSpec(experiment.spec);          // FieldError[], with paths
 * const r = builtinAlgorithms.resolve(experiment.spec);           // definition + typed settings
 * if (r.ok) {
 *   const policy = new DesignerPolicy();
 *   const { suggestions, state } = policy.suggest({
 *     definition: r.definition,
 *     context: {
 *       space: toSearchSpace(experiment.spec.parameters ?? []),
 *       objective: experiment.spec.objective,
 *       settings: r.settings,
 *       seed: r.definition.seedOf?.(r.settings) ?? 42,
 *       experiment: experiment.spec,
 *       maxTrialCount: experiment.spec.maxTrialCount,
 *     },
 *     experimentKey: experiment.metadata.name,
 *     trials,                 // TrialView[] so far
 *     count: 3,
 *     suggestionCount: 0,     // assignments handed out before
 *   });
 *   // save `state` with the trials made from `suggestions`; pass it back next time
 * }
 * ```
 *
 * Adding an algorithm: a folder with a `defineAlgorithm({...})` entry (Katib name, declared
 * settings, validate, create, optional restore), listed in `registry.ts`, and one
 * `describeDesignerConformance('<name>')` call in its tests.
 */
export { Rng, hash32, type StreamKey } from './rng.js';
export {
  createSpaceCodec,
  type SpaceCodec,
  type SpaceCodecOptions,
  type ParameterEncoding,
  type CodecScale,
  type DiscreteEncoding,
} from './codec/space-codec.js';
export { stepGrid, stepCount, type StepGrid } from './codec/step-grid.js';
export {
  productSpace,
  pickUnusedPoint,
  axisOf,
  MAX_PRODUCT_INDEX,
  type Axis,
  type ProductSpace,
  type ProductSpaceOptions,
} from './codec/product-space.js';
export {
  parseSettings,
  intSetting,
  floatSetting,
  enumSetting,
  boolSetting,
  stringSetting,
  randomStateSetting,
  ALGORITHM_SETTINGS_PATH,
  type SettingDecl,
  type SettingsSpec,
  type SettingType,
  type SettingParse,
  type SettingsResult,
  type NumericSettingOptions,
  type EnumSettingOptions,
} from './settings.js';
export {
  isObserved,
  isStatefulDesigner,
  lossOf,
  type Designer,
  type StatefulDesigner,
  type Suggestion,
  type TrialDelta,
  type CompletedTrial,
  type ActiveTrial,
} from './designer.js';
export { defineAlgorithm, type AlgorithmDefinition, type DesignerContext } from './algorithm-definition.js';
export {
  DesignerPolicy,
  readPolicyState,
  toDesignerTrials,
  toCompletedTrial,
  toActiveTrial,
  type DesignerPolicyOptions,
  type PolicyRequest,
  type PolicyResult,
  type PolicyState,
  type DesignerSource,
} from './designer-policy.js';
export {
  AlgorithmRegistry,
  builtinAlgorithms,
  findAlgorithm,
  algorithmNames,
  validateAlgorithmSpec,
  type AnyAlgorithmDefinition,
  type ResolvedAlgorithm,
} from './registry.js';
export { logScaleErrors, requireParameters } from './space-rules.js';
export { randomAlgorithm, type RandomSettings } from './random/index.js';
export { gridAlgorithm, gridSize, type GridSettings } from './grid/index.js';
