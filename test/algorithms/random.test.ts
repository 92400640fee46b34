import { describe, expect, it } from 'vitest';
import {
  DesignerPolicy,
  findAlgorithm,
  randomAlgorithm,
  type RandomSettings,
} from '../../src/algorithms/index.js';
import type { Distribution, ExperimentSpec, ParameterSpec } from '../../src/api/experiment.js';
import { toSearchSpace, type Assignment } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';
import { experimentSpec, trialView } from '../arbitraries/search-space.js';

describeDesignerConformance('random');

/** The random designer's suggestions for one parameter: `n` in one call, after `suggestionCount` earlier ones. */
function suggest(
  param: ParameterSpec,
  n: number,
  seed = 12345,
  trials: readonly TrialView[] = [],
  suggestionCount = 0,
): Assignment[] {
  const spec = experimentSpec('random', [param]);
  const settings: RandomSettings = { randomState: seed };
  const policy = new DesignerPolicy({ cacheSize: 0 });
  const { suggestions } = policy.suggest({
    definition: randomAlgorithm,
    context: {
      space: toSearchSpace([param]),
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

/**
 * `n` independent draws: one suggestion per call with no history, each call on its own stream
 * (suggestion counts 0 … n−1), so the batch de-duplication does not shape the sample.
 */
function draw(param: ParameterSpec, n: number, seed = 12345): Assignment[] {
  return Array.from({ length: n }, (_, i) => suggest(param, 1, seed, [], i)[0]!);
}

const values = (as: readonly Assignment[], name = 'x'): number[] => as.map((a) => a[name] as number);
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const n = counts.reduce((s, c) => s + c, 0);
  const e = n / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

const double = (min: string, max: string, distribution: Distribution, step?: string): ParameterSpec => ({
  name: 'x',
  parameterType: 'double',
  feasibleSpace: { min, max, distribution, ...(step !== undefined ? { step } : {}) },
});

// Statistical tests. With N = 4000 draws, the sample mean of a distribution with standard
// deviation σ has standard error σ/√N; every tolerance below is 6 standard errors (or the
// chi-square quantile with p ≈ 1e-6), so each assertion fails by chance with probability
// about 2e-9 … 1e-6. The seeds are fixed, so a pass is also reproducible.
const N = 4000;

describe('random: distributions (Katib hyperopt mapping, katib-reference §5.1)', () => {
  it('uniform double: mean (a+b)/2, variance (b−a)²/12, inside [min, max]', () => {
    const xs = values(draw(double('-2', '6', 'uniform'), N));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThanOrEqual(6);
    const sd = 8 / Math.sqrt(12);
    expect(Math.abs(mean(xs) - 2)).toBeLessThan((6 * sd) / Math.sqrt(N));
    // Variance of the sample variance of a uniform: ≈ (b−a)^4/180/N; 6σ ≈ 0.3 here.
    expect(Math.abs(variance(xs) - sd * sd)).toBeLessThan(6 * Math.sqrt(8 ** 4 / 180 / N));
  });

  it('logUniform double: ln(value) is uniform on [ln min, ln max] (mean of logs)', () => {
    const xs = values(draw(double('0.0001', '1', 'logUniform'), N));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0.0001);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    const logs = xs.map(Math.log);
    const a = Math.log(0.0001);
    const sd = -a / Math.sqrt(12);
    expect(Math.abs(mean(logs) - a / 2)).toBeLessThan((6 * sd) / Math.sqrt(N));
    // A quarter of the mass per decade: [1e-4, 1e-3) holds ≈ 25 %.
    const firstDecade = xs.filter((x) => x < 0.001).length / N;
    expect(Math.abs(firstDecade - 0.25)).toBeLessThan(6 * Math.sqrt((0.25 * 0.75) / N));
  });

  it('normal double: mean (min+max)/2, sd ≈ (max−min)/6 (truncated to the range)', () => {
    const xs = values(draw(double('0', '12', 'normal'), N));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(12);
    expect(Math.abs(mean(xs) - 6)).toBeLessThan((6 * 2) / Math.sqrt(N));
    // Truncation at ±3σ shrinks σ by ~1.4 %; the sample sd is within ±6 % of 2 with margin.
    const sd = Math.sqrt(variance(xs));
    expect(sd).toBeGreaterThan(1.85);
    expect(sd).toBeLessThan(2.1);
    // ≈ 68.3 % within ±1σ (68.5 % after truncation).
    const within = xs.filter((x) => Math.abs(x - 6) <= 2).length / N;
    expect(Math.abs(within - 0.685)).toBeLessThan(6 * Math.sqrt((0.685 * 0.315) / N));
  });

  it('logNormal double: ln(value) has mean (ln min + ln max)/2 and sd (ln max − ln min)/6', () => {
    const xs = values(draw(double('0.001', '1000', 'logNormal'), N));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0.001);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1000);
    const logs = xs.map(Math.log);
    const sigma = (Math.log(1000) - Math.log(0.001)) / 6;
    expect(Math.abs(mean(logs))).toBeLessThan((6 * sigma) / Math.sqrt(N));
    const sd = Math.sqrt(variance(logs));
    expect(sd / sigma).toBeGreaterThan(0.92);
    expect(sd / sigma).toBeLessThan(1.05);
  });

  it('double with step: values are min + k·step, each grid point equally likely', () => {
    const xs = values(draw(double('0.1', '0.5', 'uniform', '0.1'), N));
    const grid = [0.1, 0.2, 0.3, 0.4, 0.5];
    expect(xs.every((x) => grid.includes(x))).toBe(true);
    // chi-square with 4 degrees of freedom: P(χ² > 33.4) ≈ 1e-6.
    expect(chiSquare(grid.map((g) => xs.filter((x) => x === g).length))).toBeLessThan(33.4);
  });

  it('int: uniform over the integers, end points included with equal mass', () => {
    const xs = values(draw({ name: 'x', parameterType: 'int', feasibleSpace: { min: '1', max: '6' } }, N));
    expect(xs.every((x) => Number.isInteger(x) && x >= 1 && x <= 6)).toBe(true);
    // 5 degrees of freedom: P(χ² > 35.9) ≈ 1e-6.
    expect(chiSquare([1, 2, 3, 4, 5, 6].map((g) => xs.filter((x) => x === g).length))).toBeLessThan(35.9);
  });

  it('int with step: values min + k·step only', () => {
    const xs = values(
      draw({ name: 'x', parameterType: 'int', feasibleSpace: { min: '2', max: '20', step: '4' } }, 500),
    );
    expect(new Set(xs)).toEqual(new Set([2, 6, 10, 14, 18]));
  });

  it('logUniform int: more small values than large, all integers in range', () => {
    const xs = values(
      draw(
        {
          name: 'x',
          parameterType: 'int',
          feasibleSpace: { min: '1', max: '1000', distribution: 'logUniform' },
        },
        N,
      ),
    );
    expect(xs.every((x) => Number.isInteger(x) && x >= 1 && x <= 1000)).toBe(true);
    // ln(x) roughly uniform on [ln 0.5, ln 1000.5]: about a third below 10.
    const below10 = xs.filter((x) => x < 10).length / N;
    const expected = (Math.log(9.5) - Math.log(0.5)) / (Math.log(1000.5) - Math.log(0.5));
    expect(Math.abs(below10 - expected)).toBeLessThan(6 * Math.sqrt((expected * (1 - expected)) / N));
  });

  it('categorical and discrete: uniform choice over the list', () => {
    const cat = draw(
      { name: 'x', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'ftrl'] } },
      N,
    ).map((a) => a['x']);
    // 2 degrees of freedom: P(χ² > 27.6) ≈ 1e-6.
    expect(chiSquare(['sgd', 'adam', 'ftrl'].map((v) => cat.filter((x) => x === v).length))).toBeLessThan(
      27.6,
    );
    const disc = values(
      draw({ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['1', '10', '100', '1000'] } }, N),
    );
    // 3 degrees of freedom: P(χ² > 30.7) ≈ 1e-6.
    expect(chiSquare([1, 10, 100, 1000].map((v) => disc.filter((x) => x === v).length))).toBeLessThan(30.7);
  });
});

