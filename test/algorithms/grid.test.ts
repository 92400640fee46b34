import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  gridAlgorithm,
  gridSize,
  productSpace,
  validateAlgorithmSpec,
  DesignerPolicy,
  type GridSettings,
} from '../../src/algorithms/index.js';
import type { ExperimentSpec, ParameterSpec } from '../../src/api/experiment.js';
import { permutedOrder } from '../../src/algorithms/grid/index.js';
import { toSearchSpace, type Assignment } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';
import { arbParameters, experimentSpec, trialView } from '../arbitraries/search-space.js';

// Grid needs a step on every double: give the generated ones a step that splits the range in four.
describeDesignerConformance('grid', (parameters, settings) =>
  experimentSpec(
    'grid',
    parameters.map((p) =>
      p.parameterType === 'double' && p.feasibleSpace.step === undefined
        ? {
            ...p,
            feasibleSpace: {
              ...p.feasibleSpace,
              step: String(
                Number(p.feasibleSpace.max) > Number(p.feasibleSpace.min)
                  ? (Number(p.feasibleSpace.max) - Number(p.feasibleSpace.min)) / 4
                  : 1,
              ),
            },
          }
        : p,
    ),
    settings,
  ),
);

const intP = (name: string, min: number, max: number, step?: number): ParameterSpec => ({
  name,
  parameterType: 'int',
  feasibleSpace: {
    min: String(min),
    max: String(max),
    ...(step !== undefined ? { step: String(step) } : {}),
  },
});
const catP = (name: string, list: string[]): ParameterSpec => ({
  name,
  parameterType: 'categorical',
  feasibleSpace: { list },
});
const doubleP = (name: string, min: string, max: string, step?: string): ParameterSpec => ({
  name,
  parameterType: 'double',
  feasibleSpace: { min, max, ...(step !== undefined ? { step } : {}) },
});

/** Runs grid over `parameters` with a fresh policy: one call for `count`. */
function gridSuggest(
  parameters: readonly ParameterSpec[],
  count: number,
  opts: {
    randomState?: number;
    trials?: readonly TrialView[];
    state?: unknown;
    policy?: DesignerPolicy;
  } = {},
): { assignments: Assignment[]; state: unknown } {
  const spec = experimentSpec('grid', parameters);
  const settings: GridSettings = { randomState: opts.randomState };
  const policy = opts.policy ?? new DesignerPolicy({ cacheSize: 0 });
  const r = policy.suggest({
    definition: gridAlgorithm,
    context: {
      space: toSearchSpace(parameters),
      objective: spec.objective,
      settings,
      seed: opts.randomState ?? 0,
      experiment: spec,
      maxTrialCount: undefined,
    },
    experimentKey: 'g',
    trials: opts.trials ?? [],
    count,
    suggestionCount: 0,
    ...(opts.state !== undefined ? { state: opts.state } : {}),
  });
  return { assignments: r.suggestions.map((s) => s.assignment), state: r.state };
}

