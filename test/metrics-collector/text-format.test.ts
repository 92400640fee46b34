import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/api/errors.js';
import {
  compileMetricsFilter,
  metricsFilterProblem,
  TextMetricsCollector,
  type TextMetricsCollectorOptions,
} from '../../src/metrics-collector/index.js';
import { collectAll } from '../conformance/collector.conformance.js';

const NOW = '2030-01-02T03:04:05.678Z';
const now = (): Date => new Date(NOW);

function parse(text: string, options: Partial<TextMetricsCollectorOptions> = {}) {
  const c = new TextMetricsCollector({ metricNames: ['loss', 'accuracy'], now, ...options });
  return collectAll(c, [text]);
}

/** `[name, value]` pairs of the logs, for compact tables. */
function pairs(text: string, options: Partial<TextMetricsCollectorOptions> = {}): [string, string][] {
  return parse(text, options).map((l) => [l.metricName, l.value]);
}

describe('TextMetricsCollector: default filter', () => {
  const metricNames = ['loss', 'accuracy', 'Score', 'Validation-accuracy', 'train|loss'];
  it.each<[string, [string, string][]]>([
    ['loss=0.3', [['loss', '0.3']]],
    ['loss = 1e-3', [['loss', '1e-3']]],
    ['Score=-7.53e-05', [['Score', '-7.53e-05']]],
    ['loss=1.5E+3', [['loss', '1.5E+3']]],
    ['loss=-0.5', [['loss', '-0.5']]],
    ['loss=+2', [['loss', '+2']]],
    ['loss=.5', [['loss', '.5']]],
    ['loss=3.', [['loss', '3']]],
    ['Validation-accuracy=0.97', [['Validation-accuracy', '0.97']]],
    ['train|loss=0.1', [['train|loss', '0.1']]],
    [
      'epoch 3: loss=0.3 accuracy=0.9',
      [
        ['loss', '0.3'],
        ['accuracy', '0.9'],
      ],
    ],
    [
      'loss=0.3,accuracy=0.9;Score=1',
      [
        ['loss', '0.3'],
        ['accuracy', '0.9'],
        ['Score', '1'],
      ],
    ],
    ['lr=0.01 loss=0.2', [['loss', '0.2']]],
    ['lr=0.1 momentum=0.9', []],
    ['val_loss=0.4', []],
    ['loss: 0.3', []],
    ['loss=', []],
    ['loss=.', []],
    ['loss=-', []],
    ['loss=e5', []],
    ['', []],
  ])('%j → %j', (line, expected) => {
    expect(pairs(line, { metricNames })).toEqual(expected);
  });

  it('reads every line and keeps the output order', () => {
    expect(pairs('loss=3\nnothing here\naccuracy=0.5 loss=2\n\nloss=1')).toEqual([
      ['loss', '3'],
      ['accuracy', '0.5'],
      ['loss', '2'],
      ['loss', '1'],
    ]);
  });

  it('reads a line only if it contains a requested name (the pre-check is a substring test)', () => {
    // "lossy" contains "loss", so the line is read, but only exact names are reported.
    expect(pairs('lossy=1 loss=2')).toEqual([['loss', '2']]);
    expect(pairs('foo=1 bar=2', { metricNames: [''] })).toEqual([]);
  });
});

