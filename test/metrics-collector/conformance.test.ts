import { JsonMetricsCollector, TextMetricsCollector } from '../../src/metrics-collector/index.js';
import { describeCollectorConformance } from '../conformance/collector.conformance.js';

const now = (): Date => new Date('2030-01-02T03:04:05.678Z');
const metricNames = ['loss', 'accuracy'];

describeCollectorConformance(
  'text, default filter',
  () => new TextMetricsCollector({ metricNames, now }),
  [
    'Epoch 1/3',
    'epoch 1: loss=0.52 accuracy=0.81',
    '2024-05-01T12:00:00.25Z step=7 loss = 1e-3 lr=0.1',
    'train|loss=3 Score=-7.53e-05 loss=-7.53e-05\r',
    'progress 10% loss=0.4\rprogress 20% loss=0.35\r\n',
    'naïve 😀 accuracy=.9',
  ].join('\n'),
);

describeCollectorConformance(
  'text, Katib custom filter',
  () =>
    new TextMetricsCollector({
      metricNames,
      kind: 'File',
      metricsFormat: [String.raw`{metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)}`],
      now,
    }),
  '{metricName: loss, metricValue: 0.5}\n{metricName: accuracy, metricValue: -1}\n{metricName: loss, metricValue: 2.25}',
);

describeCollectorConformance(
  'JSON lines',
  () => new JsonMetricsCollector({ metricNames, now }),
  [
    '{"loss": "0.5", "timestamp": 1700000000.123}',
    'not json',
    '{"loss": 0.25, "accuracy": "0.9", "step": 4, "timestamp": "2024-05-01T12:00:00+02:00"}\r',
    '',
    '{"accuracy": "0.95", "note": "naïve 😀"}',
  ].join('\n'),
);
