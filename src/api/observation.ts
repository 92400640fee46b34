/**
 * Observation logs: every value a trial reported, with its time and step. Values are strings as
 * on Katib's wire (`"unavailable"` marks a metric that never appeared).
 */
import type { ComparisonType } from './early-stopping-rule.js';

/** Katib's marker value for a metric that was never reported. */
export const UNAVAILABLE_METRIC_VALUE = 'unavailable';

/** One reported value of one metric. */
export interface MetricLog {
  /** RFC 3339 with fractional seconds. */
  readonly timeStamp: string;
  readonly metricName: string;
  /** Usually a decimal number; opaque string on the wire. */
  readonly value: string;
  /**
   * Training step (epoch, iteration) the value belongs to, when known: an explicit `step` on the
   * same line or record, else the count of reports of this metric so far (1-based).
   */
  readonly step?: number;
}

/** Filters for reading an observation log (Katib's GetObservationLog, plus step). */
export interface ObservationQuery {
  readonly metricName?: string;
  /** RFC 3339, inclusive. */
  readonly startTime?: string;
  /** RFC 3339, inclusive. */
  readonly endTime?: string;
}

export type { ComparisonType };
