/**
 * Katib's v1beta1 API in TypeScript: Experiment, Trial and their parts, the parsed search space,
 * field errors, defaulting, validation and loading.
 *
 * ```ts
 * import { loadExperimentFile, parseExperiment } from './api/index.js';
 * const experiment = parseExperiment(await loadExperimentFile('examples/quadratic-random.yaml'));
 * ```
 */
export * from './field-error.js';
export * from './errors.js';
export * from './condition.js';
export * from './experiment.js';
export * from './trial.js';
export * from './observation.js';
export * from './early-stopping-rule.js';
export * from './search-space.js';
export * from './trial-view.js';
export * from './objective-value.js';
export * from './algorithm-state.js';
export * from './suggestion.js';
export * from './defaults.js';
export * from './validate.js';
export * from './load.js';
export * from './trial-template.js';
