import { describe, expect, it } from 'vitest';
import { DesignerPolicy, validateAlgorithmSpec } from '../../src/algorithms/index.js';
import { Rng } from '../../src/algorithms/rng.js';
import {
  directionNumbers,
  normalCdf,
  normalQuantile,
  SobolSequence,
  sobolAlgorithm,
  type SobolSettings,
} from '../../src/algorithms/sobol/index.js';
import type { ParameterSpec } from '../../src/api/experiment.js';
import { toSearchSpace, type Assignment } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { experimentSpec, trialView } from '../arbitraries/search-space.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';
import { search, tune } from '../../src/sdk/index.js';

describeDesignerConformance('sobol');

/** The sobol designer's suggestions: `n` in one call after `suggestionCount` earlier ones. */
function suggest(
  params: readonly ParameterSpec[],
  n: number,
  seed = 7,
  trials: readonly TrialView[] = [],
  suggestionCount = 0,
): Assignment[] {
  const spec = experimentSpec('sobol', params);
  const settings: SobolSettings = { randomState: seed };
  const { suggestions } = new DesignerPolicy({ cacheSize: 0 }).suggest({
    definition: sobolAlgorithm,
    context: {
      space: toSearchSpace(params),
      objective: spec.objective,
      settings,
      seed,
      experiment: spec,
      maxTrialCount: undefined,
    },
    experimentKey: 'x',
    trials,
    count: n,
    suggestionCount,
  });
  return suggestions.map((s) => s.assignment);
}

const double = (name: string, min = '0', max = '1'): ParameterSpec => ({
  name,
  parameterType: 'double',
  feasibleSpace: { min, max },
});

describe('Sobol sequence: known values (Joe–Kuo new-joe-kuo-6.21201, as SciPy 1.10 gives them)', () => {
  it('the first 8 unscrambled points of dimensions 1–3', () => {
    const s = new SobolSequence(3);
    const points = Array.from({ length: 8 }, (_, i) => [...s.point(i)]);
    expect(points).toEqual([
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
      [0.875, 0.875, 0.125],
      [0.625, 0.125, 0.875],
      [0.125, 0.625, 0.375],
    ]);
  });

  it('high dimensions agree with SciPy (first 30 bits of points 1, 2, 3, 5, 17, 33, 63)', () => {
    // scipy.stats.qmc.Sobol(1000, scramble=False).random(64), times 2^30, columns 1, 2, 3, 4, 10,
    // 100, 500, 1000.
    const expected = [
      [536870912, 536870912, 536870912, 536870912, 536870912, 536870912, 536870912, 536870912],
      [805306368, 268435456, 268435456, 268435456, 805306368, 805306368, 268435456, 805306368],
      [268435456, 805306368, 805306368, 805306368, 268435456, 268435456, 805306368, 268435456],
      [939524096, 939524096, 134217728, 402653184, 134217728, 402653184, 134217728, 671088640],
      [637534208, 1040187392, 1040187392, 167772160, 704643072, 570425344, 905969664, 33554432],
      [587202560, 822083584, 218103808, 50331648, 587202560, 855638016, 654311424, 620756992],
      [16777216, 855638016, 385875968, 486539264, 620756992, 83886080, 352321536, 50331648],
    ];
    const s = new SobolSequence(1000);
    const dims = [0, 1, 2, 3, 9, 99, 499, 999];
    const got = [1, 2, 3, 5, 17, 33, 63].map((i) => {
      const p = s.integerPoint(i);
      return dims.map((d) => Math.floor(p[d]! / 4));
    });
    expect(got).toEqual(expected);
  });

  it('direction numbers are odd multiples of their place (v_k has its lowest set bit at 31 − k)', () => {
    for (const j of [0, 1, 5, 77, 999]) {
      const v = directionNumbers(j);
      v.forEach((x, k) => {
        expect(x % 2 ** (31 - k)).toBe(0);
        expect((x / 2 ** (31 - k)) % 2).toBe(1);
      });
    }
  });

  it('rejects dimensions and indices outside the table', () => {
    expect(() => new SobolSequence(1001)).toThrow(RangeError);
    expect(() => new SobolSequence(0)).toThrow(RangeError);
    expect(() => new SobolSequence(2).point(-1)).toThrow(RangeError);
    expect(() => new SobolSequence(2).point(2 ** 32)).toThrow(RangeError);
  });
});

