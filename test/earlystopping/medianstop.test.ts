/**
 * medianstop and checkRules: Katib's settings and messages, the median (not Katib's mean), and
 * properties of the rule on running trials.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SpecError,
  type EarlyStoppingRule,
  type EarlyStoppingSpec,
  type Experiment,
  type MetricLog,
  type ObjectiveType,
  type TrialPhase,
  type TrialView,
} from '../../src/api/index.js';
import {
  checkRules,
  earlyStoppingAlgorithm,
  earlyStoppingAlgorithmNames,
  firstReportsAverage,
  median,
  medianStop,
  parseMedianStopSettings,
  validateEarlyStoppingSpec,
} from '../../src/earlystopping/index.js';

const PATH = 'spec.earlyStopping.algorithmSettings';

function spec(settings: Record<string, string> | [string, string][] = {}): EarlyStoppingSpec {
  const entries = Array.isArray(settings) ? settings : Object.entries(settings);
  return {
    algorithmName: 'medianstop',
    algorithmSettings: entries.map(([name, value]) => ({ name, value })),
  };
}

function experiment(type: ObjectiveType, settings: Record<string, string> = {}): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'es' },
    spec: {
      parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
      objective: { type, objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'random' },
      earlyStopping: spec(settings),
      parallelTrialCount: 3,
      metricsCollectorSpec: { collector: { kind: 'StdOut' } },
      resumePolicy: 'Never',
    },
  };
}

function trial(name: string, phase: TrialPhase = 'Succeeded'): TrialView {
  return { name, parameterAssignments: [{ name: 'x', value: '0.5' }], labels: {}, phase };
}

/** A log of `metric` with the given values, one second apart, steps 1, 2, … */
function log(values: readonly (number | string)[], metric = 'loss'): MetricLog[] {
  return values.map((v, i) => ({
    timeStamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    metricName: metric,
    value: String(v),
    step: i + 1,
  }));
}

/** A reader over fixed logs per trial. */
function reader(logs: Record<string, MetricLog[]>): (t: string) => Promise<readonly MetricLog[]> {
  return (t) => Promise.resolve(logs[t] ?? []);
}

