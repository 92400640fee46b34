/**
 * Metrics collection: parsers that turn a trial's output into metric logs as it arrives, and the
 * summary that turns a trial's logs into its observation (katib-reference.md §4.4, §6).
 *
 * Everything here is pure: the caller feeds chunks (process output, a tailed file) and stores the
 * logs; time comes from an injected clock.
 *
 * ```ts
 * import { createMetricsCollector, summarizeObservation, isObservationAvailable } from './metrics-collector/index.js';
 *
 * const objective = { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] } as const;
 * const collector = createMetricsCollector({ collector: { kind: 'StdOut' } }, objective);
 * const logs = [...collector.push('epoch 1: loss=0.52 accuracy=0.81\nepoch 2: loss=0.4'), ...collector.end()];
 * // → loss 0.52 (step 1), accuracy 0.81 (step 1), then at end() loss 0.4 (step 2)
 * const observation = summarizeObservation(logs, objective);
 * // observation.metrics[0] → { name: 'loss', min: '0.4', max: '0.52', latest: '0.4' }
 * isObservationAvailable(observation, objective); // → true
 * ```
 */
export {
  collectedMetricNames,
  type CollectorDiagnostics,
  type MetricsCollector,
} from './metrics-collector.js';
export { TextMetricsCollector, type TextMetricsCollectorOptions } from './text-format.js';
export { JSON_TIMESTAMP_KEY, JsonMetricsCollector, type JsonMetricsCollectorOptions } from './json-format.js';
export {
  createMetricsCollector,
  NullMetricsCollector,
  type CreateCollector,
  type CreateMetricsCollectorOptions,
} from './create-collector.js';
export { isObservationAvailable, summarizeObservation, unavailableLog } from './observation-summary.js';
export {
  compileMetricsFilter,
  DEFAULT_METRICS_FILTER,
  METRICS_FORMAT_PATH,
  metricsFilterProblem,
} from './go-regexp.js';
export { parseMetricNumber, parseStep, STEP_KEY } from './metric-value.js';
export { KATIB_ZERO_TIME, normalizeTimeStamp, parseTimeStamp, type ParsedTimeStamp } from './time-stamp.js';
