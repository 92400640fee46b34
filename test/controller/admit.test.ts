/** Admission and resume rules: create, resume unchanged, edit only the editable counts. */
import { describe, expect, it } from 'vitest';
import { SpecError, type Experiment } from '../../src/api/index.js';
import { admitExperiment, submitExperiment } from '../../src/controller/index.js';
import { openStore } from '../../src/store/index.js';

function raw(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'random' },
      maxTrialCount: 4,
      parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
      trialTemplate: {
        primaryContainerName: 'main',
        trialParameters: [{ name: 'x', reference: 'x' }],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            template: {
              spec: {
                containers: [{ name: 'main', command: ['run', '--x=${trialParameters.x}'] }],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
      ...over,
    },
  };
}

describe('admitExperiment', () => {
  it('applies Katib defaults', () => {
    const e = admitExperiment(raw('a'));
    expect(e.spec.parallelTrialCount).toBe(3);
    expect(e.spec.resumePolicy).toBe('Never');
    expect(e.spec.metricsCollectorSpec.collector?.kind).toBe('StdOut');
    expect(e.spec.objective.metricStrategies).toEqual([{ name: 'loss', value: 'min' }]);
  });

  it("rejects an unknown algorithm and the algorithm's bad settings with paths", () => {
    const err = (() => {
      try {
        admitExperiment(
          raw('a', {
            algorithm: {
              algorithmName: 'random',
              algorithmSettings: [{ name: 'random_state', value: '-1' }],
            },
          }),
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).errors[0]?.path).toBe('spec.algorithm.algorithmSettings[0].value');
    expect((err as SpecError).errors[0]?.message).toMatch(/random_state should be great or equal than zero/);
    expect(() => admitExperiment(raw('a', { algorithm: { algorithmName: 'nope' } }))).toThrow(
      /spec\.algorithm\.algorithmName/,
    );
  });
});

describe('submitExperiment', () => {
  it('creates, resumes unchanged, updates editable counts, refuses other changes', async () => {
    const store = await openStore(':memory:');
    try {
      const e = admitExperiment(raw('sub'));
      expect((await submitExperiment(store, e)).action).toBe('created');
      expect((await submitExperiment(store, e)).action).toBe('resumed');
      const more: Experiment = { ...e, spec: { ...e.spec, parallelTrialCount: 1 } };
      expect((await submitExperiment(store, more)).action).toBe('updated');
      expect((await store.read.getExperiment('sub'))?.experiment.spec.parallelTrialCount).toBe(1);
      const changed: Experiment = {
        ...e,
        spec: { ...e.spec, objective: { ...e.spec.objective, type: 'maximize' } },
      };
      await expect(submitExperiment(store, changed)).rejects.toThrow(
        /spec\.objective: .*only spec\.parallelTrialCount/,
      );
    } finally {
      await store.close();
    }
  });
});
