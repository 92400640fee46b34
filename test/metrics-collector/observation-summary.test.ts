import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectiveSpec, Observation } from '../../src/api/experiment.js';
import { UNAVAILABLE_METRIC_VALUE, type MetricLog } from '../../src/api/observation.js';
import {
  isObservationAvailable,
  KATIB_ZERO_TIME,
  summarizeObservation,
  unavailableLog,
} from '../../src/metrics-collector/index.js';

const U = UNAVAILABLE_METRIC_VALUE;
const objective: ObjectiveSpec = {
  type: 'minimize',
  objectiveMetricName: 'loss',
  additionalMetricNames: ['accuracy'],
  metricStrategies: [
    { name: 'loss', value: 'min' },
    { name: 'accuracy', value: 'max' },
  ],
};

function log(metricName: string, value: string, timeStamp: string): MetricLog {
  return { metricName, value, timeStamp };
}

function metric(observation: Observation, name: string) {
  return observation.metrics.find((m) => m.name === name);
}

describe('summarizeObservation', () => {
  it('gives min, max and latest per metric, as the strings reported', () => {
    const logs = [
      log('loss', '0.5', '2024-05-01T12:00:01Z'),
      log('accuracy', '0.7', '2024-05-01T12:00:01Z'),
      log('loss', '1e-3', '2024-05-01T12:00:02Z'),
      log('loss', '0.2', '2024-05-01T12:00:03Z'),
      log('lr', '0.1', '2024-05-01T12:00:04Z'),
    ];
    expect(summarizeObservation(logs, objective)).toEqual({
      metrics: [
        { name: 'loss', min: '1e-3', max: '0.5', latest: '0.2' },
        { name: 'accuracy', min: '0.7', max: '0.7', latest: '0.7' },
      ],
    });
  });

  it('is "unavailable" for a metric without logs', () => {
    expect(summarizeObservation([], objective).metrics).toEqual([
      { name: 'loss', min: U, max: U, latest: U },
      { name: 'accuracy', min: U, max: U, latest: U },
    ]);
  });

  it('picks latest by time stamp, not list order; equal stamps → the later log', () => {
    const logs = [
      log('loss', '3', '2024-05-01T12:00:05Z'),
      log('loss', '1', '2024-05-01T12:00:01Z'),
      log('accuracy', '0.1', '2024-05-01T12:00:00Z'),
      log('accuracy', '0.2', '2024-05-01T12:00:00.000Z'),
    ];
    const o = summarizeObservation(logs, objective);
    expect(metric(o, 'loss')?.latest).toBe('3');
    expect(metric(o, 'accuracy')?.latest).toBe('0.2');
  });

  it('compares stamps as instants: offsets and sub-millisecond digits count', () => {
    const offsets = [log('loss', 'a', '2024-05-01T11:00:00Z'), log('loss', 'b', '2024-05-01T12:00:00+02:00')];
    expect(metric(summarizeObservation(offsets, objective), 'loss')?.latest).toBe('a');
    const nanos = [
      log('loss', 'x', '2024-05-01T12:00:00.0002Z'),
      log('loss', 'y', '2024-05-01T12:00:00.0001Z'),
    ];
    expect(metric(summarizeObservation(nanos, objective), 'loss')?.latest).toBe('x');
  });

  it('keeps the first of equal values for min and max', () => {
    const logs = [log('loss', '1.0', '2024-05-01T12:00:00Z'), log('loss', '1', '2024-05-01T12:00:01Z')];
    expect(metric(summarizeObservation(logs, objective), 'loss')).toMatchObject({ min: '1.0', max: '1.0' });
  });

  it('skips values that are not numbers for min/max, but not for latest', () => {
    const logs = [
      log('loss', '2', '2024-05-01T12:00:00Z'),
      log('loss', 'NaN', '2024-05-01T12:00:01Z'),
      log('loss', 'oops', '2024-05-01T12:00:02Z'),
    ];
    expect(metric(summarizeObservation(logs, objective), 'loss')).toEqual({
      name: 'loss',
      min: '2',
      max: '2',
      latest: 'oops',
    });
  });

  it('lets a real value win over the "unavailable" marker at the zero time', () => {
    const logs = [log('loss', '0.3', '2024-05-01T12:00:00Z'), unavailableLog('loss')];
    expect(metric(summarizeObservation(logs, objective), 'loss')).toEqual({
      name: 'loss',
      min: '0.3',
      max: '0.3',
      latest: '0.3',
    });
    const onlyMarker = summarizeObservation([unavailableLog('loss')], objective);
    expect(metric(onlyMarker, 'loss')).toEqual({ name: 'loss', min: U, max: U, latest: U });
    expect(isObservationAvailable(onlyMarker, objective)).toBe(false);
  });

  it('treats an unparseable stamp as earlier than every other', () => {
    const logs = [log('loss', '1', '2024-05-01T12:00:00Z'), log('loss', '2', 'not a time')];
    expect(metric(summarizeObservation(logs, objective), 'loss')?.latest).toBe('1');
    expect(
      metric(summarizeObservation([log('loss', '2', 'bad'), log('loss', '3', 'bad')], objective), 'loss')
        ?.latest,
    ).toBe('3');
  });

  it('lists strategy metrics first, then objective and additional metrics not named there', () => {
    const partial: ObjectiveSpec = {
      type: 'maximize',
      objectiveMetricName: 'accuracy',
      additionalMetricNames: ['loss', 'f1'],
      metricStrategies: [{ name: 'f1', value: 'latest' }],
    };
    expect(summarizeObservation([], partial).metrics.map((m) => m.name)).toEqual(['f1', 'accuracy', 'loss']);
    const bare: ObjectiveSpec = { type: 'minimize', objectiveMetricName: 'loss' };
    expect(summarizeObservation([], bare).metrics.map((m) => m.name)).toEqual(['loss']);
  });

  it('keeps min ≤ max and picks them, and latest, among the values (property)', () => {
    const stamp = fc.integer({ min: 0, max: 5 }).map((s) => `2024-05-01T12:00:0${s}Z`);
    const entry = fc.record({
      metricName: fc.constantFrom('loss', 'accuracy', 'other'),
      value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.constant('bad')),
      timeStamp: stamp,
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (logs) => {
        for (const m of summarizeObservation(logs, objective).metrics) {
          const own = logs.filter((l) => l.metricName === m.name);
          const numeric = own.map((l) => l.value).filter((v) => v !== 'bad');
          if (numeric.length === 0) {
            expect([m.min, m.max]).toEqual([U, U]);
          } else {
            expect(numeric).toContain(m.min);
            expect(numeric).toContain(m.max);
            expect(Number(m.min)).toBeLessThanOrEqual(Number(m.max));
            expect(Math.min(...numeric.map(Number)) === Number(m.min)).toBe(true);
          }
          if (own.length === 0) expect(m.latest).toBe(U);
          else {
            const last = own.reduce((a, b) => (b.timeStamp >= a.timeStamp ? b : a));
            expect(m.latest).toBe(last.value);
          }
        }
      }),
    );
  });
});

describe('isObservationAvailable', () => {
  it('needs the objective metric with a latest value', () => {
    expect(isObservationAvailable(undefined, objective)).toBe(false);
    expect(isObservationAvailable({ metrics: [] }, objective)).toBe(false);
    expect(
      isObservationAvailable({ metrics: [{ name: 'accuracy', min: '1', max: '1', latest: '1' }] }, objective),
    ).toBe(false);
    expect(
      isObservationAvailable({ metrics: [{ name: 'loss', min: U, max: U, latest: U }] }, objective),
    ).toBe(false);
    expect(
      isObservationAvailable({ metrics: [{ name: 'loss', min: U, max: U, latest: '0.1' }] }, objective),
    ).toBe(true);
  });
});

describe('unavailableLog', () => {
  it('is Katib\'s marker: the objective, "unavailable", at the zero time', () => {
    expect(unavailableLog('loss')).toEqual({
      timeStamp: '0001-01-01T00:00:00Z',
      metricName: 'loss',
      value: U,
    });
    expect(KATIB_ZERO_TIME).toBe('0001-01-01T00:00:00Z');
  });
});
