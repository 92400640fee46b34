/**
 * katib-ts: a Katib-compatible hyperparameter-tuning engine.
 *
 * ```ts
 * import { tune, search } from 'katib-ts';
 * const result = await tune({
 *   objective: (p) => (Number(p.x) - 2) ** 2,
 *   parameters: { x: search.double(-5, 5) },
 *   maxTrialCount: 20,
 * });
 * ```
 */
export * from './sdk/index.js';
export * from './api/index.js';
export { Controller, admitExperiment, submitExperiment } from './controller/index.js';
export type { ControllerOptions, ControllerEvent } from './controller/index.js';
export { openStore } from './store/index.js';
export type { ExperimentStore } from './store/index.js';
export { TfEventsWriter } from './metrics-collector/tfevents/index.js';
export type { TfEventsWriterOptions } from './metrics-collector/tfevents/index.js';