describe('TextMetricsCollector: custom filters (Go syntax)', () => {
  it("reads Katib's example filter", () => {
    const metricsFormat = [String.raw`{metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)}`];
    expect(
      pairs(
        '{metricName: accuracy, metricValue: 0.9}\n{metricName: loss, metricValue: -1.25} {metricName: lr, metricValue: 1}',
        {
          metricsFormat,
        },
      ),
    ).toEqual([
      ['accuracy', '0.9'],
      ['loss', '-1.25'],
    ]);
  });

  it('accepts (?P<name>…) groups', () => {
    expect(pairs('loss: 0.3', { metricsFormat: [String.raw`(?P<name>\w+):\s*(?P<value>[\d.]+)`] })).toEqual([
      ['loss', '0.3'],
    ]);
  });

  it('applies several filters, in filter order, and trims name and value', () => {
    const metricsFormat = [String.raw`(\w+):\s*(\S+)`, String.raw`(\w+)=(\S+)`];
    expect(pairs('loss=0.3 accuracy: 0.9 ', { metricsFormat })).toEqual([
      ['accuracy', '0.9'],
      ['loss', '0.3'],
    ]);
    expect(pairs('loss=  0.3  |', { metricsFormat: [String.raw`(\w+)=([^|]*)`] })).toEqual([['loss', '0.3']]);
  });

  it('skips values that are not numbers', () => {
    expect(
      pairs('loss=abc loss=NaN loss=Inf loss=0x10 loss=7', { metricsFormat: [String.raw`(\w+)=(\S+)`] }),
    ).toEqual([['loss', '7']]);
  });

  it('maps a leading (?i) to a flag, and \\A, \\z, \\Q…\\E, [[:class:]] and []…] to JavaScript', () => {
    expect(pairs('loss IS 0.3', { metricsFormat: [String.raw`(?i)(loss)\s+is\s+(\S+)`] })).toEqual([
      ['loss', '0.3'],
    ]);
    const anchored = { metricsFormat: [String.raw`\A(loss)=([\d.]+)\z`] };
    expect(pairs('loss=3', anchored)).toEqual([['loss', '3']]);
    expect(pairs('x loss=3', anchored)).toEqual([]);
    const quoted = { metricNames: ['val.loss'], metricsFormat: [String.raw`(\Qval.loss\E)=(\S+)`] };
    expect(pairs('val.loss=1 valXloss=2', quoted)).toEqual([['val.loss', '1']]);
    expect(pairs('loss=12', { metricsFormat: [String.raw`([[:alpha:]]+)=([[:digit:]]+)`] })).toEqual([
      ['loss', '12'],
    ]);
    expect(
      pairs('loss]=1', { metricsFormat: [String.raw`(loss[]a]?)=(\d)`], metricNames: ['loss]'] }),
    ).toEqual([['loss]', '1']]);
  });

  it.each([
    [String.raw`(\w+)=\S+`, /two top subexpressions/],
    ['(loss', /not a usable Go regexp/],
    [String.raw`(\w+)(?=x)(\d)`, /lookaround/],
    [String.raw`(\w+)=(\1)`, /backreference/],
    [String.raw`(\pL+)=(\d)`, /Unicode classes/],
    [String.raw`(?U)(\w+)=(\d)`, /flag "U"/],
    [String.raw`(\w+)(?i:=)(\d)`, /inline flags/],
    [String.raw`([[:foo:]]+)=(\d)`, /unknown class/],
  ])('refuses %s', (filter, reason) => {
    expect(metricsFilterProblem(filter)).toMatch(reason);
    expect(() => compileMetricsFilter(filter)).toThrow(SpecError);
  });

  it('names the broken filter by its index', () => {
    try {
      new TextMetricsCollector({ metricNames: ['loss'], metricsFormat: [String.raw`(\w+)=(\S+)`, 'loss'] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).errors[0]).toMatchObject({
        path: 'spec.metricsCollectorSpec.source.filter.metricsFormat[1]',
        value: 'loss',
      });
    }
  });
});

describe('TextMetricsCollector: time stamps', () => {
  it.each([
    ['2024-05-01T12:00:00Z loss=0.3', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00.123456789+02:00 loss=0.3', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T00:30:00-01:30 loss=0.3', '2024-05-01T02:00:00.000Z'],
    ['0001-01-01T00:00:00Z loss=1', '0001-01-01T00:00:00.000Z'],
    ['2024-02-29T23:59:59.9Z loss=1', '2024-02-29T23:59:59.900Z'],
    ['2024-05-01 12:00:00 loss=0.3', NOW],
    ['2024-05-01t12:00:00z loss=0.3', NOW],
    ['2024-13-01T00:00:00Z loss=1', NOW],
    ['2023-02-29T00:00:00Z loss=1', NOW],
    ['2024-05-01T24:00:00Z loss=1', NOW],
    ['2024-05-01T12:00:60Z loss=1', NOW],
    ['loss=0.3 2024-05-01T12:00:00Z', NOW],
    ['2024-05-01T12:00:00Z,loss=0.3', NOW],
    ['[2024-05-01T12:00:00Z] loss=1', NOW],
  ])('%j is stamped %s', (line, stamp) => {
    expect(parse(line)[0]?.timeStamp).toBe(stamp);
  });

  it('stamps a line without a stamp with the time it was received, never going backwards', () => {
    const times = ['2030-01-01T00:00:10.000Z', '2030-01-01T00:00:05.000Z', '2030-01-01T00:00:20.000Z'];
    let i = 0;
    const c = new TextMetricsCollector({ metricNames: ['loss'], now: () => new Date(times[i++] ?? NOW) });
    expect(c.push('loss=1\nlo')).toMatchObject([{ timeStamp: times[0] }]);
    // The clock reads earlier now; the stamp stays at the previous reading.
    expect(c.push('ss=2\n')).toMatchObject([{ timeStamp: times[0] }]);
    expect(c.end()).toEqual([]);
    expect(c.push('loss=3\n')).toEqual([]);
  });

  it('reads the clock when a line completes, not when it starts', () => {
    let t = '2030-01-01T00:00:01.000Z';
    const c = new TextMetricsCollector({ metricNames: ['loss'], now: () => new Date(t) });
    expect(c.push('loss=1')).toEqual([]);
    t = '2030-01-01T00:00:02.000Z';
    expect(c.end()).toMatchObject([{ timeStamp: t }]);
  });
});

