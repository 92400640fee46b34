/** Katib's defaulting webhook (katib-reference.md §2.5) and our number normalisation. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDefaults,
  JOB_FAILURE_CONDITION,
  JOB_SUCCESS_CONDITION,
  KUBEFLOW_JOB_SUCCESS_CONDITION,
} from '../../src/api/index.js';
import { DELETE, edit, getAt, pytorchJobTemplate, trainJobTemplate, validExperiment } from './fixtures.js';

const TT = 'spec.trialTemplate';

function defaulted(changes: Record<string, unknown> = {}): unknown {
  return applyDefaults(edit(validExperiment(), changes));
}

describe('applyDefaults', () => {
  it.each([
    ['spec.parallelTrialCount', { 'spec.parallelTrialCount': DELETE }, 3],
    ['spec.parallelTrialCount (kept)', { 'spec.parallelTrialCount': 7 }, 7],
    ['spec.resumePolicy', {}, 'Never'],
    ['spec.resumePolicy (empty)', { 'spec.resumePolicy': '' }, 'Never'],
    ['spec.resumePolicy (kept)', { 'spec.resumePolicy': 'LongRunning' }, 'LongRunning'],
  ])('%s', (_name, changes, want) => {
    const path = _name.split(' ')[0]!;
    expect(getAt(defaulted(changes), path)).toEqual(want);
  });

  describe('metric strategies (§2.5 step 3)', () => {
    it('uses the objective direction for the objective and, as Katib does, for additional metrics', () => {
      expect(getAt(defaulted(), 'spec.objective.metricStrategies')).toEqual([
        { name: 'accuracy', value: 'max' },
        { name: 'loss', value: 'max' },
      ]);
      expect(
        getAt(defaulted({ 'spec.objective.type': 'minimize' }), 'spec.objective.metricStrategies'),
      ).toEqual([
        { name: 'accuracy', value: 'min' },
        { name: 'loss', value: 'min' },
      ]);
    });

    it('uses latest when the type is not valid', () => {
      expect(getAt(defaulted({ 'spec.objective.type': 'best' }), 'spec.objective.metricStrategies')).toEqual([
        { name: 'accuracy', value: 'latest' },
        { name: 'loss', value: 'latest' },
      ]);
    });

    it('keeps given strategies and completes the others', () => {
      const d = defaulted({ 'spec.objective.metricStrategies': [{ name: 'loss', value: 'latest' }] });
      expect(getAt(d, 'spec.objective.metricStrategies')).toEqual([
        { name: 'loss', value: 'latest' },
        { name: 'accuracy', value: 'max' },
      ]);
    });
  });

  describe('trial template conditions (§2.5 step 4)', () => {
    it('Job: Complete/Failed, no primaryPodLabels', () => {
      const d = defaulted();
      expect(getAt(d, `${TT}.successCondition`)).toBe(JOB_SUCCESS_CONDITION);
      expect(getAt(d, `${TT}.failureCondition`)).toBe(JOB_FAILURE_CONDITION);
      expect(getAt(d, `${TT}.successCondition`)).toBe(
        'status.conditions.#(type=="Complete")#|#(status=="True")#',
      );
      expect(getAt(d, `${TT}.primaryPodLabels`)).toBeUndefined();
    });

    it('PyTorchJob: Succeeded/Failed and the master role label', () => {
      const d = defaulted({ [`${TT}.trialSpec`]: pytorchJobTemplate() });
      expect(getAt(d, `${TT}.successCondition`)).toBe(KUBEFLOW_JOB_SUCCESS_CONDITION);
      expect(getAt(d, `${TT}.failureCondition`)).toBe(JOB_FAILURE_CONDITION);
      expect(getAt(d, `${TT}.primaryPodLabels`)).toEqual({ 'training.kubeflow.org/job-role': 'master' });
    });

    it.each(['TFJob', 'XGBoostJob', 'MPIJob'])('%s: Succeeded/Failed', (kind) => {
      const d = defaulted({ [`${TT}.trialSpec.kind`]: kind });
      expect(getAt(d, `${TT}.successCondition`)).toBe(KUBEFLOW_JOB_SUCCESS_CONDITION);
    });

    it('TrainJob: Complete/Failed and the rank-0 node pod labels', () => {
      const d = defaulted({ [`${TT}.trialSpec`]: trainJobTemplate() });
      expect(getAt(d, `${TT}.successCondition`)).toBe(JOB_SUCCESS_CONDITION);
      expect(getAt(d, `${TT}.primaryPodLabels`)).toEqual({
        'jobset.sigs.k8s.io/replicatedjob-name': 'node',
        'batch.kubernetes.io/job-completion-index': '0',
      });
    });

    it('keeps what the user set', () => {
      const d = defaulted({
        [`${TT}.trialSpec`]: pytorchJobTemplate(),
        [`${TT}.successCondition`]: 'status.done',
        [`${TT}.primaryPodLabels`]: { role: 'x' },
      });
      expect(getAt(d, `${TT}.successCondition`)).toBe('status.done');
      expect(getAt(d, `${TT}.failureCondition`)).toBe(JOB_FAILURE_CONDITION);
      expect(getAt(d, `${TT}.primaryPodLabels`)).toEqual({ role: 'x' });
    });

    it('leaves other kinds and configMap templates alone', () => {
      const argo = defaulted({ [`${TT}.trialSpec.kind`]: 'Workflow' });
      expect(getAt(argo, `${TT}.successCondition`)).toBeUndefined();
      const cm = defaulted({ [`${TT}.trialSpec`]: DELETE, [`${TT}.configMap`]: { configMapName: 'x' } });
      expect(getAt(cm, `${TT}.successCondition`)).toBeUndefined();
    });
  });

  describe('metrics collector (§2.5 step 5)', () => {
    const MC = 'spec.metricsCollectorSpec';
    it.each([
      ['unset → StdOut', {}, { collector: { kind: 'StdOut' } }],
      [
        'no collector → StdOut',
        { [MC]: { source: { filter: { metricsFormat: ['(a)(b)'] } } } },
        { collector: { kind: 'StdOut' }, source: { filter: { metricsFormat: ['(a)(b)'] } } },
      ],
      [
        'File',
        { [MC]: { collector: { kind: 'File' } } },
        {
          collector: { kind: 'File' },
          source: { fileSystemPath: { kind: 'File', path: '/var/log/katib/metrics.log', format: 'TEXT' } },
        },
      ],
      [
        'File keeps its values and filter',
        {
          [MC]: {
            collector: { kind: 'File' },
            source: {
              filter: { metricsFormat: ['(a)(b)'] },
              fileSystemPath: { path: '/tmp/m.json', format: 'JSON' },
            },
          },
        },
        {
          collector: { kind: 'File' },
          source: {
            filter: { metricsFormat: ['(a)(b)'] },
            fileSystemPath: { kind: 'File', path: '/tmp/m.json', format: 'JSON' },
          },
        },
      ],
      [
        'TensorFlowEvent',
        { [MC]: { collector: { kind: 'TensorFlowEvent' } } },
        {
          collector: { kind: 'TensorFlowEvent' },
          source: { fileSystemPath: { kind: 'Directory', path: '/var/log/katib/tfevent/' } },
        },
      ],
      [
        'PrometheusMetric',
        { [MC]: { collector: { kind: 'PrometheusMetric' } } },
        { collector: { kind: 'PrometheusMetric' }, source: { httpGet: { path: '/metrics', port: 8080 } } },
      ],
      [
        'PrometheusMetric port 0',
        { [MC]: { collector: { kind: 'PrometheusMetric' }, source: { httpGet: { port: 0, path: '/m' } } } },
        { collector: { kind: 'PrometheusMetric' }, source: { httpGet: { path: '/m', port: 8080 } } },
      ],
    ])('%s', (_name, changes, want) => {
      expect(getAt(defaulted(changes), MC)).toEqual(want);
    });
  });

  describe('parameters (§2.5 step 6) and numbers', () => {
    it('sets distribution uniform, also for unknown, and keeps others', () => {
      const d = defaulted({
        'spec.parameters[0].feasibleSpace.distribution': 'logUniform',
        'spec.parameters[1].feasibleSpace.distribution': 'unknown',
      });
      expect(getAt(d, 'spec.parameters[0].feasibleSpace.distribution')).toBe('logUniform');
      expect(getAt(d, 'spec.parameters[1].feasibleSpace.distribution')).toBe('uniform');
      expect(getAt(d, 'spec.parameters[2].feasibleSpace.distribution')).toBe('uniform');
    });

    it('turns YAML numbers into strings; goal stays a number', () => {
      const d = defaulted({
        'spec.parameters[0].feasibleSpace': { min: 0.01, max: 0.05, step: 1e-7 },
        'spec.parameters[2].feasibleSpace.list': [1, 2.5, true, 'x'],
        'spec.algorithm.algorithmSettings': [{ name: 'random_state', value: 10 }],
        'spec.earlyStopping': {
          algorithmName: 'medianstop',
          algorithmSettings: [{ name: 'min_trials_required', value: 3 }],
        },
      });
      expect(getAt(d, 'spec.parameters[0].feasibleSpace')).toEqual({
        min: '0.01',
        max: '0.05',
        step: '1e-7',
        distribution: 'uniform',
      });
      expect(getAt(d, 'spec.parameters[2].feasibleSpace.list')).toEqual(['1', '2.5', 'true', 'x']);
      expect(getAt(d, 'spec.algorithm.algorithmSettings[0].value')).toBe('10');
      expect(getAt(d, 'spec.earlyStopping.algorithmSettings[0].value')).toBe('3');
      expect(getAt(d, 'spec.objective.goal')).toBe(0.99);
    });

    it('normalises NAS operation parameters too', () => {
      const d = applyDefaults({
        spec: {
          nasConfig: {
            operations: [{ operationType: 'c', parameters: [{ feasibleSpace: { list: [3, 5] } }] }],
          },
        },
      });
      expect(getAt(d, 'spec.nasConfig.operations[0].parameters[0].feasibleSpace.list')).toEqual(['3', '5']);
    });
  });

  it('never changes its input', () => {
    const raw = validExperiment();
    const before = structuredClone(raw);
    const d = applyDefaults(raw);
    expect(raw).toEqual(before);
    expect(d).not.toBe(raw);
  });

  it.each([['text'], [42], [null], [[1, 2]], [{ spec: 5 }], [{ kind: 'Experiment' }]])(
    'returns garbage (%j) unchanged',
    (raw) => {
      expect(applyDefaults(raw)).toEqual(raw);
    },
  );

  it('leaves parts of the wrong shape as they are', () => {
    expect(
      applyDefaults({ spec: { objective: 'x', trialTemplate: [], metricsCollectorSpec: 3, parameters: {} } }),
    ).toEqual({
      spec: {
        objective: 'x',
        trialTemplate: [],
        metricsCollectorSpec: 3,
        parameters: {},
        parallelTrialCount: 3,
        resumePolicy: 'Never',
      },
    });
  });

  it('is idempotent and never throws (property)', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (raw) => {
        const once = applyDefaults(raw);
        expect(applyDefaults(once)).toEqual(once);
      }),
    );
    const once = applyDefaults(validExperiment());
    expect(applyDefaults(once)).toEqual(once);
  });
});
