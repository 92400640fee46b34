/** Conversions between Katib's wire messages and our domain types. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FieldPath,
  SpecError,
  objectiveValue,
  TRIAL_PHASES,
  type Experiment,
  type TrialView,
} from '../../src/api/index.js';
import { validateParameterList } from '../../src/api/validate-parameters.js';
import {
  earlyStoppingRuleFromProto,
  earlyStoppingRuleToProto,
  experimentFromProto,
  experimentToProto,
  fieldErrorsFromStatusDetails,
  fromProtoPath,
  suggestionsReplyFromProto,
  suggestionsReplyToProto,
  suggestionsRequestFromProto,
  suggestionsRequestToProto,
  toProtoPath,
  trialViewFromProto,
  trialViewToProto,
  type ProtoExperiment,
} from '../../src/suggestion/index.js';
import { arbParameters, experimentOf, experimentSpec } from '../arbitraries/search-space.js';

const experiment: Experiment = experimentOf(
  experimentSpec(
    'random',
    [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0.001', max: '0.1', distribution: 'logUniform' },
      },
      { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '8', step: '1' } },
      { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam'] } },
    ],
    [{ name: 'random_state', value: '3' }],
    {
      objective: {
        type: 'maximize',
        goal: 0.99,
        objectiveMetricName: 'accuracy',
        additionalMetricNames: ['loss'],
        metricStrategies: [
          { name: 'accuracy', value: 'max' },
          { name: 'loss', value: 'latest' },
        ],
      },
      maxTrialCount: 12,
      parallelTrialCount: 4,
      earlyStopping: {
        algorithmName: 'medianstop',
        algorithmSettings: [{ name: 'min_trials_required', value: '3' }],
      },
    },
  ),
  'round-trip',
);

/** A wire message whose fields tests may set to anything (numbers for enums, NaN, …). */
type Loose<T> = { -readonly [K in keyof T]: T[K] extends object ? Loose<T[K]> : unknown };

/** What survives the wire: everything but metric strategies, namespace and the trial template. */
function wireView(e: Experiment): unknown {
  const { metricStrategies: _drop, ...objective } = e.spec.objective;
  return { name: e.metadata.name, spec: { ...e.spec, objective } };
}

