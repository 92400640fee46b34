import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateAlgorithmSpec } from '../../src/algorithms/index.js';
import { perturb, PBT_GENERATION_LABEL, PBT_PARENT_LABEL } from '../../src/algorithms/pbt/index.js';
import { Rng } from '../../src/algorithms/rng.js';
import type { AlgorithmSetting, ParameterSpec } from '../../src/api/experiment.js';
import { toSearchSpace } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { InProcessSuggestionService } from '../../src/suggestion/index.js';
import { arbParameters, experimentOf, experimentSpec, trialView } from '../arbitraries/search-space.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';

const required: AlgorithmSetting[] = [
  { name: 'suggestion_trial_dir', value: '/var/log/katib/checkpoints/' },
  { name: 'n_population', value: '5' },
  { name: 'truncation_threshold', value: '0.4' },
];

describeDesignerConformance(
  'pbt',
  (parameters, settings) => experimentSpec('pbt', parameters, [...required, ...settings]),
  {
    allowRepeats: true,
  },
);

const lr: ParameterSpec = {
  name: 'lr',
  parameterType: 'double',
  feasibleSpace: { min: '0.0001', max: '0.1' },
};
const units: ParameterSpec = { name: 'units', parameterType: 'int', feasibleSpace: { min: '8', max: '256' } };
const opt: ParameterSpec = {
  name: 'opt',
  parameterType: 'categorical',
  feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'] },
};

describe('pbt settings', () => {
  it.each([
    [[], 'Required params missing: suggestion_trial_dir, n_population, truncation_threshold'],
    [
      [required[0]!, required[2]!, { name: 'n_population', value: '3' }],
      'Param(n_population) should be >= 5',
    ],
    [
      [required[0]!, required[1]!, { name: 'truncation_threshold', value: '1.5' }],
      'Param(truncation_threshold) should be between 0 and 1, inclusive',
    ],
    [
      [...required, { name: 'resample_probability', value: '2' }],
      'Param(resample_probability) should be null to perturb at 0.8 or 1.2, or be between 0 and 1, inclusive, to resample',
    ],
  ])('%j → %s', (settings, message) => {
    expect(validateAlgorithmSpec(experimentSpec('pbt', [lr, units], settings)).map((e) => e.message)).toEqual(
      [message],
    );
  });

  it('accepts resample_probability as a number (Katib refuses it whenever it is set)', () => {
    expect(
      validateAlgorithmSpec(
        experimentSpec('pbt', [lr], [...required, { name: 'resample_probability', value: '0.25' }]),
      ),
    ).toEqual([]);
  });
});

