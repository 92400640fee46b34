/** Katib's status computation: counters, optimal trial, and the conditions that end an experiment. */
import { describe, expect, it } from 'vitest';
import { setCondition, type Experiment, type Trial, type TrialConditionType } from '../../src/api/index.js';
import {
  computeExperimentStatus,
  isExperimentCompleted,
  restartExperiment,
} from '../../src/controller/experiment-status.js';
import { countTrials, trialsToAdd } from '../../src/controller/trial-counts.js';

const now = new Date('2026-01-01T00:00:00Z');

function experiment(spec: Partial<Experiment['spec']> = {}): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'e' },
    spec: {
      objective: {
        type: 'minimize',
        objectiveMetricName: 'loss',
        metricStrategies: [{ name: 'loss', value: 'min' }],
      },
      algorithm: { algorithmName: 'random' },
      parallelTrialCount: 2,
      metricsCollectorSpec: { collector: { kind: 'StdOut' } },
      resumePolicy: 'Never',
      ...spec,
    },
  };
}

function trial(
  name: string,
  phase: TrialConditionType | 'Pending',
  loss?: { min: string; latest: string },
): Trial {
  let conditions = setCondition<TrialConditionType>([], 'Created', 'True', 'TrialCreated', '', now);
  if (phase !== 'Pending' && phase !== 'Created')
    conditions = setCondition(conditions, phase, 'True', 'x', '', now);
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: { name },
    spec: { objective: experiment().spec.objective, parameterAssignments: [], metricsCollector: {} },
    status: {
      conditions,
      ...(loss
        ? {
            observation: {
              metrics: [{ name: 'loss', min: loss.min, max: loss.latest, latest: loss.latest }],
            },
          }
        : {}),
    },
  };
}

describe('computeExperimentStatus', () => {
  it('counts trials by phase and picks the best by the metric strategy; ties keep the earlier trial', () => {
    const trials = [
      trial('a', 'Succeeded', { min: '0.5', latest: '0.9' }),
      trial('b', 'Succeeded', { min: '0.2', latest: '0.8' }),
      trial('c', 'Succeeded', { min: '0.2', latest: '0.1' }),
      trial('d', 'Running'),
      trial('e', 'Pending'),
      trial('f', 'Failed'),
      trial('g', 'MetricsUnavailable', { min: 'unavailable', latest: 'unavailable' }),
    ];
    const s = computeExperimentStatus(experiment(), trials, { exhausted: false, now });
    expect(s.trials).toBe(7);
    expect(s.trialsSucceeded).toBe(3);
    expect(s.trialsRunning).toBe(1);
    expect(s.trialsPending).toBe(1);
    expect(s.trialsFailed).toBe(1);
    expect(s.trialMetricsUnavailable).toBe(1);
    expect(s.succeededTrialList).toEqual(['a', 'b', 'c']);
    expect(s.currentOptimalTrial?.bestTrialName).toBe('b');
    expect(s.conditions.at(-1)).toMatchObject({
      type: 'Running',
      status: 'True',
      reason: 'ExperimentRunning',
    });
  });

  it('ends with GoalReached before max trials, and marks Running False', () => {
    const e = experiment({
      maxTrialCount: 2,
      objective: { type: 'minimize', objectiveMetricName: 'loss', goal: 0.3 },
    });
    const running = computeExperimentStatus(e, [trial('a', 'Running')], { exhausted: false, now });
    const s = computeExperimentStatus(
      { ...e, status: running },
      [
        trial('a', 'Succeeded', { min: '0.2', latest: '0.2' }),
        trial('b', 'Succeeded', { min: '1', latest: '1' }),
      ],
      {
        exhausted: false,
        now,
      },
    );
    expect(s.conditions.find((c) => c.type === 'Succeeded')?.reason).toBe('ExperimentGoalReached');
    expect(s.conditions.find((c) => c.type === 'Running')?.status).toBe('False');
    expect(s.completionTime).toBe(now.toISOString());
  });

  it('fails at maxFailedTrialCount counting MetricsUnavailable, as Katib does', () => {
    const e = experiment({ maxTrialCount: 10, maxFailedTrialCount: 2 });
    const s = computeExperimentStatus(e, [trial('a', 'Failed'), trial('b', 'MetricsUnavailable')], {
      exhausted: false,
      now,
    });
    expect(s.conditions.at(-1)).toMatchObject({ type: 'Failed', reason: 'ExperimentFailed' });
    expect(isExperimentCompleted(s)).toBe(true);
  });

  it('ends an exhausted search only once no trial is active', () => {
    const e = experiment();
    const busy = computeExperimentStatus(e, [trial('a', 'Running')], { exhausted: true, now });
    expect(isExperimentCompleted(busy)).toBe(false);
    const idle = computeExperimentStatus(e, [trial('a', 'Succeeded', { min: '1', latest: '1' })], {
      exhausted: true,
      now,
    });
    expect(idle.conditions.at(-1)).toMatchObject({
      type: 'Succeeded',
      reason: 'ExperimentSuggestionEndReached',
    });
  });

  it('never changes the condition of a completed experiment, and restart removes Succeeded', () => {
    const e = experiment({ maxTrialCount: 1 });
    const done = computeExperimentStatus(e, [trial('a', 'Succeeded', { min: '1', latest: '1' })], {
      exhausted: false,
      now,
    });
    const again = computeExperimentStatus(
      { ...e, status: done },
      [trial('a', 'Succeeded', { min: '1', latest: '1' }), trial('b', 'Failed')],
      {
        exhausted: false,
        now,
      },
    );
    expect(again.conditions).toEqual(done.conditions);
    const restarted = restartExperiment(done, now);
    expect(isExperimentCompleted(restarted)).toBe(false);
    expect(restarted.completionTime).toBeUndefined();
    expect(restarted.conditions.at(-1)?.type).toBe('Restarting');
  });
});

describe('trialsToAdd', () => {
  it('fills up to parallelTrialCount without passing maxTrialCount', () => {
    const e = experiment({ parallelTrialCount: 3, maxTrialCount: 5 });
    expect(trialsToAdd(e.spec, countTrials([]))).toBe(3);
    expect(trialsToAdd(e.spec, countTrials([trial('a', 'Running')]))).toBe(2);
    const four = [
      trial('a', 'Succeeded'),
      trial('b', 'Succeeded'),
      trial('c', 'Failed'),
      trial('d', 'Running'),
    ];
    expect(trialsToAdd(e.spec, countTrials(four))).toBe(1);
    const withUnavailable = [...four.slice(0, 3), trial('m', 'MetricsUnavailable'), trial('d', 'Running')];
    expect(trialsToAdd(e.spec, countTrials(withUnavailable))).toBe(0);
  });

  it('is unbounded without maxTrialCount', () => {
    const e = experiment({ parallelTrialCount: 2 });
    expect(
      trialsToAdd(e.spec, countTrials(Array.from({ length: 50 }, (_, i) => trial(`t${i}`, 'Succeeded')))),
    ).toBe(2);
  });
});
