/**
 * The File/JSON collector: one JSON object per line (katib-reference.md §6.2), e.g.
 * `{"loss": "0.31", "accuracy": 0.9, "timestamp": 1700000000.5, "step": 3}`.
 *
 * Rules, line by line:
 * 1. Blank lines are skipped. A line that is not a JSON object is skipped and counted as
 *    malformed (Katib's collector fails the whole file instead); nothing throws.
 * 2. Each requested metric present as a key gives one log, in the order of `metricNames`. Its
 *    value may be a JSON string (Katib's rule) or a JSON number (our relaxation); a string must
 *    hold a finite decimal (trimmed), other values are skipped.
 * 3. `timestamp`: an RFC 3339 string, or epoch seconds as a number (fractions kept to the
 *    millisecond); otherwise, and when absent, the time the line was received (Katib: the zero
 *    time). Stamps are written in UTC as `YYYY-MM-DDTHH:MM:SS.sssZ`.
 * 4. `step`: a non-negative integer (number or digit string) gives the step of the line's metrics,
 *    unless `step` is itself a requested metric; otherwise the count of that metric's reports.
 */
import type { MetricLog } from '../api/observation.js';
import { DEFAULT_MAX_LINE_LENGTH, LineParser } from './line-splitter.js';
import { parseMetricNumber, parseStep, STEP_KEY, StepCounter } from './metric-value.js';
import type { CollectorDiagnostics, MetricsCollector } from './metrics-collector.js';
import { formatTimeStamp, MonotonicClock, normalizeTimeStamp } from './time-stamp.js';

/** Key of a record's time stamp (Katib's `TimestampJsonKey`). */
export const JSON_TIMESTAMP_KEY = 'timestamp';

/** Options of {@link JsonMetricsCollector}; only `metricNames` is required. */
export interface JsonMetricsCollectorOptions {
  /** Metrics to report: the objective metric and the additional ones (see `collectedMetricNames`). */
  readonly metricNames: readonly string[];
  /** Wall clock for records without a usable `timestamp`. @default () => new Date() */
  readonly now?: () => Date;
  /** Longest line read, in UTF-16 code units; longer lines are dropped and counted. @default 1048576 */
  readonly maxLineLength?: number;
}

const MALFORMED_SAMPLE_LENGTH = 200;

/**
 * Parses JSON-lines output into metric logs as it arrives (the File/JSON collector).
 *
 * ```ts
 * const c = new JsonMetricsCollector({ metricNames: ['accuracy'] });
 * c.push('{"accuracy": "0.98", "timestamp": 1700000000.123}\n');
 * // → [{ metricName: 'accuracy', value: '0.98', timeStamp: '2023-11-14T22:13:20.123Z', step: 1 }]
 * ```
 */
export class JsonMetricsCollector implements MetricsCollector {
  /** Always `File`: JSON is a format of the File collector. */
  readonly kind = 'File' as const;
  private readonly metricNames: readonly string[];
  private readonly lines: LineParser<MetricLog>;
  private readonly clock: MonotonicClock;
  private readonly steps = new StepCounter();
  private malformed = 0;
  private firstMalformed: string | undefined;

  /** Builds a collector; never throws. */
  constructor(options: JsonMetricsCollectorOptions) {
    this.metricNames = [...new Set(options.metricNames.filter((n) => n !== ''))];
    this.lines = new LineParser(
      (line, out) => this.parseLine(line, out),
      options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
    );
    this.clock = new MonotonicClock(options.now ?? (() => new Date()));
  }

  /** Feeds a chunk; returns the logs of the records it completes. Ignored after `end()`. */
  push(chunk: string | Uint8Array): readonly MetricLog[] {
    return this.lines.push(chunk);
  }

  /** Ends the stream; returns the logs of a last record without a line end. */
  end(): readonly MetricLog[] {
    return this.lines.end();
  }

  /** Lines that were not JSON objects, so far. */
  get malformedLineCount(): number {
    return this.malformed;
  }

  /** How many values of `metricName` were reported so far. */
  reportCount(metricName: string): number {
    return this.steps.count(metricName);
  }

  /** Lines read, malformed and dropped so far. */
  diagnostics(): CollectorDiagnostics {
    const base = { ...this.lines.counts(), malformedLines: this.malformed };
    return this.firstMalformed === undefined ? base : { ...base, firstMalformedLine: this.firstMalformed };
  }

  private parseLine(line: string, out: MetricLog[]): void {
    const text = line.trim();
    if (text === '') return;
    const record = parseObject(text);
    if (record === undefined) {
      this.malformed++;
      this.firstMalformed ??= text.slice(0, MALFORMED_SAMPLE_LENGTH);
      return;
    }
    const explicitStep = this.metricNames.includes(STEP_KEY) ? undefined : parseStep(own(record, STEP_KEY));
    let timeStamp: string | undefined;
    for (const name of this.metricNames) {
      const value = metricValueText(own(record, name));
      if (value === undefined) continue;
      timeStamp ??= recordTimeStamp(own(record, JSON_TIMESTAMP_KEY)) ?? this.clock.read();
      const count = this.steps.next(name);
      out.push({ timeStamp, metricName: name, value, step: explicitStep ?? count });
    }
  }
}

function parseObject(text: string): Readonly<Record<string, unknown>> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return parsed as Record<string, unknown>;
}

/** An own property only: a metric named `constructor` must not find Object's. */
function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function metricValueText(raw: unknown): string | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  return parseMetricNumber(text) === undefined ? undefined : text;
}

function recordTimeStamp(raw: unknown): string | undefined {
  if (typeof raw === 'number') return formatTimeStamp(Math.round(raw * 1000));
  if (typeof raw === 'string') return normalizeTimeStamp(raw.trim());
  return undefined;
}