describe('pbt generations', () => {
  const spec = experimentSpec('pbt', [lr, units, opt], [...required, { name: 'random_state', value: '3' }]);
  const experiment = experimentOf(spec);
  const service = new InProcessSuggestionService({ seedSource: () => 1 });
  const ask = (trials: TrialView[], n: number) =>
    service.getSuggestions({
      experiment,
      trials,
      currentRequestNumber: n,
      totalRequestNumber: trials.length + n,
    });
  const toTrials = (reply: Awaited<ReturnType<typeof ask>>, offset: number): TrialView[] =>
    reply.assignments.map((s, i) =>
      trialView(`t${offset + i}`, s.parameterAssignments, 'Running', undefined, s.labels),
    );
  const valueOf = (t: TrialView, name: string) => t.parameterAssignments.find((a) => a.name === name)!.value;

  it('plans generation 1 from generation 0: the top continues, the bottom exploits the top and explores', async () => {
    const first = await ask([], 3);
    expect(first.assignments).toHaveLength(3);
    let trials = toTrials(first, 0);
    expect(
      trials.every((t) => t.labels[PBT_GENERATION_LABEL] === '0' && t.labels[PBT_PARENT_LABEL] === undefined),
    ).toBe(true);
    const second = await ask(trials, 3);
    // Only two members of generation 0 remain; generation 1 needs generation 0 finished.
    expect(second.assignments).toHaveLength(2);
    expect(second.exhausted).toBe(false);
    trials = [...trials, ...toTrials(second, 3)];
    const losses = [0.5, 0.1, 0.9, 0.3, 0.7]; // ranking: t1, t3, t0, t4, t2
    const partly = trials.map((t, i) =>
      i < 4 ? trialView(t.name, t.parameterAssignments, 'Succeeded', losses[i], t.labels) : t,
    );
    const waiting = await ask(partly, 2);
    expect(waiting.assignments).toEqual([]);
    expect(waiting.exhausted).toBe(false);
    const done = trials.map((t, i) =>
      trialView(t.name, t.parameterAssignments, 'Succeeded', losses[i], t.labels),
    );
    const next = await ask(done, 5);
    expect(next.assignments).toHaveLength(5);
    const gen1 = toTrials(next, 5);
    expect(gen1.every((t) => t.labels[PBT_GENERATION_LABEL] === '1')).toBe(true);
    const byName = new Map(done.map((t) => [t.name, t]));
    // truncation 0.4 of 5 → 2: t1, t3, t0 continue; t4 and t2 are replaced by explored copies of t1 or t3.
    expect(gen1.slice(0, 3).map((t) => t.labels[PBT_PARENT_LABEL])).toEqual(['t1', 't3', 't0']);
    for (const t of gen1.slice(0, 3)) {
      expect(t.parameterAssignments).toEqual(byName.get(t.labels[PBT_PARENT_LABEL]!)!.parameterAssignments);
    }
    for (const t of gen1.slice(3)) {
      const parent = byName.get(t.labels[PBT_PARENT_LABEL]!)!;
      expect(['t1', 't3']).toContain(parent.name);
      const ratio = Number(valueOf(t, 'lr')) / Number(valueOf(parent, 'lr'));
      expect(
        [0.8, 1.2].some((f) => Math.abs(ratio - f) < 1e-9) || ['0.0001', '0.1'].includes(valueOf(t, 'lr')),
      ).toBe(true);
      expect(valueOf(t, 'units')).not.toBe(valueOf(parent, 'units'));
      const list = ['sgd', 'adam', 'rmsprop'];
      expect(Math.abs(list.indexOf(valueOf(t, 'opt')) - list.indexOf(valueOf(parent, 'opt')))).toBe(1);
    }
    // A failed member of generation 1 is replaced in generation 2, whatever its rank.
    const gen1Done = gen1.map((t, i) =>
      i === 0
        ? trialView(t.name, t.parameterAssignments, 'Failed', undefined, t.labels)
        : trialView(t.name, t.parameterAssignments, 'Succeeded', 0.2 + i / 10, t.labels),
    );
    const gen2 = toTrials(await ask([...done, ...gen1Done], 5), 10);
    expect(gen2.map((t) => t.labels[PBT_PARENT_LABEL])).not.toContain('t5');
  });

  it('explores inside the feasible space, generation after generation (any space, any resample setting)', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbParameters(),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (parameters, resample, seed) => {
          const settings = [
            ...required,
            { name: 'random_state', value: String(seed) },
            ...(resample !== undefined ? [{ name: 'resample_probability', value: String(resample) }] : []),
          ];
          const exp = experimentOf(experimentSpec('pbt', parameters, settings));
          const svc = new InProcessSuggestionService({ seedSource: () => 1 });
          let trials: TrialView[] = [];
          for (let g = 0; g < 4; g++) {
            // The service refuses (InternalError) any assignment outside the space.
            const reply = await svc.getSuggestions({
              experiment: exp,
              trials,
              currentRequestNumber: 5,
              totalRequestNumber: trials.length + 5,
            });
            expect(reply.assignments).toHaveLength(5);
            trials = [
              ...trials,
              ...reply.assignments.map((s, i) =>
                trialView(`g${g}-${i}`, s.parameterAssignments, 'Succeeded', (i * 7) % 5, s.labels),
              ),
            ];
            expect(reply.assignments.every((s) => s.labels?.[PBT_GENERATION_LABEL] === String(g))).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('moves an int by at least one step and a list by one place', () => {
    const space = toSearchSpace([units, opt]);
    const rng = Rng.derive(1, 'perturb');
    for (let i = 0; i < 50; i++) {
      const u = perturb(space[0]!, 9, rng);
      expect([7, 8, 10, 11]).toContain(u);
      expect(['sgd', 'rmsprop']).toContain(perturb(space[1]!, 'adam', rng));
      expect(perturb(space[1]!, 'sgd', rng)).toBe('adam');
    }
  });
});
