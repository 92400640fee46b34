/**
 * A trial's observation from its metric logs, as Katib's Trial controller builds it
 * (katib-reference.md §4.4): per metric, the smallest and largest numeric value and the latest
 * value, all as the strings that were reported; `"unavailable"` where there is none.
 */
import type { Metric, ObjectiveSpec, Observation } from '../api/experiment.js';
import { UNAVAILABLE_METRIC_VALUE, type MetricLog } from '../api/observation.js';
import { parseMetricNumber } from './metric-value.js';
import { KATIB_ZERO_TIME, parseTimeStamp } from './time-stamp.js';

/**
 * The metrics an observation has entries for: the names in `metricStrategies`, then the objective
 * and additional metrics not among them (after defaulting the two lists name the same metrics).
 */
function observedMetricNames(objective: ObjectiveSpec): string[] {
  const names = [
    ...(objective.metricStrategies ?? []).map((s) => s.name),
    objective.objectiveMetricName,
    ...(objective.additionalMetricNames ?? []),
  ];
  return [...new Set(names.filter((n) => n !== ''))];
}

interface Accumulator {
  min: string;
  max: string;
  minValue: number;
  maxValue: number;
  latest: string;
  /** Stamp of `latest`: `undefined` before any log, `null` for an unparseable stamp (earliest). */
  latestAt: bigint | null | undefined;
}

/** `a` is not earlier than `b`; an unparseable stamp (`null`) is earlier than every other. */
function notEarlier(a: bigint | null, b: bigint | null): boolean {
  if (a === null) return b === null;
  return b === null || a >= b;
}

/**
 * Summarizes a trial's metric logs into its observation, Katib's way:
 * - one entry per metric in `metricStrategies` (then objective and additional metrics not named
 *   there), in that order; logs of other metrics are ignored;
 * - `min`/`max`: over values that are finite decimals, kept as written (`"1e-3"`); the first of
 *   equal values wins;
 * - `latest`: the value of the log with the greatest time stamp, any value (also `"unavailable"`);
 *   on equal stamps the later log in the list wins;
 * - `"unavailable"` for each of the three when there is no such value.
 *
 * Differences from Katib: a stamp that is not RFC 3339 counts as earlier than every other instead
 * of failing the whole summary; `NaN`/`Inf` are not numeric; metric order is fixed, not random.
 */
export function summarizeObservation(logs: readonly MetricLog[], objective: ObjectiveSpec): Observation {
  const acc = new Map<string, Accumulator>();
  for (const name of observedMetricNames(objective)) {
    acc.set(name, {
      min: UNAVAILABLE_METRIC_VALUE,
      max: UNAVAILABLE_METRIC_VALUE,
      minValue: Number.NaN,
      maxValue: Number.NaN,
      latest: UNAVAILABLE_METRIC_VALUE,
      latestAt: undefined,
    });
  }
  for (const log of logs) {
    const a = acc.get(log.metricName);
    if (a === undefined) continue;
    const n = parseMetricNumber(log.value);
    if (n !== undefined) {
      if (a.min === UNAVAILABLE_METRIC_VALUE || n < a.minValue) {
        a.min = log.value;
        a.minValue = n;
      }
      if (a.max === UNAVAILABLE_METRIC_VALUE || n > a.maxValue) {
        a.max = log.value;
        a.maxValue = n;
      }
    }
    const at = parseTimeStamp(log.timeStamp)?.epochNanos ?? null;
    if (a.latestAt === undefined || notEarlier(at, a.latestAt)) {
      a.latest = log.value;
      a.latestAt = at;
    }
  }
  const metrics: Metric[] = [...acc].map(([name, a]) => ({ name, min: a.min, max: a.max, latest: a.latest }));
  return { metrics };
}

/**
 * Whether the observation has a value for the objective: its metric is present and `latest` is
 * not `"unavailable"` (Katib's `isTrialObservationAvailable`; false decides MetricsUnavailable).
 */
export function isObservationAvailable(
  observation: Observation | undefined,
  objective: ObjectiveSpec,
): boolean {
  return (
    observation?.metrics.some(
      (m) => m.name === objective.objectiveMetricName && m.latest !== UNAVAILABLE_METRIC_VALUE,
    ) ?? false
  );
}

/**
 * Katib's marker for a trial whose objective metric never appeared: the objective with value
 * `"unavailable"` at the zero time `0001-01-01T00:00:00Z`. Katib's collectors report it alone
 * when the objective is missing; for Push the controller writes it before MetricsUnavailable.
 */
export function unavailableLog(objectiveMetricName: string): MetricLog {
  return { timeStamp: KATIB_ZERO_TIME, metricName: objectiveMetricName, value: UNAVAILABLE_METRIC_VALUE };
}