describe('medianstop settings (Katib names, defaults, messages)', () => {
  const table: {
    name: string;
    settings: [string, string][];
    want?: { minTrialsRequired: number; startStep: number };
    errors?: { path: string; message: string }[];
  }[] = [
    { name: 'defaults', settings: [], want: { minTrialsRequired: 3, startStep: 4 } },
    {
      name: 'both set',
      settings: [
        ['min_trials_required', '5'],
        ['start_step', '2'],
      ],
      want: { minTrialsRequired: 5, startStep: 2 },
    },
    {
      name: 'start_step 1 is allowed',
      settings: [['start_step', '1']],
      want: { minTrialsRequired: 3, startStep: 1 },
    },
    {
      name: 'spaces and sign as in int()',
      settings: [['start_step', ' +7 ']],
      want: { minTrialsRequired: 3, startStep: 7 },
    },
    {
      name: 'the last of a repeated setting wins',
      settings: [
        ['start_step', '2'],
        ['start_step', '6'],
      ],
      want: { minTrialsRequired: 3, startStep: 6 },
    },
    {
      name: 'min_trials_required 0',
      settings: [['min_trials_required', '0']],
      errors: [{ path: `${PATH}[0].value`, message: 'min_trials_required must be greater than zero (>0)' }],
    },
    {
      name: 'min_trials_required negative',
      settings: [['min_trials_required', '-2']],
      errors: [{ path: `${PATH}[0].value`, message: 'min_trials_required must be greater than zero (>0)' }],
    },
    {
      name: 'start_step 0',
      settings: [['start_step', '0']],
      errors: [{ path: `${PATH}[0].value`, message: 'start_step must be greater or equal than one (>=1)' }],
    },
    {
      name: 'not an integer',
      settings: [['start_step', '2.5']],
      errors: [{ path: `${PATH}[0].value`, message: 'failed to validate start_step(2.5): not an integer' }],
    },
    {
      name: 'empty value',
      settings: [['min_trials_required', '']],
      errors: [
        { path: `${PATH}[0].value`, message: 'failed to validate min_trials_required(): not an integer' },
      ],
    },
    {
      name: 'unknown setting',
      settings: [['patience', '3']],
      errors: [{ path: `${PATH}[0].name`, message: 'unknown setting patience for algorithm medianstop' }],
    },
    {
      name: 'every problem at once, with its index',
      settings: [
        ['start_step', '4'],
        ['min_trials_required', 'abc'],
        ['foo', '1'],
        ['start_step', '-1'],
      ],
      errors: [
        { path: `${PATH}[1].value`, message: 'failed to validate min_trials_required(abc): not an integer' },
        { path: `${PATH}[2].name`, message: 'unknown setting foo for algorithm medianstop' },
        { path: `${PATH}[3].value`, message: 'start_step must be greater or equal than one (>=1)' },
      ],
    },
  ];

  for (const c of table) {
    it(c.name, () => {
      const parsed = parseMedianStopSettings(spec(c.settings));
      const errors = medianStop.validate(spec(c.settings));
      if (c.want) {
        expect(parsed).toEqual({ ok: true, settings: c.want });
        expect(errors).toEqual([]);
      } else {
        expect(parsed.ok).toBe(false);
        expect(errors.map(({ path, message }) => ({ path, message }))).toEqual(c.errors);
        expect(validateEarlyStoppingSpec(spec(c.settings))).toEqual(errors);
      }
    });
  }

  it("the registry knows medianstop and refuses other names with Katib's message", () => {
    expect(earlyStoppingAlgorithmNames()).toEqual(['medianstop']);
    expect(earlyStoppingAlgorithm('medianstop')).toBe(medianStop);
    expect(earlyStoppingAlgorithm('hyperband')).toBeUndefined();
    const errors = validateEarlyStoppingSpec({ algorithmName: 'nope' });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('spec.earlyStopping.algorithmName');
    expect(errors[0]?.message).toMatch(/^unknown algorithm name nope\b/);
  });

  it('validation never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (name, settings) => {
        const s = { algorithmName: name, algorithmSettings: settings } as unknown as EarlyStoppingSpec;
        expect(Array.isArray(validateEarlyStoppingSpec(s))).toBe(true);
        expect(Array.isArray(medianStop.validate(s))).toBe(true);
      }),
    );
  });

  it('rules() refuses invalid settings with a SpecError', async () => {
    await expect(
      medianStop.rules(experiment('minimize', { start_step: '0' }), [], reader({})),
    ).rejects.toThrow(SpecError);
  });
});

