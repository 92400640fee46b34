/**
 * Turns a trial's raw output into metric logs, incrementally: partial lines are buffered, so any
 * chunking of the same bytes gives the same logs (a fast-check property).
 */
import type { CollectorKind, MetricLog } from '../api/index.js';

/** A parser of one trial's metrics stream. Pure: no I/O. */
export interface MetricsCollector {
  readonly kind: CollectorKind;
  /** Feeds the next chunk of output; returns the complete records it finished. */
  push(chunk: string): readonly MetricLog[];
  /** Ends the stream; returns what the last partial record completes. */
  end(): readonly MetricLog[];
}