/** Which of 2^k equal intervals each of the first 2^k points falls in, for one coordinate. */
function cells(s: SobolSequence, dim: number, k: number, start = 0): number[] {
  return Array.from({ length: 2 ** k }, (_, i) => Math.floor(s.point(start + i)[dim]! * 2 ** k));
}

describe('Sobol sequence: balance, scrambled or not', () => {
  const sequences: [string, SobolSequence][] = [
    ['plain', new SobolSequence(12)],
    ['scrambled (seed 1)', new SobolSequence(12, { scramble: Rng.derive(1, 'test') })],
    ['scrambled (seed 2)', new SobolSequence(12, { scramble: Rng.derive(2, 'test') })],
  ];

  it.each(sequences)(
    '%s: every block of 2^k points has one point per 1/2^k interval in each dimension',
    (_, s) => {
      for (let dim = 0; dim < 12; dim++) {
        for (let k = 1; k <= 8; k++) {
          // The first block, and a later one (points 2^k … 2^(k+1) − 1).
          for (const start of [0, 2 ** k]) {
            expect(new Set(cells(s, dim, k, start)).size, `dim ${dim}, k ${k}, start ${start}`).toBe(2 ** k);
          }
        }
      }
    },
  );

  it.each(sequences)(
    '%s: dimensions 1 and 2 form a (0, m, 2)-net: one point per elementary box of area 2^-m',
    (_, s) => {
      const m = 8;
      const pts = Array.from({ length: 2 ** m }, (_, i) => s.point(i));
      for (let a = 0; a <= m; a++) {
        const boxes = new Set(
          pts.map((p) => `${Math.floor(p[0]! * 2 ** a)},${Math.floor(p[1]! * 2 ** (m - a))}`),
        );
        expect(boxes.size).toBe(2 ** m);
      }
    },
  );

  it('scrambling depends on the seed and moves point 0 away from the origin', () => {
    const a = new SobolSequence(4, { scramble: Rng.derive(1, 'test') });
    const b = new SobolSequence(4, { scramble: Rng.derive(2, 'test') });
    expect([...a.point(0)]).not.toEqual([0, 0, 0, 0]);
    expect([...a.point(5)]).not.toEqual([...b.point(5)]);
  });
});

describe('normal CDF and quantile', () => {
  it('match known values and invert each other', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(normalQuantile(0.5)).toBe(0);
    for (const p of [1e-9, 0.01, 0.2, 0.7, 0.99]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  });
});

