import { describe, expect, it } from 'vitest';
import { JsonMetricsCollector } from '../../src/metrics-collector/index.js';
import { collectAll } from '../conformance/collector.conformance.js';

const NOW = '2030-01-02T03:04:05.678Z';
const now = (): Date => new Date(NOW);

function parse(text: string, metricNames: readonly string[] = ['loss', 'accuracy']) {
  return collectAll(new JsonMetricsCollector({ metricNames, now }), [text]);
}

describe('JsonMetricsCollector', () => {
  it("reads Katib's form: string values, float epoch-seconds stamp", () => {
    expect(parse('{"accuracy": "0.98", "timestamp": 1700000000.123}\n')).toEqual([
      { timeStamp: '2023-11-14T22:13:20.123Z', metricName: 'accuracy', value: '0.98', step: 1 },
    ]);
  });

  it.each<[string, string[]]>([
    ['{"loss": 0.25}', ['0.25']],
    ['{"loss": 1e-7}', ['1e-7']],
    ['{"loss": -3}', ['-3']],
    ['{"loss": " 0.5 "}', ['0.5']],
    ['{"loss": "-7.53e-05"}', ['-7.53e-05']],
    ['{"loss": "abc"}', []],
    ['{"loss": "NaN"}', []],
    ['{"loss": ""}', []],
    ['{"loss": true}', []],
    ['{"loss": null}', []],
    ['{"loss": {"value": 1}}', []],
    ['{"loss": [1]}', []],
    ['{"lr": "0.1"}', []],
  ])('%s → values %j', (line, values) => {
    expect(parse(line).map((l) => l.value)).toEqual(values);
  });

  it('reports the requested metrics of a record in metricNames order, with one stamp', () => {
    expect(parse('{"accuracy": "0.9", "lr": 0.1, "loss": 0.3}')).toEqual([
      { timeStamp: NOW, metricName: 'loss', value: '0.3', step: 1 },
      { timeStamp: NOW, metricName: 'accuracy', value: '0.9', step: 1 },
    ]);
  });

  it.each([
    ['"2024-05-01T12:00:00.5+01:00"', '2024-05-01T11:00:00.500Z'],
    ['"2024-05-01T12:00:00Z"', '2024-05-01T12:00:00.000Z'],
    ['1700000000', '2023-11-14T22:13:20.000Z'],
    ['0', '1970-01-01T00:00:00.000Z'],
    ['-1.5', '1969-12-31T23:59:58.500Z'],
    ['"yesterday"', NOW],
    ['"1700000000"', NOW],
    ['true', NOW],
    ['null', NOW],
    ['1e300', NOW],
  ])('timestamp %s → %s', (stamp, expected) => {
    expect(parse(`{"loss": "1", "timestamp": ${stamp}}`)[0]?.timeStamp).toBe(expected);
  });

  it('takes the step from a step key, else counts reports per metric', () => {
    const text = [
      '{"loss": "1", "step": 7}',
      '{"loss": "2", "step": "8"}',
      '{"loss": "3", "step": -1}',
      '{"loss": "4", "step": 1.5}',
      '{"loss": "5", "accuracy": "0.5"}',
    ].join('\n');
    expect(parse(text).map((l) => [l.metricName, l.step])).toEqual([
      ['loss', 7],
      ['loss', 8],
      ['loss', 3],
      ['loss', 4],
      ['loss', 5],
      ['accuracy', 1],
    ]);
  });

  it('treats step as a metric when it is requested', () => {
    expect(
      parse('{"step": 3, "loss": "1"}', ['loss', 'step']).map((l) => [l.metricName, l.value, l.step]),
    ).toEqual([
      ['loss', '1', 1],
      ['step', '3', 1],
    ]);
  });

  it('skips and counts malformed lines, skips blank ones, never throws', () => {
    const c = new JsonMetricsCollector({ metricNames: ['loss'], now });
    const text = [
      'not json',
      '{"loss": 1',
      '',
      '   ',
      '[1,2]',
      '42',
      'null',
      '"loss"',
      '{"loss": "2"}\r',
    ].join('\n');
    expect(collectAll(c, [text]).map((l) => l.value)).toEqual(['2']);
    expect(c.malformedLineCount).toBe(6);
    expect(c.diagnostics()).toEqual({
      lines: 9,
      malformedLines: 6,
      oversizedLines: 0,
      firstMalformedLine: 'not json',
    });
  });

  it('reads only own keys', () => {
    expect(parse('{"loss": "1"}', ['constructor', 'toString', '__proto__'])).toEqual([]);
    expect(parse('{"__proto__": "1"}', ['__proto__']).map((l) => l.value)).toEqual(['1']);
  });

  it('reads the last record at end() and holds partial records across chunks', () => {
    const c = new JsonMetricsCollector({ metricNames: ['loss'], now });
    expect(c.push('{"loss"')).toEqual([]);
    expect(c.push(': "0.5"}\n{"loss": 0.4}')).toMatchObject([{ value: '0.5', step: 1 }]);
    expect(c.end()).toMatchObject([{ value: '0.4', step: 2 }]);
    expect(c.reportCount('loss')).toBe(2);
    expect(c.kind).toBe('File');
  });
});
