import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/api/errors.js';
import type { CollectorKind, MetricsCollectorSpec, ObjectiveSpec } from '../../src/api/experiment.js';
import {
  collectedMetricNames,
  createMetricsCollector,
  JsonMetricsCollector,
  NullMetricsCollector,
  TextMetricsCollector,
} from '../../src/metrics-collector/index.js';
import { collectAll } from '../conformance/collector.conformance.js';

const NOW = '2030-01-02T03:04:05.678Z';
const now = (): Date => new Date(NOW);
const objective: ObjectiveSpec = {
  type: 'maximize',
  objectiveMetricName: 'accuracy',
  additionalMetricNames: ['loss', 'accuracy', ''],
};

function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  return expect.unreachable('no error thrown');
}

describe('createMetricsCollector', () => {
  it('defaults to StdOut with the default filter, reporting objective and additional metrics', () => {
    const c = createMetricsCollector({}, objective, { now });
    expect(c).toBeInstanceOf(TextMetricsCollector);
    expect(c.kind).toBe('StdOut');
    expect(collectAll(c, ['accuracy=0.9 loss=0.1 lr=0.3\n'])).toEqual([
      { timeStamp: NOW, metricName: 'accuracy', value: '0.9', step: 1 },
      { timeStamp: NOW, metricName: 'loss', value: '0.1', step: 1 },
    ]);
  });

  it('passes StdOut filters on', () => {
    const spec: MetricsCollectorSpec = {
      collector: { kind: 'StdOut' },
      source: { filter: { metricsFormat: [String.raw`(\w+):\s*(\S+)`] } },
    };
    expect(
      collectAll(createMetricsCollector(spec, objective, { now }), ['accuracy: 0.5 loss=1']),
    ).toMatchObject([{ metricName: 'accuracy', value: '0.5' }]);
  });

  it('reads File as TEXT by default and as JSON when asked', () => {
    const text = createMetricsCollector({ collector: { kind: 'File' } }, objective);
    expect(text).toBeInstanceOf(TextMetricsCollector);
    expect(text.kind).toBe('File');
    const json = createMetricsCollector(
      {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: '/m.json', kind: 'File', format: 'JSON' } },
      },
      objective,
      { now },
    );
    expect(json).toBeInstanceOf(JsonMetricsCollector);
    expect(collectAll(json, ['{"accuracy": "0.7"}'])).toMatchObject([
      { metricName: 'accuracy', value: '0.7' },
    ]);
  });

  it('passes maxLineLength on', () => {
    const c = createMetricsCollector({}, objective, { now, maxLineLength: 6 });
    expect(collectAll(c, ['accuracy=0.5\nloss=1'])).toMatchObject([{ metricName: 'loss' }]);
  });

  it.each<CollectorKind>(['Push', 'None'])('%s yields nothing', (kind) => {
    const c = createMetricsCollector({ collector: { kind } }, objective);
    expect(c).toBeInstanceOf(NullMetricsCollector);
    expect(c.kind).toBe(kind);
    expect(collectAll(c, ['accuracy=1\n', new Uint8Array([1, 2])])).toEqual([]);
  });

  it.each<CollectorKind>(['TensorFlowEvent', 'PrometheusMetric', 'Custom'])(
    'refuses %s as not supported yet',
    (kind) => {
      const err = specError(() => createMetricsCollector({ collector: { kind } }, objective));
      expect(err.message).toContain(`"${kind}" is not read from a stream`);
      expect(err.errors[0]?.path).toBe('spec.metricsCollectorSpec.collector.kind');
    },
  );

  it('refuses an unknown kind', () => {
    const err = specError(() =>
      createMetricsCollector({ collector: { kind: 'Nope' as CollectorKind } }, objective),
    );
    expect(err.errors[0]).toMatchObject({ path: 'spec.metricsCollectorSpec.collector.kind', value: 'Nope' });
  });

  it('refuses filters with JSON, and unknown formats', () => {
    const withFilter = specError(() =>
      createMetricsCollector(
        {
          collector: { kind: 'File' },
          source: {
            fileSystemPath: { format: 'JSON' },
            filter: { metricsFormat: [String.raw`(\w+)=(\S+)`] },
          },
        },
        objective,
      ),
    );
    expect(withFilter.errors[0]?.message).toBe('filter must be nil when format of metrics file is json');
    const badFormat = specError(() =>
      createMetricsCollector(
        { collector: { kind: 'File' }, source: { fileSystemPath: { format: 'XML' as 'JSON' } } },
        objective,
      ),
    );
    expect(badFormat.errors[0]?.path).toBe('spec.metricsCollectorSpec.source.fileSystemPath.format');
  });

  it('refuses a filter without two groups, naming its index', () => {
    const err = specError(() =>
      createMetricsCollector({ source: { filter: { metricsFormat: ['(a)(b)', 'loss=\\d+'] } } }, objective),
    );
    expect(err.errors[0]?.path).toBe('spec.metricsCollectorSpec.source.filter.metricsFormat[1]');
  });
});

describe('collectedMetricNames', () => {
  it('lists the objective then additional metrics, once each, without empty names', () => {
    expect(collectedMetricNames(objective)).toEqual(['accuracy', 'loss']);
    expect(collectedMetricNames({ type: 'minimize', objectiveMetricName: 'loss' })).toEqual(['loss']);
  });
});
