/**
 * The StdOut and File/TEXT collectors: metrics written as text lines, `loss=0.3 accuracy=0.91`, or
 * in any format a filter regexp describes (katib-reference.md §6.2).
 *
 * Rules, line by line:
 * 1. A line is read only if it contains one of the metric names (as a substring, as Katib does).
 * 2. Every filter is applied in turn and every match taken (filter order, then position); group 1
 *    trimmed is the name, group 2 trimmed the value. A match whose name is not a requested metric,
 *    or whose value is empty or not a finite decimal (`lr=`, `loss=.`), is skipped.
 * 3. The time stamp is the line's first space-separated token when it is an RFC 3339 stamp,
 *    rewritten in UTC as `YYYY-MM-DDTHH:MM:SS.sssZ`.
 *    **Difference from Katib:** otherwise Katib stamps `0001-01-01T00:00:00Z`; we stamp the time
 *    the line was received (the injected clock, never going backwards), so logs keep their order.
 * 4. The step: a match named `step` with a non-negative integer value gives the step of every metric
 *    on that line, unless `step` is itself a requested metric; otherwise a value's step is the
 *    count of that metric's reports so far, this one included (1, 2, 3, …). `epoch` is not a step.
 * 5. Line ends are `\n`, `\r\n` and a lone `\r` (Katib splits on `\n` only; a `\r` progress bar
 *    thus gives one line per redraw, each with its own stamp and step).
 */
import type { MetricLog } from '../api/observation.js';
import { compileMetricsFilter, DEFAULT_METRICS_FILTER, METRICS_FORMAT_PATH } from './go-regexp.js';
import { DEFAULT_MAX_LINE_LENGTH, LineParser } from './line-splitter.js';
import { parseMetricNumber, parseStep, STEP_KEY, StepCounter } from './metric-value.js';
import type { CollectorDiagnostics, MetricsCollector } from './metrics-collector.js';
import { MonotonicClock, normalizeTimeStamp } from './time-stamp.js';

/** Options of {@link TextMetricsCollector}; only `metricNames` is required. */
export interface TextMetricsCollectorOptions {
  /** Metrics to report: the objective metric and the additional ones (see `collectedMetricNames`). */
  readonly metricNames: readonly string[];
  /**
   * Filters in Go regexp syntax (group 1 = name, group 2 = value), as in
   * `source.filter.metricsFormat`. Empty or unset means Katib's default `name=value` filter.
   */
  readonly metricsFormat?: readonly string[];
  /** Which Katib collector this is. @default 'StdOut' */
  readonly kind?: 'StdOut' | 'File';
  /** Wall clock for lines without a stamp of their own. @default () => new Date() */
  readonly now?: () => Date;
  /** Longest line read, in UTF-16 code units; longer lines are dropped and counted. @default 1048576 */
  readonly maxLineLength?: number;
}

interface CompiledTextOptions {
  readonly metricNames: readonly string[];
  readonly metricSet: ReadonlySet<string>;
  readonly filters: readonly RegExp[];
  readonly kind: 'StdOut' | 'File';
  readonly now: () => Date;
  readonly maxLineLength: number;
}

function compileTextOptions(options: TextMetricsCollectorOptions): CompiledTextOptions {
  const metricNames = [...new Set(options.metricNames.filter((n) => n !== ''))];
  const formats = options.metricsFormat ?? [];
  const filters =
    formats.length === 0
      ? [compileMetricsFilter(DEFAULT_METRICS_FILTER)]
      : formats.map((f, i) => compileMetricsFilter(f, `${METRICS_FORMAT_PATH}[${i}]`));
  return {
    metricNames,
    metricSet: new Set(metricNames),
    filters,
    kind: options.kind ?? 'StdOut',
    now: options.now ?? (() => new Date()),
    maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
  };
}

interface Pair {
  readonly name: string;
  readonly value: string;
}

/**
 * Parses text output into metric logs as it arrives (the StdOut and File/TEXT collectors).
 *
 * ```ts
 * const c = new TextMetricsCollector({ metricNames: ['loss', 'accuracy'] });
 * c.push('epoch 1: loss=0.52 accuracy=0.81\nepoch 2: loss=0.4');
 * // → loss 0.52 (step 1), accuracy 0.81 (step 1); "loss=0.4" waits for its line end
 * c.end(); // → loss 0.4 (step 2)
 * ```
 */
export class TextMetricsCollector implements MetricsCollector {
  /** `StdOut` or `File`, as given in the options. */
  readonly kind: 'StdOut' | 'File';
  private readonly options: CompiledTextOptions;
  private readonly lines: LineParser<MetricLog>;
  private readonly clock: MonotonicClock;
  private readonly steps = new StepCounter();

  /** @throws SpecError when a filter is not a usable Go regexp with two capturing groups. */
  constructor(options: TextMetricsCollectorOptions) {
    this.options = compileTextOptions(options);
    this.kind = this.options.kind;
    this.lines = new LineParser((line, out) => this.parseLine(line, out), this.options.maxLineLength);
    this.clock = new MonotonicClock(this.options.now);
  }

  /** Feeds a chunk; returns the logs of the lines it completes. Ignored after `end()`. */
  push(chunk: string | Uint8Array): readonly MetricLog[] {
    return this.lines.push(chunk);
  }

  /** Ends the stream; returns the logs of a last line without a line end. */
  end(): readonly MetricLog[] {
    return this.lines.end();
  }

  /** How many values of `metricName` were reported so far. */
  reportCount(metricName: string): number {
    return this.steps.count(metricName);
  }

  /** Lines read and dropped so far. */
  diagnostics(): CollectorDiagnostics {
    return { ...this.lines.counts(), malformedLines: 0 };
  }

  private parseLine(line: string, out: MetricLog[]): void {
    const { metricNames, metricSet, filters } = this.options;
    if (!metricNames.some((name) => line.includes(name))) return;
    const pairs: Pair[] = [];
    for (const filter of filters) {
      for (const m of line.matchAll(filter)) {
        pairs.push({ name: (m[1] ?? '').trim(), value: (m[2] ?? '').trim() });
      }
    }
    let explicitStep: number | undefined;
    if (!metricSet.has(STEP_KEY)) {
      for (const p of pairs) {
        if (p.name !== STEP_KEY) continue;
        explicitStep = parseStep(p.value);
        if (explicitStep !== undefined) break;
      }
    }
    let timeStamp: string | undefined;
    for (const p of pairs) {
      if (!metricSet.has(p.name) || parseMetricNumber(p.value) === undefined) continue;
      timeStamp ??= lineTimeStamp(line) ?? this.clock.read();
      const count = this.steps.next(p.name);
      out.push({ timeStamp, metricName: p.name, value: p.value, step: explicitStep ?? count });
    }
  }
}

/** The line's own stamp: its first space-separated token, when that is RFC 3339. */
function lineTimeStamp(line: string): string | undefined {
  const space = line.indexOf(' ');
  return space === -1 ? undefined : normalizeTimeStamp(line.slice(0, space));
}
