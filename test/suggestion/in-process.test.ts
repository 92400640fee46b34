import { describe, expect, it } from 'vitest';
import {
  AlgorithmRegistry,
  builtinAlgorithms,
  defineAlgorithm,
  type AnyAlgorithmDefinition,
} from '../../src/algorithms/index.js';
import { algorithmNames } from '../../src/algorithms/index.js';
import { InternalError, SpecError } from '../../src/api/errors.js';
import type { ParameterSpec } from '../../src/api/experiment.js';
import { deepFreeze } from '../../src/store/snapshot.js';
import { InProcessSuggestionService } from '../../src/suggestion/index.js';
import { experimentOf, experimentSpec, trialView } from '../arbitraries/search-space.js';

const params: ParameterSpec[] = [
  {
    name: 'lr',
    parameterType: 'double',
    feasibleSpace: { min: '0.001', max: '0.1', distribution: 'logUniform' },
  },
  { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '4' } },
  { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam'] } },
  { name: 'bs', parameterType: 'discrete', feasibleSpace: { list: ['16', '32.0'] } },
];
const randomExperiment = experimentOf(experimentSpec('random', params));

describe('InProcessSuggestionService.getSuggestions', () => {
  it('returns Katib string assignments and the new state (count, seed, designer)', async () => {
    const service = new InProcessSuggestionService({ seedSource: () => 99 });
    const reply = await service.getSuggestions({
      experiment: randomExperiment,
      trials: [],
      currentRequestNumber: 3,
      totalRequestNumber: 3,
    });
    expect(reply.assignments).toHaveLength(3);
    for (const a of reply.assignments) {
      expect(a.parameterAssignments.map((p) => p.name)).toEqual(['lr', 'layers', 'opt', 'bs']);
      for (const p of a.parameterAssignments) expect(typeof p.value).toBe('string');
      // Discrete values keep the list's spelling.
      expect(['16', '32.0']).toContain(a.parameterAssignments[3]!.value);
    }
    expect(reply.state).toMatchObject({ suggestionCount: 3, seed: 99 });
    expect(reply.state?.designer).toMatchObject({ format: 'designer-policy/v1', algorithm: 'random' });
    expect(JSON.parse(JSON.stringify(reply.state))).toEqual(reply.state);
  });

  it('chooses a seed once and keeps it: a rerun from the same state repeats', async () => {
    let calls = 0;
    const service = new InProcessSuggestionService({ seedSource: () => 1000 + calls++ });
    const first = await service.getSuggestions({
      experiment: randomExperiment,
      trials: [],
      currentRequestNumber: 2,
      totalRequestNumber: 2,
    });
    const state = first.state!;
    const next = {
      experiment: randomExperiment,
      trials: [],
      currentRequestNumber: 2,
      totalRequestNumber: 4,
      state,
    };
    const a = await service.getSuggestions(next);
    const b = await new InProcessSuggestionService({ seedSource: () => 5 }).getSuggestions(next);
    expect(calls).toBe(1);
    expect(a.state?.seed).toBe(1000);
    expect(b.assignments).toEqual(a.assignments);
    expect(b.state?.suggestionCount).toBe(4);
  });

  it('random_state overrides the seed source', async () => {
    const spec = experimentSpec('random', params, [{ name: 'random_state', value: '7' }]);
    const r1 = await new InProcessSuggestionService({ seedSource: () => 1 }).getSuggestions({
      experiment: experimentOf(spec),
      trials: [],
      currentRequestNumber: 2,
      totalRequestNumber: 2,
    });
    const r2 = await new InProcessSuggestionService({ seedSource: () => 2 }).getSuggestions({
      experiment: experimentOf(spec),
      trials: [],
      currentRequestNumber: 2,
      totalRequestNumber: 2,
    });
    expect(r1.state?.seed).toBe(7);
    expect(r2.assignments).toEqual(r1.assignments);
  });

  it('keeps algorithmSettings and other fields of the previous state', async () => {
    const service = new InProcessSuggestionService({ seedSource: () => 3 });
    const reply = await service.getSuggestions({
      experiment: randomExperiment,
      trials: [],
      currentRequestNumber: 1,
      totalRequestNumber: 6,
      state: { suggestionCount: 5, algorithmSettings: [{ name: 'k', value: 'v' }] },
    });
    expect(reply.state).toMatchObject({
      suggestionCount: 6,
      algorithmSettings: [{ name: 'k', value: 'v' }],
      seed: 3,
    });
  });

  it('returns fewer assignments when grid is exhausted', async () => {
    const spec = experimentSpec('grid', [
      { name: 'a', parameterType: 'int', feasibleSpace: { min: '1', max: '3' } },
    ]);
    const trials = [trialView('t0', [{ name: 'a', value: '2' }], 'Succeeded', 1)];
    const reply = await new InProcessSuggestionService().getSuggestions({
      experiment: experimentOf(spec),
      trials,
      currentRequestNumber: 5,
      totalRequestNumber: 6,
    });
    expect(reply.assignments.map((a) => a.parameterAssignments)).toEqual([
      [{ name: 'a', value: '1' }],
      [{ name: 'a', value: '3' }],
    ]);
  });

  it('rejects an unknown algorithm with SpecError at spec.algorithm.algorithmName', async () => {
    const experiment = experimentOf(experimentSpec('bayes', params));
    const err: unknown = await new InProcessSuggestionService()
      .getSuggestions({ experiment, trials: [], currentRequestNumber: 1, totalRequestNumber: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).errors).toEqual([
      expect.objectContaining({
        path: 'spec.algorithm.algorithmName',
        message: `unknown algorithm name bayes; known algorithms: ${algorithmNames().join(', ')}`,
      }),
    ]);
  });

  it('checks a frozen spec once and keeps the result; an unfrozen spec is checked on every call', async () => {
    const ask = (service: InProcessSuggestionService, experiment: typeof randomExperiment) =>
      service.getSuggestions({ experiment, trials: [], currentRequestNumber: 2, totalRequestNumber: 2 });
    // The same frozen spec gives the same suggestions from a service that has seen it and one that has not.
    const frozen = deepFreeze(
      structuredClone(experimentOf(experimentSpec('random', params, [{ name: 'random_state', value: '5' }]))),
    );
    const warm = new InProcessSuggestionService();
    await ask(warm, frozen);
    expect((await ask(warm, frozen)).assignments).toEqual(
      (await ask(new InProcessSuggestionService(), frozen)).assignments,
    );

    // An unfrozen spec changed between calls is judged as it is now: the second call sees the bad name.
    const mutable = structuredClone(randomExperiment);
    const service = new InProcessSuggestionService();
    await ask(service, mutable);
    (mutable.spec.algorithm as { algorithmName: string }).algorithmName = 'bogus';
    const err: unknown = await ask(service, mutable).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect(service.computesOnCallerThread()).toBe(true);
  });

  it('rejects when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await expect(
      new InProcessSuggestionService().getSuggestions(
        { experiment: randomExperiment, trials: [], currentRequestNumber: 1, totalRequestNumber: 1 },
        { signal: ac.signal },
      ),
    ).rejects.toThrow('cancelled');
  });

  describe('guards against algorithm bugs', () => {
    const rogue = (suggest: () => unknown): AnyAlgorithmDefinition =>
      defineAlgorithm<object>({
        name: 'random',
        description: 'a broken algorithm',
        settings: {},
        validate: () => [],
        create: () => ({ update: () => undefined, suggest: suggest as () => [] }),
      });
    const serviceWith = (def: AnyAlgorithmDefinition): InProcessSuggestionService =>
      new InProcessSuggestionService({ registry: new AlgorithmRegistry([def]) });
    const req = { experiment: randomExperiment, trials: [], currentRequestNumber: 1, totalRequestNumber: 1 };

    it('an infeasible value becomes InternalError, never a trial', async () => {
      const service = serviceWith(rogue(() => [{ assignment: { lr: 5, layers: 1, opt: 'sgd', bs: 16 } }]));
      const err: unknown = await service.getSuggestions(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as Error).message).toMatch(/lr: 5 is outside the feasible space/);
    });

    it('a missing parameter, too many assignments, or a throw become InternalError', async () => {
      await expect(
        serviceWith(rogue(() => [{ assignment: { lr: 0.01 } }])).getSuggestions(req),
      ).rejects.toBeInstanceOf(InternalError);
      const ok = { assignment: { lr: 0.01, layers: 1, opt: 'sgd', bs: 16 } };
      await expect(serviceWith(rogue(() => [ok, ok])).getSuggestions(req)).rejects.toThrow(
        /returned 2 assignments for a request of 1/,
      );
      const err: unknown = await serviceWith(
        rogue(() => {
          throw new TypeError('oops');
        }),
      )
        .getSuggestions(req)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as InternalError).cause).toBeInstanceOf(TypeError);
    });
  });
});