describe('random: batches and history', () => {
  const small: ParameterSpec = { name: 'x', parameterType: 'int', feasibleSpace: { min: '1', max: '5' } };

  it('a batch covering a small space exactly has no duplicates', () => {
    for (let seed = 0; seed < 30; seed++) {
      const xs = values(suggest(small, 5, seed));
      expect(new Set(xs).size).toBe(5);
    }
  });

  it('a batch larger than the space repeats values only as much as needed', () => {
    const xs = values(suggest(small, 12, 3));
    const counts = [1, 2, 3, 4, 5].map((v) => xs.filter((x) => x === v).length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
  });

  it('avoids points of earlier trials while unused points remain', () => {
    const trials = [1, 2, 3].map((v, i) =>
      trialView(`t${i}`, [{ name: 'x', value: String(v) }], i === 2 ? 'Running' : 'Succeeded', v),
    );
    for (let seed = 0; seed < 20; seed++) {
      expect(values(suggest(small, 2, seed, trials)).sort()).toEqual([4, 5]);
    }
  });

  it('the stream depends on the seed and on how many assignments were handed out', () => {
    const p = double('0', '1', 'uniform');
    expect(suggest(p, 3, 1)).toEqual(suggest(p, 3, 1));
    expect(suggest(p, 3, 1)).not.toEqual(suggest(p, 3, 2));
    const spec: ExperimentSpec = experimentSpec('random', [p]);
    const run = (suggestionCount: number): unknown =>
      new DesignerPolicy({ cacheSize: 0 }).suggest({
        definition: randomAlgorithm,
        context: {
          space: toSearchSpace([p]),
          objective: spec.objective,
          settings: { randomState: 1 },
          seed: 1,
          experiment: spec,
          maxTrialCount: undefined,
        },
        experimentKey: 'x',
        trials: [],
        count: 2,
        suggestionCount,
      }).suggestions;
    expect(run(0)).not.toEqual(run(2));
  });

  it("is registered with Katib's setting and rejects log scale on min ≤ 0", () => {
    const def = findAlgorithm('random')!;
    expect(Object.values(def.settings).map((d: { name: string }) => d.name)).toEqual(['random_state']);
    const spec = experimentSpec('random', [double('0', '1', 'logUniform')]);
    expect(def.validate(spec, { randomState: undefined })).toEqual([
      {
        path: 'spec.parameters[0].feasibleSpace.min',
        message: 'must be greater than 0 for distribution logUniform',
        value: '0',
      },
    ]);
  });
});
