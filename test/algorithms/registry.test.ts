import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlgorithmRegistry,
  algorithmNames,
  builtinAlgorithms,
  findAlgorithm,
  validateAlgorithmSpec,
} from '../../src/algorithms/index.js';
import type { ExperimentSpec } from '../../src/api/experiment.js';
import { arbParameters, experimentSpec } from '../arbitraries/search-space.js';

const intParam = { name: 'a', parameterType: 'int' as const, feasibleSpace: { min: '1', max: '3' } };

describe('registry', () => {
  it('finds built-in algorithms by Katib name', () => {
    expect(algorithmNames()).toEqual(expect.arrayContaining(['grid', 'random']));
    expect([...algorithmNames()]).toEqual([...algorithmNames()].sort());
    expect(findAlgorithm('random')?.name).toBe('random');
    expect(findAlgorithm('nope')).toBeUndefined();
    expect(
      () => new AlgorithmRegistry([builtinAlgorithms.get('random')!, builtinAlgorithms.get('random')!]),
    ).toThrow(/twice/);
  });

  it.each([
    {
      description: 'unknown algorithm, listing the known ones',
      spec: experimentSpec('hyperopt', [intParam]),
      want: [
        {
          path: 'spec.algorithm.algorithmName',
          message: `unknown algorithm name hyperopt; known algorithms: ${algorithmNames().join(', ')}`,
          value: 'hyperopt',
        },
      ],
    },
    {
      description: 'missing algorithm name',
      spec: experimentSpec('', [intParam]),
      want: [
        {
          path: 'spec.algorithm.algorithmName',
          message: `must be specified; known algorithms: ${algorithmNames().join(', ')}`,
        },
      ],
    },
    {
      description: 'random with unknown setting and bad random_state',
      spec: experimentSpec(
        'random',
        [intParam],
        [
          { name: 'gamma', value: '0.2' },
          { name: 'random_state', value: 'x' },
        ],
      ),
      want: [
        {
          path: 'spec.algorithm.algorithmSettings[0].name',
          message: 'unknown setting gamma for algorithm random',
          value: 'gamma',
        },
        {
          path: 'spec.algorithm.algorithmSettings[1].value',
          message: "failed to validate random_state(x): invalid literal for int() with base 10: 'x'",
          value: 'x',
        },
      ],
    },
    {
      description: 'random without parameters',
      spec: experimentSpec('random', []),
      want: [
        {
          path: 'spec.parameters',
          message: 'algorithm random needs at least one parameter in spec.parameters',
        },
      ],
    },
    {
      description: 'valid random',
      spec: experimentSpec('random', [intParam], [{ name: 'random_state', value: '0' }]),
      want: [],
    },
  ])('$description', ({ spec, want }) => {
    expect(validateAlgorithmSpec(spec)).toEqual(want);
  });

  it('never throws on garbage, and returns field errors', () => {
    fc.assert(
      fc.property(fc.anything(), (garbage) => {
        const errors = validateAlgorithmSpec(garbage as ExperimentSpec);
        expect(Array.isArray(errors)).toBe(true);
        for (const e of errors) expect(typeof e.path).toBe('string');
      }),
      { numRuns: 1000 },
    );
    // Specs with a real algorithm but garbage everywhere else.
    fc.assert(
      fc.property(
        fc.constantFrom('random', 'grid'),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        (algorithmName, parameters, settings, maxTrialCount) => {
          const spec = {
            algorithm: { algorithmName, algorithmSettings: settings },
            parameters,
            maxTrialCount,
          } as unknown as ExperimentSpec;
          expect(Array.isArray(validateAlgorithmSpec(spec))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts every generated space for random', () => {
    fc.assert(
      fc.property(arbParameters(), (ps) => {
        expect(validateAlgorithmSpec(experimentSpec('random', ps))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