describe('grid: order, skipping and exhaustion', () => {
  const space = [intP('a', 1, 3), catP('b', ['x', 'y'])];

  it('enumerates lexicographically, first parameter slowest, lists as given', () => {
    const { assignments } = gridSuggest(space, 10);
    expect(assignments).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 3, b: 'x' },
      { a: 3, b: 'y' },
    ]);
  });

  it('double axes are min, min + step, … up to max, without float noise', () => {
    const { assignments } = gridSuggest([doubleP('lr', '0.1', '0.5', '0.1')], 10);
    expect(assignments.map((a) => a['lr'])).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    // A last step that overshoots max is dropped (Katib's np.arange rule).
    expect(gridSuggest([doubleP('lr', '0', '1', '0.3')], 10).assignments.map((a) => a['lr'])).toEqual([
      0, 0.3, 0.6, 0.9,
    ]);
  });

  it('skips combinations assigned to trials (completed or active, any phase) and returns fewer when exhausted', () => {
    const trials = [
      trialView(
        't0',
        [
          { name: 'a', value: '1' },
          { name: 'b', value: 'x' },
        ],
        'Succeeded',
        0.5,
      ),
      trialView(
        't1',
        [
          { name: 'a', value: '2' },
          { name: 'b', value: 'y' },
        ],
        'Failed',
      ),
      trialView(
        't2',
        [
          { name: 'a', value: '3' },
          { name: 'b', value: 'x' },
        ],
        'Running',
      ),
    ];
    expect(gridSuggest(space, 10, { trials }).assignments).toEqual([
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 3, b: 'y' },
    ]);
  });

  it('continues from its dump, and ends with an empty reply', () => {
    const first = gridSuggest(space, 4);
    const trials = first.assignments.map((a, i) =>
      trialView(
        `t${i}`,
        [
          { name: 'a', value: String(a['a']) },
          { name: 'b', value: String(a['b']) },
        ],
        'Running',
      ),
    );
    const second = gridSuggest(space, 4, { trials, state: first.state });
    expect(second.assignments).toEqual([
      { a: 3, b: 'x' },
      { a: 3, b: 'y' },
    ]);
    expect(gridSuggest(space, 4, { trials, state: second.state }).assignments).toEqual([]);
  });

  it('never re-suggests a handed-out combination even if its trial is missing from the request', () => {
    // Katib leaves MetricsUnavailable trials out of the request; grid must not loop on them.
    const policy = new DesignerPolicy();
    const first = gridSuggest(space, 2, { policy });
    const second = gridSuggest(space, 2, { policy, state: first.state });
    expect(second.assignments).toEqual([
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('with random_state, visits a seeded permutation of the same combinations', () => {
    const lexi = gridSuggest(space, 6).assignments;
    const shuffled = gridSuggest(space, 6, { randomState: 7 }).assignments;
    expect(shuffled).toEqual(gridSuggest(space, 6, { randomState: 7 }).assignments);
    expect(new Set(shuffled.map((a) => JSON.stringify(a)))).toEqual(
      new Set(lexi.map((a) => JSON.stringify(a))),
    );
    const orders = new Set(
      [1, 2, 3, 4, 5].map((s) => JSON.stringify(gridSuggest(space, 6, { randomState: s }).assignments)),
    );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('repeated list entries count in the size but are suggested once', () => {
    const { assignments } = gridSuggest([catP('c', ['a', 'b', 'a'])], 5);
    expect(assignments).toEqual([{ c: 'a' }, { c: 'b' }]);
  });

  it('handles a huge grid lazily (10^15 combinations)', () => {
    const huge = [intP('a', 0, 99_999), intP('b', 0, 99_999), intP('c', 0, 99_999)];
    expect(gridSize(experimentSpec('grid', huge))).toBe(10n ** 15n);
    const { assignments } = gridSuggest(huge, 3, { randomState: 1 });
    expect(assignments).toHaveLength(3);
    expect(gridSuggest(huge, 2).assignments).toEqual([
      { a: 0, b: 0, c: 0 },
      { a: 0, b: 0, c: 1 },
    ]);
  });
});

describe('grid: size and permutation properties', () => {
  it('grid size is the product of the axis counts', () => {
    fc.assert(
      fc.property(arbParameters({ doubleStep: 'always', maxParameters: 5 }), (ps) => {
        const counts = toSearchSpace(ps).map((p) => {
          if (p.type === 'categorical' || p.type === 'discrete') return p.values.length;
          const step = p.step ?? 1;
          let n = 0;
          // Count min + k·step ≤ max the slow way, with the same tolerance.
          while (p.min + n * step <= p.max + 1e-9 * step) n++;
          return n;
        });
        const expected = counts.reduce((a, b) => a * BigInt(b), 1n);
        expect(gridSize(experimentSpec('grid', ps))).toBe(expected);
        expect(productSpace(toSearchSpace(ps)).exactSize).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('the seeded order is a permutation of [0, size) for every size and seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (size, seed) => {
          const order = permutedOrder(size, seed);
          const seen = new Set<number>();
          for (let p = 0; p < size; p++) {
            const i = order.at(p);
            expect(i).toBeGreaterThanOrEqual(0);
            expect(i).toBeLessThan(size);
            seen.add(i);
          }
          expect(seen.size).toBe(size);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a full run visits every combination exactly once, in any batch sizes', () => {
    fc.assert(
      fc.property(
        arbParameters({ doubleStep: 'always', maxParameters: 3 }).filter(
          (ps) => (gridSize(experimentSpec('grid', ps)) ?? 0n) <= 300n,
        ),
        fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 50 }),
        (ps, randomState, batch) => {
          const size = Number(gridSize(experimentSpec('grid', ps)));
          const policy = new DesignerPolicy();
          const seen = new Set<string>();
          let state: unknown;
          for (;;) {
            const r = gridSuggest(ps, batch, {
              policy,
              state,
              ...(randomState !== undefined ? { randomState } : {}),
            });
            state = r.state;
            for (const a of r.assignments) seen.add(JSON.stringify(a));
            if (r.assignments.length < batch) break;
          }
          const distinct = productSpace(toSearchSpace(ps), { distinct: true }).size;
          expect(seen.size).toBe(distinct);
          expect(distinct).toBeLessThanOrEqual(size);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('grid: validation (Katib messages, with paths)', () => {
  const spec = (
    ps: ParameterSpec[],
    extra: Partial<ExperimentSpec> = {},
    settings = [] as { name: string; value: string }[],
  ): ExperimentSpec => experimentSpec('grid', ps, settings, extra);

  it.each([
    {
      description: 'double without step',
      spec: spec([intP('a', 1, 2), doubleP('lr', '0.01', '0.05')]),
      want: [
        {
          path: 'spec.parameters[1].feasibleSpace.step',
          message:
            'failed to validate parameters([HyperParameter(name: a, type: int, min: 1, max: 2, step: ), HyperParameter(name: lr, type: double, min: 0.01, max: 0.05, step: )]): Param lr step is nil; For discrete search space, all parameters must include step',
        },
      ],
    },
    {
      description: 'maxTrialCount above the number of combinations',
      spec: spec([intP('a', 1, 3), catP('b', ['x', 'y'])], { maxTrialCount: 7 }),
      want: [
        {
          path: 'spec.maxTrialCount',
          message: 'Max Trial Count: 7 > all possible search combinations: 6',
          value: 7,
        },
      ],
    },
    {
      description: 'maxTrialCount equal to the number of combinations',
      spec: spec([intP('a', 1, 3), catP('b', ['x', 'y'])], { maxTrialCount: 6 }),
      want: [],
    },
    {
      description: 'negative random_state',
      spec: spec([intP('a', 1, 3)], {}, [{ name: 'random_state', value: '-1' }]),
      want: [
        {
          path: 'spec.algorithm.algorithmSettings[0].value',
          message: 'random_state should be great or equal than zero',
          value: '-1',
        },
      ],
    },
    {
      description: 'unknown setting',
      spec: spec([intP('a', 1, 3)], {}, [{ name: 'seed', value: '1' }]),
      want: [
        {
          path: 'spec.algorithm.algorithmSettings[0].name',
          message: 'unknown setting seed for algorithm grid',
          value: 'seed',
        },
      ],
    },
    {
      description: 'zero step',
      spec: spec([doubleP('lr', '0', '1', '0')]),
      want: [
        {
          path: 'spec.parameters[0].feasibleSpace.step',
          message:
            'failed to validate parameters([HyperParameter(name: lr, type: double, min: 0, max: 1, step: 0)]): Param lr step must be greater than 0',
          value: '0',
        },
      ],
    },
  ])('$description', ({ spec: s, want }) => {
    expect(validateAlgorithmSpec(s)).toEqual(want);
  });
});
