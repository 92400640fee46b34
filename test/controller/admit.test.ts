/** Admission and resume rules: create, resume unchanged, edit only the editable counts. */
import { describe, expect, it } from 'vitest';
import { SpecError, UnavailableError, type Experiment } from '../../src/api/index.js';
import { admitExperiment, admitExperimentWith, submitExperiment } from '../../src/controller/index.js';
import type { SuggestionService } from '../../src/suggestion/index.js';
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

describe('admitting an algorithm served by an external service', () => {
  // ('ext-tpe' is no built-in name; a routed name is never looked up in the registry.)
  const external = raw('ext', {
    algorithm: { algorithmName: 'ext-tpe', algorithmSettings: [{ name: 'gamma', value: '2' }] },
  });
  const service = (validate: SuggestionService['validateAlgorithmSettings']): SuggestionService => ({
    getSuggestions: () => Promise.resolve({ assignments: [] }),
    validateAlgorithmSettings: validate,
  });

  it('skips the built-in registry for names the config routes elsewhere, and only for those', () => {
    expect(() => admitExperiment(external)).toThrow(/unknown algorithm name ext-tpe/);
    expect(
      admitExperiment(external, { isExternal: (n) => n === 'ext-tpe' }).spec.algorithm.algorithmName,
    ).toBe('ext-tpe');
    expect(() =>
      admitExperiment(raw('r', { algorithm: { algorithmName: 'nope' } }), {
        isExternal: (n) => n === 'ext-tpe',
      }),
    ).toThrow(/unknown algorithm name nope/);
  });

  it("rejects what the service's ValidateAlgorithmSettings rejects, with paths under spec.algorithm", async () => {
    const rejecting = service(() =>
      Promise.reject(
        new SpecError([
          {
            path: 'spec.algorithm.algorithmSettings[0].value',
            message: 'gamma should be in the range of (0, 1)',
          },
          { path: 'algorithm_settings', message: 'odd path' },
        ]),
      ),
    );
    const err = await admitExperimentWith(external, { suggestions: rejecting, isExternal: () => true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).errors).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[0].value',
        message: 'gamma should be in the range of (0, 1)',
      },
      { path: 'spec.algorithm', message: 'algorithm_settings: odd path' },
    ]);
    expect((err as SpecError).message).toMatch(/the service of algorithm ext-tpe rejected experiment ext/);
  });

  it('admits when the service cannot answer, saying so; never asks it about built-in algorithms', async () => {
    const notes: string[] = [];
    let asked = 0;
    const down = service(() => {
      asked++;
      return Promise.reject(new UnavailableError('suggestion service at 127.0.0.1:1: connection refused'));
    });
    const e = await admitExperimentWith(external, {
      suggestions: down,
      isExternal: (n) => n === 'ext-tpe',
      onUnverified: (m) => notes.push(m),
    });
    expect(e.metadata.name).toBe('ext');
    expect(notes).toEqual([
      'the settings of algorithm ext-tpe could not be validated by its service (suggestion service at 127.0.0.1:1: connection refused); continuing',
    ]);
    await admitExperimentWith(raw('builtin'), { suggestions: down, isExternal: (n) => n === 'ext-tpe' });
    expect(asked).toBe(1);
  });
});
