/**
 * The value of a metric for one trial, chosen by the metric's strategy (katib-reference.md §4.2):
 * `min` → the metric's min (latest if min is unavailable), `max` likewise, `latest` → latest.
 */
import type { MetricStrategyType, Observation, ObjectiveSpec } from './experiment.js';
import { UNAVAILABLE_METRIC_VALUE } from './observation.js';

/** The strategy for `metricName`, from the objective's `metricStrategies` (defaults applied). */
export function metricStrategyFor(objective: ObjectiveSpec, metricName: string): MetricStrategyType {
  const s = objective.metricStrategies?.find((m) => m.name === metricName);
  if (s) return s.value;
  return objective.type === 'minimize' ? 'min' : 'max';
}

/** The metric's value as text, per strategy; `undefined` when absent or unavailable. */
export function metricValueText(
  observation: Observation | undefined,
  objective: ObjectiveSpec,
  metricName: string,
): string | undefined {
  const m = observation?.metrics.find((x) => x.name === metricName);
  if (!m) return undefined;
  const strategy = metricStrategyFor(objective, metricName);
  let v = strategy === 'min' ? m.min : strategy === 'max' ? m.max : m.latest;
  if (v === UNAVAILABLE_METRIC_VALUE || v === '') v = m.latest;
  if (v === UNAVAILABLE_METRIC_VALUE || v === '') return undefined;
  return v;
}

/** The metric's value as a finite number, per strategy; `undefined` when absent or not numeric. */
export function metricValue(
  observation: Observation | undefined,
  objective: ObjectiveSpec,
  metricName: string,
): number | undefined {
  const t = metricValueText(observation, objective, metricName);
  if (t === undefined) return undefined;
  const n = Number(t);
  return t.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** The objective metric's value for a trial; `undefined` when it has none. */
export function objectiveValue(
  observation: Observation | undefined,
  objective: ObjectiveSpec,
): number | undefined {
  return metricValue(observation, objective, objective.objectiveMetricName);
}

/** True when `a` is strictly better than `b` for this objective. */
export function isBetter(objective: ObjectiveSpec, a: number, b: number): boolean {
  return objective.type === 'minimize' ? a < b : a > b;
}