describe('sobol designer', () => {
  it('is dimension-correct for int, discrete and categorical: 2^k points balance every list', () => {
    const params: ParameterSpec[] = [
      { name: 'i', parameterType: 'int', feasibleSpace: { min: '1', max: '4' } },
      { name: 'd', parameterType: 'discrete', feasibleSpace: { list: ['0.1', '1', '10', '100'] } },
      { name: 'c', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b'] } },
      double('x'),
    ];
    const as = suggest(params, 32, 3);
    const count = (name: string, v: number | string): number => as.filter((a) => a[name] === v).length;
    for (const v of [1, 2, 3, 4]) expect(count('i', v)).toBe(8);
    for (const v of [0.1, 1, 10, 100]) expect(count('d', v)).toBe(8);
    expect(count('c', 'a')).toBe(16);
    // The double is stratified too: one point per 1/32 of [0, 1].
    expect(new Set(as.map((a) => Math.floor((a['x'] as number) * 32))).size).toBe(32);
  });

  it('suggestion n is point n: one call of 6 equals calls of 2, 1 and 3 with the earlier ones as trials', () => {
    const params = [double('x'), double('y', '-5', '5')];
    const all = suggest(params, 6);
    const trials: TrialView[] = [];
    const got: Assignment[] = [];
    for (const n of [2, 1, 3]) {
      const batch = suggest(params, n, 7, trials, got.length);
      batch.forEach((a, i) =>
        trials.push(
          trialView(
            `t${got.length + i}`,
            Object.entries(a).map(([name, value]) => ({ name, value: String(value) })),
            'Running',
          ),
        ),
      );
      got.push(...batch);
    }
    expect(got).toEqual(all);
  });

  it('maps logUniform on log scale and normal through the truncated normal quantile', () => {
    const as = suggest(
      [
        {
          name: 'lr',
          parameterType: 'double',
          feasibleSpace: { min: '0.0001', max: '1', distribution: 'logUniform' },
        },
        {
          name: 'n',
          parameterType: 'double',
          feasibleSpace: { min: '0', max: '12', distribution: 'normal' },
        },
      ],
      256,
    );
    // A quarter of the points per decade of the log range.
    expect(as.filter((a) => (a['lr'] as number) < 0.001).length).toBe(64);
    // Stratified normal: the share within ±1σ of the mean is Φ(1) − Φ(−1) of the truncated law, ±1/256.
    const within = as.filter((a) => Math.abs((a['n'] as number) - 6) <= 2).length / 256;
    const expected = (normalCdf(1) - normalCdf(-1)) / (normalCdf(3) - normalCdf(-3));
    expect(Math.abs(within - expected)).toBeLessThanOrEqual(2 / 256);
  });

  it('skips points already taken in a finite space, and covers it without repeats', () => {
    const params: ParameterSpec[] = [
      { name: 'i', parameterType: 'int', feasibleSpace: { min: '0', max: '2' } },
      { name: 'c', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b'] } },
    ];
    const trials = [
      trialView(
        't0',
        [
          { name: 'i', value: '0' },
          { name: 'c', value: 'a' },
        ],
        'Succeeded',
        1,
      ),
      trialView(
        't1',
        [
          { name: 'i', value: '2' },
          { name: 'c', value: 'b' },
        ],
        'Running',
      ),
    ];
    for (let seed = 0; seed < 10; seed++) {
      const as = suggest(params, 4, seed, trials, 2).map((a) => `${a['i']}${a['c']}`);
      expect(new Set(as).size).toBe(4);
      expect(as).not.toContain('0a');
      expect(as).not.toContain('2b');
    }
    // Asking for more than the space holds: every point once, then repeats.
    const seven = suggest(params, 7).map((a) => `${a['i']}${a['c']}`);
    expect(new Set(seven.slice(0, 6)).size).toBe(6);
  });
});

describe('sobol validation', () => {
  const params = [double('x')];
  it('accepts random_state and rejects other settings with Katib-style messages', () => {
    expect(
      validateAlgorithmSpec(experimentSpec('sobol', params, [{ name: 'random_state', value: '3' }])),
    ).toEqual([]);
    expect(validateAlgorithmSpec(experimentSpec('sobol', params, [{ name: 'foo', value: '1' }]))).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[0].name',
        message: 'unknown setting foo for algorithm sobol',
        value: 'foo',
      },
    ]);
    expect(
      validateAlgorithmSpec(experimentSpec('sobol', params, [{ name: 'random_state', value: '-1' }]))[0]
        ?.message,
    ).toBe('random_state should be great or equal than zero');
  });

  it('needs parameters, positive log ranges, and at most 1000 parameters', () => {
    expect(validateAlgorithmSpec(experimentSpec('sobol', []))[0]?.path).toBe('spec.parameters');
    const many = Array.from({ length: 1001 }, (_, i) => double(`p${i}`));
    expect(validateAlgorithmSpec(experimentSpec('sobol', many))).toEqual([
      { path: 'spec.parameters', message: 'algorithm sobol supports at most 1000 parameters, got 1001' },
    ]);
    expect(
      validateAlgorithmSpec(
        experimentSpec('sobol', [
          {
            name: 'x',
            parameterType: 'double',
            feasibleSpace: { min: '0', max: '1', distribution: 'logUniform' },
          },
        ]),
      )[0]?.path,
    ).toBe('spec.parameters[0].feasibleSpace.min');
  });
});

describe('sobol: end to end through the engine (tune())', () => {
  it('16 trials of a 2-D experiment stratify both parameters', async () => {
    const result = await tune({
      name: 'sobol-e2e',
      objective: (p) => Number(p['x']) + Number(p['y']),
      parameters: { x: search.double(0, 1), y: search.double(0, 16) },
      algorithm: { name: 'sobol', settings: { random_state: 11 } },
      maxTrialCount: 16,
      parallelTrialCount: 3,
    });
    expect(result.status.trialsSucceeded).toBe(16);
    const xs = result.trials.map((t) => Math.floor(Number(t.parameters['x']) * 16));
    const ys = result.trials.map((t) => Math.floor(Number(t.parameters['y'])));
    expect(new Set(xs).size).toBe(16);
    expect(new Set(ys).size).toBe(16);
  });
});