describe('InProcessSuggestionService.validateAlgorithmSettings', () => {
  const service = new InProcessSuggestionService({ registry: builtinAlgorithms });

  it('resolves for a valid experiment', async () => {
    await expect(service.validateAlgorithmSettings(randomExperiment)).resolves.toBeUndefined();
  });

  it('rejects with SpecError listing every problem with its path', async () => {
    const spec = experimentSpec(
      'grid',
      [{ name: 'lr', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
      [
        { name: 'random_state', value: '-2' },
        { name: 'foo', value: '1' },
      ],
    );
    const err: unknown = await service.validateAlgorithmSettings(experimentOf(spec)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).errors.map((e) => [e.path, e.message])).toEqual([
      ['spec.algorithm.algorithmSettings[0].value', 'random_state should be great or equal than zero'],
      ['spec.algorithm.algorithmSettings[1].name', 'unknown setting foo for algorithm grid'],
    ]);
    // Space rules come once the settings are valid.
    const noStep = experimentSpec('grid', [
      { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } },
    ]);
    const err2: unknown = await service
      .validateAlgorithmSettings(experimentOf(noStep))
      .catch((e: unknown) => e);
    expect((err2 as SpecError).errors[0]?.path).toBe('spec.parameters[0].feasibleSpace.step');
  });
});
