/**
 * Picks the collector for a trial's `metricsCollectorSpec` (katib-reference.md §2.1, §6).
 */
import { SpecError } from '../api/errors.js';
import type { MetricsCollectorSpec, ObjectiveSpec } from '../api/experiment.js';
import type { MetricLog } from '../api/observation.js';
import { JsonMetricsCollector } from './json-format.js';
import { collectedMetricNames, type MetricsCollector } from './metrics-collector.js';
import { TextMetricsCollector } from './text-format.js';

/** Field path of the collector spec in an Experiment, for error messages. */
const SPEC_PATH = 'spec.metricsCollectorSpec';

/** Options of {@link createMetricsCollector}; all optional. */
export interface CreateMetricsCollectorOptions {
  /** Wall clock for lines without a stamp of their own. @default () => new Date() */
  readonly now?: (() => Date) | undefined;
  /** Longest line read, in UTF-16 code units. @default 1048576 */
  readonly maxLineLength?: number | undefined;
}

/** The shape of {@link createMetricsCollector}, for code that takes a collector factory (tests inject fakes). */
export type CreateCollector = (
  spec: MetricsCollectorSpec,
  objective: ObjectiveSpec,
  opts?: CreateMetricsCollectorOptions,
) => MetricsCollector;

/**
 * A collector that reports nothing: for `Push` (the trial reports its metrics itself) and `None`.
 */
export class NullMetricsCollector implements MetricsCollector {
  /** @param kind - `Push` or `None`. */
  constructor(readonly kind: 'Push' | 'None') {}

  /** Ignores the chunk. */
  push(_chunk: string | Uint8Array): readonly MetricLog[] {
    return [];
  }

  /** Nothing to finish. */
  end(): readonly MetricLog[] {
    return [];
  }
}

/**
 * The collector for a metrics-collector spec and objective:
 * - `StdOut` (also when `collector` is unset, Katib's default) → {@link TextMetricsCollector}
 *   with `source.filter.metricsFormat`;
 * - `File` → {@link TextMetricsCollector} for format `TEXT` (the default) or
 *   {@link JsonMetricsCollector} for `JSON`;
 * - `Push`, `None` → {@link NullMetricsCollector}.
 *
 * Metrics reported are the objective metric and the additional metrics.
 *
 * @throws SpecError for `TensorFlowEvent` and `PrometheusMetric` (read by polling, not from a
 *   stream: see `TfEventsCollector` and `PrometheusScraper`), `Custom` (the trial reports itself, as
 *   with `Push`), an unknown kind, a JSON file with filters, or a filter that is not a usable Go
 *   regexp with two capturing groups.
 */
export function createMetricsCollector(
  spec: MetricsCollectorSpec,
  objective: ObjectiveSpec,
  opts: CreateMetricsCollectorOptions = {},
): MetricsCollector {
  const kind = spec.collector?.kind ?? 'StdOut';
  const metricNames = collectedMetricNames(objective);
  const metricsFormat = spec.source?.filter?.metricsFormat ?? [];
  const common = {
    metricNames,
    ...(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.maxLineLength === undefined ? {} : { maxLineLength: opts.maxLineLength }),
  };
  switch (kind) {
    case 'StdOut':
      return new TextMetricsCollector({ ...common, kind: 'StdOut', metricsFormat });
    case 'File': {
      const format = spec.source?.fileSystemPath?.format ?? 'TEXT';
      if (format === 'TEXT') return new TextMetricsCollector({ ...common, kind: 'File', metricsFormat });
      if (format === 'JSON') {
        if (metricsFormat.length > 0) {
          throw new SpecError(
            [
              {
                path: `${SPEC_PATH}.source.filter`,
                message: 'filter must be nil when format of metrics file is json',
              },
            ],
            'invalid metrics collector',
          );
        }
        return new JsonMetricsCollector(common);
      }
      throw new SpecError(
        [
          {
            path: `${SPEC_PATH}.source.fileSystemPath.format`,
            message: 'format of metrics file must be TEXT or JSON',
            value: format,
          },
        ],
        'invalid metrics collector',
      );
    }
    case 'Push':
    case 'None':
      return new NullMetricsCollector(kind);
    case 'TensorFlowEvent':
    case 'PrometheusMetric':
    case 'Custom':
      throw new SpecError(
        [
          {
            path: `${SPEC_PATH}.collector.kind`,
            message: `metrics collector kind "${kind}" is not read from a stream (TensorFlowEvent and PrometheusMetric are polled; Custom trials report through the db-manager)`,
            value: kind,
          },
        ],
        'unsupported metrics collector',
      );
    default:
      throw new SpecError(
        [
          {
            path: `${SPEC_PATH}.collector.kind`,
            message: `invalid metrics collector kind "${String(kind)}"`,
            value: kind,
          },
        ],
        'invalid metrics collector',
      );
  }
}