describe('experiment', () => {
  it('round-trips through the wire (minus what the wire lacks)', () => {
    const back = experimentFromProto(experimentToProto(experiment));
    expect(wireView(back)).toEqual(wireView(experiment));
    expect(back.metadata).toEqual({ name: 'round-trip' });
  });

  it('round-trips any valid search space', () => {
    fc.assert(
      fc.property(arbParameters(), (parameters) => {
        // The generator also writes spaces our API validator refuses (min = max); skip those.
        fc.pre(validateParameterList(parameters, FieldPath.root('spec').child('parameters')).length === 0);
        const e = experimentOf(experimentSpec('random', parameters));
        expect(experimentFromProto(experimentToProto(e)).spec.parameters).toEqual(
          parameters.map((p) => ({
            ...p,
            feasibleSpace: Object.fromEntries(
              Object.entries(p.feasibleSpace).filter(([, v]) => v !== '' && v !== undefined),
            ),
          })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('writes enums by name and unset numbers as zero', () => {
    const wire = experimentToProto(
      experimentOf(
        experimentSpec('grid', [
          { name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1', step: '0.5' } },
        ]),
      ),
    );
    expect(wire.spec.parameter_specs.parameters[0]).toEqual({
      name: 'x',
      parameter_type: 'DOUBLE',
      feasible_space: { min: '0', max: '1', step: '0.5', list: [], distribution: 'DISTRIBUTION_UNSPECIFIED' },
    });
    expect(wire.spec.objective).toEqual({
      type: 'MINIMIZE',
      goal: 0,
      objective_metric_name: 'loss',
      additional_metric_names: [],
    });
    expect(wire.spec.max_trial_count).toBe(0);
    expect(wire.spec.early_stopping).toBeUndefined();
  });

  it('reads goal 0 as no goal, zero counts as unset, and accepts enum numbers', () => {
    const wire = experimentToProto(experiment) as Loose<ProtoExperiment>;
    wire.spec.objective.goal = 0;
    wire.spec.max_trial_count = 0;
    wire.spec.parallel_trial_count = 0;
    wire.spec.objective.type = 2;
    wire.spec.parameter_specs.parameters[0]!.parameter_type = 1;
    wire.spec.parameter_specs.parameters[0]!.feasible_space.distribution = 2;
    const e = experimentFromProto(wire);
    expect(e.spec.objective.goal).toBeUndefined();
    expect(e.spec.objective.type).toBe('maximize');
    expect(e.spec.maxTrialCount).toBeUndefined();
    expect(e.spec.parallelTrialCount).toBe(3);
    expect(e.spec.parameters?.[0]).toMatchObject({
      parameterType: 'double',
      feasibleSpace: { distribution: 'logUniform' },
    });
  });

  it('reports every problem with its proto path', () => {
    const wire = experimentToProto(experiment) as Loose<ProtoExperiment>;
    wire.name = '';
    wire.spec.objective.goal = Number.NaN;
    wire.spec.objective.objective_metric_name = '';
    wire.spec.parameter_specs.parameters[1]!.feasible_space.min = '9';
    wire.spec.parameter_specs.parameters[2]!.parameter_type = 'COLOUR';
    wire.spec.max_trial_count = -1;
    let err: SpecError | undefined;
    try {
      experimentFromProto(wire, { path: 'req.experiment' });
    } catch (e) {
      err = e as SpecError;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect(err?.errors.map((e) => e.path)).toEqual([
      'req.experiment.name',
      'req.experiment.spec.parameter_specs.parameters[2].parameter_type',
      'req.experiment.spec.objective.objective_metric_name',
      'req.experiment.spec.objective.goal',
      'req.experiment.spec.max_trial_count',
    ]);
    wire.name = 'ok';
    wire.spec.objective.goal = 1;
    wire.spec.objective.objective_metric_name = 'accuracy';
    wire.spec.parameter_specs.parameters[2]!.parameter_type = 'CATEGORICAL';
    wire.spec.max_trial_count = 3;
    expect(() => experimentFromProto(wire)).toThrow(
      'experiment.spec.parameter_specs.parameters[1].feasible_space.min: must be less than max (8)',
    );
  });

  it('never throws anything but SpecError, whatever arrives', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        try {
          experimentFromProto(x);
        } catch (e) {
          expect(e).toBeInstanceOf(SpecError);
        }
        try {
          suggestionsRequestFromProto({ experiment: x, trials: [x], current_request_number: 1 });
        } catch (e) {
          expect(e).toBeInstanceOf(SpecError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('trial', () => {
  const view: TrialView = {
    name: 't1',
    parameterAssignments: [
      { name: 'lr', value: '0.01' },
      { name: 'layers', value: '2' },
      { name: 'opt', value: 'adam' },
    ],
    labels: { 'pbt.generation': '1' },
    phase: 'Succeeded',
    observation: {
      metrics: [
        { name: 'accuracy', min: '0.5', max: '0.9', latest: '0.8' },
        { name: 'loss', min: '0.1', max: '0.7', latest: '0.2' },
        { name: 'other', min: 'unavailable', max: 'unavailable', latest: '7' },
        { name: 'never', min: 'unavailable', max: 'unavailable', latest: 'unavailable' },
      ],
    },
    startTime: '2024-03-01T10:00:00.123Z',
    completionTime: '2024-03-01T10:05:00Z',
  };

  it('goes out as Katib sends it: value by strategy, Katib time format, condition', () => {
    const wire = trialViewToProto(view, experiment.spec.objective);
    expect(wire.status).toEqual({
      start_time: '2024-03-01T10:00:00Z',
      completion_time: '2024-03-01T10:05:00Z',
      condition: 'SUCCEEDED',
      observation: {
        metrics: [
          { name: 'accuracy', value: '0.9' }, // max
          { name: 'loss', value: '0.2' }, // latest
          { name: 'other', value: '7' }, // max unavailable → latest
          { name: 'never', value: 'unavailable' },
        ],
      },
    });
    expect(wire.spec.labels).toEqual({ 'pbt.generation': '1' });
    expect(wire.spec.objective.objective_metric_name).toBe('accuracy');
  });

  it('comes back with the same objective value and phase', () => {
    const back = trialViewFromProto(trialViewToProto(view, experiment.spec.objective));
    expect(back.phase).toBe('Succeeded');
    expect(back.parameterAssignments).toEqual(view.parameterAssignments);
    expect(back.labels).toEqual(view.labels);
    expect(objectiveValue(back.observation, experiment.spec.objective)).toBe(0.9);
    expect(objectiveValue(back.observation, { ...experiment.spec.objective, metricStrategies: [] })).toBe(
      0.9,
    );
  });

  it('maps every phase both ways; UNKNOWN and CREATED are pending', () => {
    for (const phase of TRIAL_PHASES) {
      const t = trialViewFromProto(trialViewToProto({ ...view, phase }, experiment.spec.objective));
      expect(t.phase).toBe(phase);
    }
    expect(trialViewFromProto({ name: 'x', status: { condition: 'UNKNOWN' } }).phase).toBe('Pending');
    expect(trialViewFromProto({ name: 'x' })).toEqual({
      name: 'x',
      parameterAssignments: [],
      labels: {},
      phase: 'Pending',
    });
    expect(() => trialViewFromProto({ name: 'x', status: { condition: 42 } }, 'trials[3]')).toThrow(
      'trials[3].status.condition: value 42 is not a valid trial condition',
    );
  });

  it('keeps a label named __proto__ as a plain key', () => {
    const t = trialViewFromProto(JSON.parse('{"name":"x","spec":{"labels":{"__proto__":"v"}}}'));
    expect(Object.keys(t.labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(t.labels)).toBe(Object.prototype);
  });
});

describe('GetSuggestions messages', () => {
  it('round-trips a request and fills a missing total_request_number', () => {
    const req = {
      experiment,
      trials: [
        {
          name: 't',
          parameterAssignments: [
            { name: 'lr', value: '0.01' },
            { name: 'layers', value: '2' },
            { name: 'opt', value: 'sgd' },
          ],
          labels: {},
          phase: 'Running' as const,
        },
      ],
      currentRequestNumber: 2,
      totalRequestNumber: 7,
    };
    const back = suggestionsRequestFromProto(suggestionsRequestToProto(req));
    expect(back.currentRequestNumber).toBe(2);
    expect(back.totalRequestNumber).toBe(7);
    expect(back.trials).toEqual(req.trials);
    const wire = { ...suggestionsRequestToProto(req), total_request_number: 0 };
    expect(suggestionsRequestFromProto(wire).totalRequestNumber).toBe(3);
  });

  it('round-trips a reply with trial names, labels and settings', () => {
    const reply = {
      assignments: [
        { parameterAssignments: [{ name: 'x', value: '1' }] },
        { parameterAssignments: [{ name: 'x', value: '2' }], trialName: 'n', labels: { a: 'b' } },
      ],
      algorithmSettings: [{ name: 'state', value: '{}' }],
    };
    const wire = suggestionsReplyToProto(reply, 'hyperband');
    expect(wire.algorithm).toEqual({
      algorithm_name: 'hyperband',
      algorithm_settings: [{ name: 'state', value: '{}' }],
    });
    expect(suggestionsReplyFromProto(wire)).toEqual(reply);
    expect(suggestionsReplyFromProto({ parameter_assignments: [], algorithm: null })).toEqual({
      assignments: [],
    });
  });
});

describe('paths and status details', () => {
  it.each([
    [
      'spec.parameters[2].feasibleSpace.min',
      'experiment.spec.parameter_specs.parameters[2].feasible_space.min',
    ],
    ['spec.algorithm.algorithmSettings[0].value', 'experiment.spec.algorithm.algorithm_settings[0].value'],
    ['spec.maxTrialCount', 'experiment.spec.max_trial_count'],
    [
      'spec.nasConfig.operations[1].parameters[0].name',
      'experiment.spec.nas_config.operations.operation[1].parameter_specs.parameters[0].name',
    ],
    ['spec.nasConfig.graphConfig.numLayers', 'experiment.spec.nas_config.graph_config.num_layers'],
    ['metadata.name', 'experiment.name'],
  ])('%s ⇄ %s', (domain, proto) => {
    expect(toProtoPath(domain)).toBe(proto);
    expect(fromProtoPath(proto)).toBe(domain);
  });

  it('leaves other paths alone', () => {
    expect(toProtoPath('trials[0].name')).toBe('trials[0].name');
    expect(fromProtoPath('current_request_number')).toBe('current_request_number');
  });

  it('splits details only where a new path starts', () => {
    expect(
      fieldErrorsFromStatusDetails(
        'experiment.spec.parameter_specs.parameters[0].feasible_space.step: failed to validate parameters([HyperParameter(name: x, type: double)]): Param x step is nil; For discrete search space, all parameters must include step; experiment.spec.max_trial_count: Max Trial Count: 9 > all possible search combinations: 4',
      ),
    ).toEqual([
      {
        path: 'spec.parameters[0].feasibleSpace.step',
        message:
          'failed to validate parameters([HyperParameter(name: x, type: double)]): Param x step is nil; For discrete search space, all parameters must include step',
      },
      { path: 'spec.maxTrialCount', message: 'Max Trial Count: 9 > all possible search combinations: 4' },
    ]);
    expect(fieldErrorsFromStatusDetails('gamma should be in the range of (0, 1)')).toEqual([
      { path: 'spec.algorithm', message: 'gamma should be in the range of (0, 1)' },
    ]);
  });
});

describe('early-stopping rules', () => {
  it('round-trip and refuse UNKNOWN_COMPARISON', () => {
    const rule = { name: 'accuracy', value: '0.6', comparison: 'less' as const, startStep: 4 };
    expect(earlyStoppingRuleToProto(rule)).toEqual({
      name: 'accuracy',
      value: '0.6',
      comparison: 'LESS',
      start_step: 4,
    });
    expect(earlyStoppingRuleFromProto(earlyStoppingRuleToProto(rule))).toEqual(rule);
    expect(() => earlyStoppingRuleFromProto({ name: 'a', comparison: 'UNKNOWN_COMPARISON' })).toThrow(
      SpecError,
    );
  });
});