describe('median and running averages', () => {
  it('median of odd and even counts, and of nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeUndefined();
    expect(median([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
  });

  it('averages the first start_step numeric reports of the metric, in log order', () => {
    const l = [...log([1, 'NaN', 3, 'unavailable', 5, 100]), ...log([9, 9], 'accuracy')];
    expect(firstReportsAverage(l, 'loss', 3)).toBe(3); // 1, 3, 5
    expect(firstReportsAverage(l, 'loss', 10)).toBe(27.25);
    expect(firstReportsAverage(l, 'accuracy', 4)).toBe(9);
    expect(firstReportsAverage(log(['NaN', 'garbage']), 'loss', 4)).toBeUndefined();
  });
});

describe('medianstop rules', () => {
  it('is the median of the averages, not their mean (Katib uses the mean)', async () => {
    // Averages 1, 2 and 10: the mean would be 4.333…, the median is 2.
    const rules = await medianStop.rules(
      experiment('minimize', { start_step: '2' }),
      [trial('a'), trial('b'), trial('c')],
      reader({ a: log([1, 1, 50]), b: log([1, 3, 50]), c: log([10, 10]) }),
    );
    expect(rules).toEqual([{ name: 'loss', value: '2', comparison: 'greater', startStep: 2 }]);
    // A running trial at 3 after two reports: above the median (stopped), below the mean (Katib would not stop it).
    expect(checkRules(rules, log([3, 3]), experiment('minimize').spec.objective)).toBeDefined();
  });

  it('maximize gives a LESS rule', async () => {
    const rules = await medianStop.rules(
      experiment('maximize', { min_trials_required: '2', start_step: '1' }),
      [trial('a'), trial('b')],
      reader({ a: log([0.5, 0.9]), b: log([0.7]) }),
    );
    expect(rules).toEqual([{ name: 'loss', value: '0.6', comparison: 'less', startStep: 1 }]);
  });

  it('learns only from Succeeded trials with a numeric report, and waits for min_trials_required', async () => {
    const e = experiment('minimize');
    const logs = reader({
      a: log([1, 1, 1, 1]),
      b: log([2, 2, 2, 2]),
      c: log(['NaN', 'NaN']),
      r: log([0]),
      f: log([0]),
      s: log([0]),
    });
    const read: string[] = [];
    const tracking = (t: string) => {
      read.push(t);
      return logs(t);
    };
    const trials = [
      trial('a'),
      trial('b'),
      trial('c'),
      trial('r', 'Running'),
      trial('f', 'Failed'),
      trial('s', 'EarlyStopped'),
    ];
    expect(await medianStop.rules(e, trials, tracking)).toEqual([]);
    expect(read.sort()).toEqual(['a', 'b', 'c']);
    // Fewer completed trials than required: no log is read at all.
    read.length = 0;
    expect(await medianStop.rules(e, [trial('a'), trial('r', 'Running')], tracking)).toEqual([]);
    expect(read).toEqual([]);
    // A third usable trial makes a rule.
    const rules = await medianStop.rules(
      e,
      [...trials, trial('d')],
      reader({ a: log([1]), b: log([2]), d: log([4]) }),
    );
    expect(rules).toEqual([{ name: 'loss', value: '2', comparison: 'greater', startStep: 4 }]);
  });

  it('rejects when a log cannot be read', async () => {
    const failing = () => Promise.reject(new Error('db down'));
    await expect(
      medianStop.rules(experiment('minimize'), [trial('a'), trial('b'), trial('c')], failing),
    ).rejects.toThrow('db down');
  });
});

describe('checkRules', () => {
  const minimize = experiment('minimize').spec.objective;
  const maximize = experiment('maximize').spec.objective;
  const greater = (value: string, startStep = 3, name = 'loss'): EarlyStoppingRule => ({
    name,
    value,
    comparison: 'greater',
    startStep,
  });

  it('waits for start_step reports, then compares the best value so far', () => {
    const rule = greater('1', 3);
    expect(checkRules([rule], log([5, 5]), minimize)).toBeUndefined();
    const decision = checkRules([rule], log([5, 5, 5]), minimize);
    expect(decision?.rule).toBe(rule);
    expect(decision?.reason).toContain(
      'best loss so far (5 after 3 reports) is greater than the early-stopping threshold 1',
    );
    // The best (smallest) value counts, not the latest: 0.5 was reported once.
    expect(checkRules([rule], log([0.5, 5, 5, 5]), minimize)).toBeUndefined();
    // Equal to the threshold is not worse.
    expect(checkRules([rule], log([1, 1, 1]), minimize)).toBeUndefined();
  });

  it('skips values that are not numbers when counting reports', () => {
    expect(checkRules([greater('1', 3)], log([5, 'NaN', 'unavailable', 5]), minimize)).toBeUndefined();
    expect(checkRules([greater('1', 3)], log([5, 'NaN', 5, 5]), minimize)).toBeDefined();
  });

  it('uses the largest value when maximizing, and the latest value of other metrics', () => {
    const less: EarlyStoppingRule = { name: 'loss', value: '0.5', comparison: 'less', startStep: 1 };
    expect(checkRules([less], log([0.1, 0.9, 0.2]), maximize)).toBeUndefined();
    expect(checkRules([less], log([0.1, 0.2]), maximize)).toBeDefined();
    const other = greater('10', 1, 'grad_norm');
    expect(checkRules([other], log([50, 5], 'grad_norm'), minimize)).toBeUndefined();
    expect(checkRules([other], log([5, 50], 'grad_norm'), minimize)).toBeDefined();
  });

  it('stops only when every rule holds; no rules or a rule without a number never stop', () => {
    const a = greater('1', 1);
    const b = greater('10', 1, 'grad_norm');
    const worse = log([5, 5]);
    const steep = log([50], 'grad_norm');
    expect(checkRules([], worse, minimize)).toBeUndefined();
    expect(checkRules([a, b], worse, minimize)).toBeUndefined();
    const both = checkRules([a, b], [...worse, ...steep], minimize);
    expect(both?.rule).toBe(a);
    expect(both?.reason).toContain('; and latest grad_norm');
    expect(checkRules([greater('NaN', 1)], worse, minimize)).toBeUndefined();
    expect(checkRules([{ ...a, comparison: 'equal', value: '5' }], worse, minimize)).toBeDefined();
  });
});

describe('medianstop properties', () => {
  const value = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
  const curve = fc.array(value, { minLength: 1, maxLength: 8 });
  const setup = fc.record({
    type: fc.constantFrom<ObjectiveType>('minimize', 'maximize'),
    minTrials: fc.integer({ min: 1, max: 4 }),
    startStep: fc.integer({ min: 1, max: 5 }),
    completed: fc.array(curve, { minLength: 1, maxLength: 8 }),
    running: fc.array(value, { minLength: 0, maxLength: 10 }),
  });

  async function rulesFor(s: {
    type: ObjectiveType;
    minTrials: number;
    startStep: number;
    completed: number[][];
  }): Promise<EarlyStoppingRule[]> {
    const e = experiment(s.type, {
      min_trials_required: String(s.minTrials),
      start_step: String(s.startStep),
    });
    const logs: Record<string, MetricLog[]> = {};
    s.completed.forEach((c, i) => (logs[`t${i}`] = log(c)));
    return medianStop.rules(
      e,
      Object.keys(logs).map((n) => trial(n)),
      reader(logs),
    );
  }

  it('never stops a trial whose best value so far is at least as good as the median', async () => {
    await fc.assert(
      fc.asyncProperty(setup, async (s) => {
        const rules = await rulesFor(s);
        const objective = experiment(s.type).spec.objective;
        const decision = checkRules(rules, log(s.running), objective);
        const rule = rules[0];
        if (rule === undefined || s.running.length === 0) {
          expect(decision).toBeUndefined();
          return;
        }
        const threshold = Number(rule.value);
        const best = s.type === 'minimize' ? Math.min(...s.running) : Math.max(...s.running);
        const atLeastAsGood = s.type === 'minimize' ? best <= threshold : best >= threshold;
        if (atLeastAsGood || s.running.length < s.startStep) expect(decision).toBeUndefined();
        else expect(decision?.rule).toEqual(rule);
      }),
    );
  });

  it('stops a trial clearly worse than every completed trial once it has start_step reports', async () => {
    await fc.assert(
      fc.asyncProperty(
        setup.filter((s) => s.completed.length >= s.minTrials),
        fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 10 }),
        async (s, margins) => {
          const rules = await rulesFor(s);
          expect(rules).toHaveLength(1);
          const all = s.completed.flat();
          // Worse than every value any completed trial reported, so worse than any average of them.
          const running =
            s.type === 'minimize'
              ? margins.map((m) => Math.max(...all) + m)
              : margins.map((m) => Math.min(...all) - m);
          const decision = checkRules(rules, log(running), experiment(s.type).spec.objective);
          if (running.length >= s.startStep) expect(decision?.rule).toEqual(rules[0]);
          else expect(decision).toBeUndefined();
        },
      ),
    );
  });

  it('the threshold lies between the smallest and largest completed average (a median, not skewed by outliers)', async () => {
    await fc.assert(
      fc.asyncProperty(
        setup.filter((s) => s.completed.length >= s.minTrials),
        async (s) => {
          const [rule] = await rulesFor(s);
          const averages = s.completed.map((c) => firstReportsAverage(log(c), 'loss', s.startStep)!);
          const threshold = Number(rule!.value);
          const below = averages.filter((a) => a < threshold).length;
          const above = averages.filter((a) => a > threshold).length;
          expect(below).toBeLessThanOrEqual(averages.length / 2);
          expect(above).toBeLessThanOrEqual(averages.length / 2);
        },
      ),
    );
  });
});
