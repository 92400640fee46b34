/**
 * Turns a trial's raw output into metric logs, incrementally: partial lines are buffered, so any
 * chunking of the same bytes gives the same logs (a fast-check property).
 */
import type { CollectorKind, ObjectiveSpec } from '../api/experiment.js';
import type { MetricLog } from '../api/observation.js';

/**
 * A parser of one trial's metrics stream. Pure: no I/O, no timers.
 *
 * Contract (checked by test/conformance/collector.conformance.ts):
 * - The logs returned by all `push` calls and then `end`, concatenated, depend only on the
 *   concatenated input (and the injected clock), never on where the chunks were cut.
 * - `push` and `end` never throw on any input; unusable lines are skipped.
 * - Logs come out in the order their lines appeared.
 */
export interface MetricsCollector {
  /** The collector kind this parser implements. */
  readonly kind: CollectorKind;
  /**
   * Feeds the next chunk of output (text, or UTF-8 bytes); returns the logs of the lines it
   * completes. After `end`, chunks are ignored.
   */
  push(chunk: string | Uint8Array): readonly MetricLog[];
  /** Ends the stream; returns what the last partial record completes. Later calls return nothing. */
  end(): readonly MetricLog[];
}

/** Counters a collector keeps about its input, for messages such as "12 lines were not JSON". */
export interface CollectorDiagnostics {
  /** Complete lines read. */
  readonly lines: number;
  /** Lines that could not be read as a record (JSON format only; text lines never are). */
  readonly malformedLines: number;
  /** Lines dropped unread for being longer than `maxLineLength`. */
  readonly oversizedLines: number;
  /** The first malformed line, cut to 200 characters, when there was one. */
  readonly firstMalformedLine?: string;
}

/**
 * The metric names a collector reports for an objective: the objective metric, then the
 * additional metrics, without duplicates or empty names (Katib's `-m obj;add1;…`).
 */
export function collectedMetricNames(objective: ObjectiveSpec): readonly string[] {
  const names = [objective.objectiveMetricName, ...(objective.additionalMetricNames ?? [])];
  return [...new Set(names.filter((n) => n !== ''))];
}