describe('TextMetricsCollector: steps', () => {
  const steps = (text: string, options: Partial<TextMetricsCollectorOptions> = {}) =>
    parse(text, options).map((l) => [l.metricName, l.step]);

  it('numbers reports of each metric 1, 2, 3…', () => {
    expect(steps('loss=0.5 accuracy=0.1\nloss=0.4\naccuracy=0.2 accuracy=0.3')).toEqual([
      ['loss', 1],
      ['accuracy', 1],
      ['loss', 2],
      ['accuracy', 2],
      ['accuracy', 3],
    ]);
  });

  it('takes an explicit step=N from the line, before or after the metrics; the count still runs', () => {
    expect(steps('step=10 loss=0.5\nloss=0.4 accuracy=0.9 step=20\nloss=0.3')).toEqual([
      ['loss', 10],
      ['loss', 20],
      ['accuracy', 20],
      ['loss', 3],
    ]);
  });

  it('ignores steps that are not non-negative integers, and epoch', () => {
    expect(steps('step=1.5 loss=1\nstep=-2 loss=1\nepoch=7 loss=1\nstep=0 loss=1')).toEqual([
      ['loss', 1],
      ['loss', 2],
      ['loss', 3],
      ['loss', 0],
    ]);
  });

  it('treats step as a metric, not a step, when it is requested', () => {
    expect(parse('step=5 loss=1', { metricNames: ['loss', 'step'] })).toEqual([
      { timeStamp: NOW, metricName: 'step', value: '5', step: 1 },
      { timeStamp: NOW, metricName: 'loss', value: '1', step: 1 },
    ]);
  });

  it('finds the step with custom filters too', () => {
    const metricsFormat = [String.raw`{metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)}`];
    expect(
      steps('{metricName: step, metricValue: 4} {metricName: loss, metricValue: 1.5}', { metricsFormat }),
    ).toEqual([['loss', 4]]);
  });

  it('counts reports per metric', () => {
    const c = new TextMetricsCollector({ metricNames: ['loss'], now });
    c.push('loss=1\nloss=2\naccuracy=3\n');
    expect(c.reportCount('loss')).toBe(2);
    expect(c.reportCount('accuracy')).toBe(0);
  });
});

describe('TextMetricsCollector: lines and chunks', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, also when \\r\\n is split across chunks', () => {
    const c = new TextMetricsCollector({ metricNames: ['loss'], now });
    const logs = collectAll(c, ['loss=1\r', '\nloss=2\rloss=3\r\n', 'loss=4']);
    expect(logs.map((l) => [l.value, l.step])).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['4', 4],
    ]);
    expect(c.diagnostics()).toEqual({ lines: 4, malformedLines: 0, oversizedLines: 0 });
  });

  it('holds a partial line until its end or end()', () => {
    const c = new TextMetricsCollector({ metricNames: ['loss'], now });
    expect(c.push('loss=0.')).toEqual([]);
    expect(c.push('25')).toEqual([]);
    expect(c.push('\nloss=0.1')).toMatchObject([{ value: '0.25' }]);
    expect(c.end()).toMatchObject([{ value: '0.1' }]);
  });

  it('decodes UTF-8 bytes split inside a character', () => {
    const bytes = new TextEncoder().encode('é loss=1\n');
    const c = new TextMetricsCollector({ metricNames: ['loss'], now });
    expect([...c.push(bytes.slice(0, 1)), ...c.push(bytes.slice(1))]).toMatchObject([{ value: '1' }]);
  });

  it('drops lines longer than maxLineLength, whatever the chunking', () => {
    const text = 'loss=0.123456789\nloss=1\nloss=2.0000000000';
    for (const chunks of [
      [text],
      text.split(''),
      ['loss=0.1234', '56789\nlo', 'ss=1\nloss=2.00000', '00000'],
    ]) {
      const c = new TextMetricsCollector({ metricNames: ['loss'], now, maxLineLength: 10 });
      expect(collectAll(c, chunks).map((l) => l.value)).toEqual(['1']);
      expect(c.diagnostics()).toEqual({ lines: 1, malformedLines: 0, oversizedLines: 2 });
    }
  });

  it('reports its kind', () => {
    expect(new TextMetricsCollector({ metricNames: ['loss'] }).kind).toBe('StdOut');
    expect(new TextMetricsCollector({ metricNames: ['loss'], kind: 'File' }).kind).toBe('File');
  });
});
