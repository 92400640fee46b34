import { describe, expect, it } from 'vitest';
import {
  CmaDistribution,
  cmaesAlgorithm,
  coordinateKinds,
  defaultPopulationSize,
  strategyParameters,
  type CmaesSettings,
} from '../../src/algorithms/cmaes/index.js';
import { builtinAlgorithms, DesignerPolicy, validateAlgorithmSpec } from '../../src/algorithms/index.js';
import { createSpaceCodec } from '../../src/algorithms/codec/space-codec.js';
import { Rng } from '../../src/algorithms/rng.js';
import type { Suggestion } from '../../src/algorithms/designer.js';
import type { AlgorithmSetting, ParameterSpec } from '../../src/api/experiment.js';
import { toParameterAssignments, toSearchSpace, type Assignment } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import type { TrialPhase } from '../../src/api/trial.js';
import { experimentSpec, trialView } from '../arbitraries/search-space.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';
import { search, tune } from '../../src/sdk/index.js';

describeDesignerConformance('cmaes', undefined, { space: { minParameters: 2, types: ['double', 'int'] } });
describeDesignerConformance(
  'cmaes',
  (parameters, settings) =>
    experimentSpec(
      'cmaes',
      [
        { name: 'a', parameterType: 'int', feasibleSpace: { min: '0', max: '2' } },
        { name: 'b', parameterType: 'int', feasibleSpace: { min: '-1', max: '1' } },
        ...parameters,
      ],
      settings,
    ),
  { numRuns: 30 },
);

/** Outcome of one simulated experiment. */
interface RunResult {
  readonly best: number;
  readonly bestAssignment: Assignment | undefined;
  readonly assignments: readonly Assignment[];
  readonly labels: readonly Readonly<Record<string, string>>[];
}

/** Options of {@link runExperiment}. */
interface RunOptions {
  readonly seed?: number;
  readonly settings?: readonly AlgorithmSetting[];
  /** Trials running at once; the oldest finishes first. @default 1 */
  readonly parallel?: number;
  /** A fresh policy, without state, on every call (a stateless gRPC caller). */
  readonly stateless?: boolean;
}

/**
 * Minimises `f` over `parameters` with `budget` cmaes trials through the DesignerPolicy, as the
 * controller does. `f` returns the loss, or a phase for a trial that ends without one.
 */
function runExperiment(
  parameters: readonly ParameterSpec[],
  f: (a: Assignment) => number | TrialPhase,
  budget: number,
  options: RunOptions = {},
): RunResult {
  const seed = options.seed ?? 1;
  const parallel = options.parallel ?? 1;
  const spec = experimentSpec('cmaes', parameters, options.settings ?? []);
  const resolved = builtinAlgorithms.resolve(spec);
  if (!resolved.ok) throw new Error(resolved.errors.map((e) => e.message).join('; '));
  const space = toSearchSpace(parameters);
  let policy = new DesignerPolicy();
  let state: unknown;
  const trials: TrialView[] = [];
  const assignments: Assignment[] = [];
  const labels: Readonly<Record<string, string>>[] = [];
  let best = Infinity;
  let bestAssignment: Assignment | undefined;
  while (assignments.length < budget || trials.some((t) => t.phase === 'Running')) {
    const running = trials.filter((t) => t.phase === 'Running').length;
    const want = Math.min(parallel - running, budget - assignments.length);
    if (want > 0) {
      if (options.stateless) policy = new DesignerPolicy();
      const result = policy.suggest({
        definition: resolved.definition,
        context: {
          space,
          objective: spec.objective,
          settings: resolved.settings,
          seed,
          experiment: spec,
          maxTrialCount: budget,
        },
        experimentKey: 'exp',
        trials,
        count: want,
        suggestionCount: assignments.length,
        ...(state !== undefined && !options.stateless ? { state } : {}),
      });
      state = result.state;
      if (result.suggestions.length === 0 && running === 0) break;
      for (const s of result.suggestions) {
        trials.push(
          trialView(`t${assignments.length}`, toParameterAssignments(space, s.assignment), 'Running'),
        );
        assignments.push(s.assignment);
        labels.push(s.labels ?? {});
      }
    }
    const i = trials.findIndex((t) => t.phase === 'Running');
    if (i < 0) continue;
    const t = trials[i]!;
    const value = f(assignments[i]!);
    if (typeof value === 'number') {
      trials[i] = trialView(t.name, t.parameterAssignments, 'Succeeded', value);
      if (value < best) {
        best = value;
        bestAssignment = assignments[i];
      }
    } else {
      trials[i] = trialView(t.name, t.parameterAssignments, value);
    }
  }
  return { best, bestAssignment, assignments, labels };
}

const double = (name: string, min = '-5', max = '5'): ParameterSpec => ({
  name,
  parameterType: 'double',
  feasibleSpace: { min, max },
});
const int = (name: string, min: string, max: string): ParameterSpec => ({
  name,
  parameterType: 'int',
  feasibleSpace: { min, max },
});
const vector = (a: Assignment, n: number): number[] =>
  Array.from({ length: n }, (_, i) => a[`x${i}`] as number);
const doubles = (n: number, min = '-5', max = '5'): ParameterSpec[] =>
  Array.from({ length: n }, (_, i) => double(`x${i}`, min, max));

describe('cmaes: strategy parameters (Hansen 2016, Table 1)', () => {
  it('default population 4 + ⌊3 ln n⌋ and weights: the μ best sum to 1, the rest are negative', () => {
    expect([2, 5, 6, 10, 100].map(defaultPopulationSize)).toEqual([6, 8, 9, 10, 17]);
    for (const n of [2, 6, 20]) {
      const p = strategyParameters(n, defaultPopulationSize(n));
      const w = [...p.weights];
      expect(w.slice(0, p.mu).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      expect(w.slice(0, p.mu).every((x) => x > 0)).toBe(true);
      expect(w.slice(p.mu).every((x) => x <= 0)).toBe(true);
      // Decreasing with rank, learning rates inside (0, 1) and c1 + cμ ≤ 1.
      for (let i = 1; i < w.length; i++) expect(w[i]!).toBeLessThanOrEqual(w[i - 1]!);
      expect(p.c1 + p.cMu).toBeLessThanOrEqual(1);
      expect(p.cSigma).toBeGreaterThan(0);
      expect(p.cSigma).toBeLessThan(1);
    }
    // n = 2, λ = 6: μ = 3, w' = ln 3.5 − ln i, μ_eff = (Σw')² / Σw'².
    const p = strategyParameters(2, 6);
    const raw = [1, 2, 3].map((i) => Math.log(3.5) - Math.log(i));
    const muEff = raw.reduce((s, x) => s + x, 0) ** 2 / raw.reduce((s, x) => s + x * x, 0);
    expect(p.muEff).toBeCloseTo(muEff, 12);
    expect(p.c1).toBeCloseTo(2 / (3.3 ** 2 + muEff), 12);
    expect(p.chiN).toBeCloseTo(Math.SQRT2 * (1 - 1 / 8 + 1 / 84), 12);
  });

  it('an injected point far outside the distribution is shortened to Mahalanobis length √n + 2n/(n + 2)', () => {
    const d = new CmaDistribution({
      mean: Float64Array.from([0.5, 0.5]),
      sigma: 0.01,
      lambda: 6,
      coordinates: [{ kind: 'continuous' }, { kind: 'continuous' }],
    });
    const y = d.injectedStep(Float64Array.from([1, 0.5]));
    expect(Math.hypot(y[0]!, y[1]!)).toBeCloseTo(Math.SQRT2 + 1, 12);
    const near = d.injectedStep(Float64Array.from([0.505, 0.5]));
    expect(near[0]).toBeCloseTo(0.5, 12);
  });

  it('coordinates: cells of ints, steps and lists (log scale too), one-hot categoricals, continuous doubles', () => {
    const space = toSearchSpace([
      double('x'),
      int('n', '1', '4'),
      { name: 'l', parameterType: 'int', feasibleSpace: { min: '1', max: '4', distribution: 'logUniform' } },
      { name: 'd', parameterType: 'discrete', feasibleSpace: { list: ['0.5', '2'] } },
      { name: 'c', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b'] } },
      int('big', '0', '100000'),
    ]);
    const kinds = coordinateKinds(createSpaceCodec(space, { discrete: 'index' }));
    expect(kinds.map((k) => k.kind)).toEqual([
      'continuous',
      'cells',
      'cells',
      'cells',
      'one-hot',
      'one-hot',
      'continuous',
    ]);
    const cells = (i: number): readonly number[] => {
      const k = kinds[i];
      return k?.kind === 'cells' ? k.boundaries : [];
    };
    expect(cells(1).map((b) => Number(b.toFixed(12)))).toEqual([0.25, 0.5, 0.75]);
    // Log scale: boundaries at ln 1.5, ln 2.5, ln 3.5 within [ln 0.5, ln 4.5].
    const unit = (v: number): number => (Math.log(v) - Math.log(0.5)) / (Math.log(4.5) - Math.log(0.5));
    cells(2).forEach((b, i) => expect(b).toBeCloseTo(unit(1.5 + i), 12));
    expect(cells(3)).toEqual([0.5]);
    expect(kinds[4]).toEqual({ kind: 'one-hot', block: [4, 5] });
  });

  it('samples stay inside the unit cube even with a huge σ', () => {
    const d = new CmaDistribution({
      mean: Float64Array.from([0.9, 0.1, 0.5]),
      sigma: 50,
      lambda: 7,
      coordinates: [{ kind: 'continuous' }, { kind: 'continuous' }, { kind: 'continuous' }],
    });
    const rng = Rng.derive(1, 'test');
    for (let i = 0; i < 200; i++) {
      for (const x of d.sample(rng).x) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(1);
      }
    }
  });
});

describe('cmaes: convergence', () => {
  it('5-D sphere: within 1e-6 of the optimum in 1000 trials', () => {
    const f = (a: Assignment): number => vector(a, 5).reduce((s, x) => s + (x - 1.3) ** 2, 0);
    expect(runExperiment(doubles(5), f, 1000, { seed: 3 }).best).toBeLessThan(1e-6);
  });

  it('4-D rotated ellipsoid (condition 10^4): within 1e-6 in 1500 trials', () => {
    // A fixed rotation: the product of Givens rotations in every coordinate plane.
    const n = 4;
    const rotate = (x: number[]): number[] => {
      const y = [...x];
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) {
          const t = 0.3 + 0.1 * (i + j);
          const [a, b] = [y[i]!, y[j]!];
          y[i] = Math.cos(t) * a - Math.sin(t) * b;
          y[j] = Math.sin(t) * a + Math.cos(t) * b;
        }
      return y;
    };
    const f = (a: Assignment): number =>
      rotate(vector(a, n).map((x) => x - 0.7)).reduce((s, z, i) => s + 10 ** ((4 * i) / (n - 1)) * z * z, 0);
    expect(runExperiment(doubles(n), f, 1500, { seed: 5 }).best).toBeLessThan(1e-6);
  });

  it('4 trials in parallel still converge on the sphere', () => {
    const f = (a: Assignment): number => vector(a, 3).reduce((s, x) => s + (x + 2) ** 2, 0);
    expect(runExperiment(doubles(3), f, 600, { seed: 4, parallel: 4 }).best).toBeLessThan(1e-6);
  });

  it('integer dimensions do not stall: finds the integer optimum of a 4-D int problem', () => {
    const target = [7, -13, 21, 0];
    const params = target.map((_, i) => int(`x${i}`, '-50', '50'));
    const f = (a: Assignment): number => vector(a, 4).reduce((s, x, i) => s + (x - target[i]! - 0.2) ** 2, 0);
    const r = runExperiment(params, f, 400, { seed: 2 });
    expect(vector(r.bestAssignment!, 4)).toEqual(target);
  });

  it('mixed space: log double, int and categorical (one-hot) reach the optimum region', () => {
    const params: ParameterSpec[] = [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0.00001', max: '1', distribution: 'logUniform' },
      },
      int('layers', '1', '32'),
      { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'] } },
    ];
    const f = (a: Assignment): number =>
      (Math.log10(a['lr'] as number) + 3) ** 2 +
      (((a['layers'] as number) - 20) / 8) ** 2 +
      (a['opt'] === 'adam' ? 0 : 1);
    const r = runExperiment(params, f, 150, { seed: 1 });
    expect(r.bestAssignment?.['opt']).toBe('adam');
    expect(r.best).toBeLessThan(0.05);
  });
});

describe('cmaes: robustness and statelessness', () => {
  it('Failed, Killed, EarlyStopped-without-value and MetricsUnavailable trials rank last; the search goes on', () => {
    const phases: TrialPhase[] = ['Failed', 'Killed', 'EarlyStopped', 'MetricsUnavailable'];
    let k = 0;
    const f = (a: Assignment): number | TrialPhase => {
      k++;
      // Every third trial ends without a value; a region of the space always fails.
      if (k % 3 === 0) return phases[k % phases.length]!;
      const [x, y] = vector(a, 2);
      if (x! > 3) return 'Failed';
      return (x! - 1) ** 2 + (y! - 2) ** 2;
    };
    const r = runExperiment(doubles(2), f, 400, { seed: 9 });
    expect(r.assignments).toHaveLength(400);
    expect(r.best).toBeLessThan(1e-6);
  });

  it('the same suggestions whether the history comes in one call each time or cached (long runs, restarts, parallel)', () => {
    const mixed: ParameterSpec[] = [
      double('x0'),
      int('x1', '0', '6'),
      { name: 'c', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b', 'c'] } },
    ];
    const f = (a: Assignment): number | TrialPhase => {
      const v = ((a['x0'] as number) - 1) ** 2 + ((a['x1'] as number) - 2) ** 2 + (a['c'] === 'b' ? 0 : 1);
      return Math.round(v * 7919) % 5 === 1 ? 'Failed' : v;
    };
    for (const [params, budget] of [
      [mixed, 120],
      [[int('x0', '0', '4'), int('x1', '0', '3')], 25],
    ] as const) {
      for (const parallel of [1, 3]) {
        for (const strategy of ['none', 'bipop']) {
          const options = { seed: 5, parallel, settings: [{ name: 'restart_strategy', value: strategy }] };
          const cached = runExperiment(params, f, budget, options);
          const stateless = runExperiment(params, f, budget, { ...options, stateless: true });
          expect(stateless.assignments).toEqual(cached.assignments);
        }
      }
    }
  });

  it('covers a finite space without repeats, then suggests nothing more', () => {
    const r = runExperiment([int('a', '0', '2'), int('b', '0', '1')], () => 1, 10, { parallel: 2 });
    const keys = r.assignments.map((a) => `${a['a']},${a['b']}`);
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
  });

  it('ipop restarts a stalled run with a doubled population (labels show the restart)', () => {
    // A flat objective meets TolFun after 10 + ⌈30n/λ⌉ generations of equal values.
    const r = runExperiment(doubles(2), () => 1, 400, {
      seed: 1,
      settings: [{ name: 'restart_strategy', value: 'ipop' }],
    });
    const perGeneration = new Map<string, number>();
    for (const l of r.labels) {
      const k = `${l['cmaes.katib-ts/run']}/${l['cmaes.katib-ts/generation']}`;
      perGeneration.set(k, (perGeneration.get(k) ?? 0) + 1);
    }
    expect(perGeneration.get('0/0')).toBe(6);
    expect(perGeneration.get('1/0')).toBe(12);
  });

  it('labels every suggestion with its run and generation', () => {
    const r = runExperiment(doubles(2), (a) => vector(a, 2)[0]! ** 2, 13);
    expect(r.labels[0]).toEqual({ 'cmaes.katib-ts/run': '0', 'cmaes.katib-ts/generation': '0' });
    expect(r.labels[6]).toEqual({ 'cmaes.katib-ts/run': '0', 'cmaes.katib-ts/generation': '1' });
  });
});

describe('cmaes: settings and Katib validation (katib-reference §5.5)', () => {
  const two = [double('x'), int('n', '1', '5')];
  const errorsOf = (params: readonly ParameterSpec[], settings: AlgorithmSetting[] = []): unknown =>
    validateAlgorithmSpec(experimentSpec('cmaes', params, settings));

  it('needs two or more int/double parameters', () => {
    expect(errorsOf(two)).toEqual([]);
    const one: ParameterSpec[] = [
      double('x'),
      { name: 'c', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b'] } },
    ];
    expect(errorsOf(one)).toEqual([
      {
        path: 'spec.parameters',
        message: 'CMA-ES only supports two or more dimensional continuous search space.',
      },
    ]);
  });

  it('restart_strategy: none, None, ipop, bipop; anything else is invalid', () => {
    for (const v of ['none', 'None', 'ipop', 'bipop']) {
      expect(errorsOf(two, [{ name: 'restart_strategy', value: v }])).toEqual([]);
    }
    expect(errorsOf(two, [{ name: 'restart_strategy', value: 'IPOP' }])).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[0].value',
        message: "invalid restart_strategy: 'IPOP'",
        value: 'IPOP',
      },
    ]);
  });

  it('sigma must be a positive number; random_state a non-negative integer; other names are unknown', () => {
    expect(errorsOf(two, [{ name: 'sigma', value: '0.3' }])).toEqual([]);
    const messages = (settings: AlgorithmSetting[]): string[] =>
      (errorsOf(two, settings) as { message: string }[]).map((e) => e.message);
    expect(messages([{ name: 'sigma', value: '0' }])).toEqual(['sigma should be greater than zero']);
    expect(messages([{ name: 'sigma', value: 'x' }])).toEqual([
      "failed to validate sigma(x): could not convert string to float: 'x'",
    ]);
    expect(messages([{ name: 'random_state', value: '-2' }])).toEqual([
      'random_state should be great or equal than zero',
    ]);
    expect(messages([{ name: 'popsize', value: '8' }])).toEqual([
      'unknown setting popsize for algorithm cmaes',
    ]);
  });

  it('defaults: σ 1/6 of the unit cube, no restarts', () => {
    const r = builtinAlgorithms.resolve(experimentSpec('cmaes', two));
    expect(r.ok && (r.settings as CmaesSettings)).toEqual({
      randomState: undefined,
      sigma: 1 / 6,
      restartStrategy: 'none',
    });
  });

  it('starts at the centre of the box', () => {
    const spec = experimentSpec('cmaes', doubles(2, '0', '10'));
    const designer = cmaesAlgorithm.create({
      space: toSearchSpace(spec.parameters ?? []),
      objective: spec.objective,
      settings: { randomState: 1, sigma: 1e-9, restartStrategy: 'none' },
      seed: 1,
      experiment: spec,
      maxTrialCount: undefined,
    });
    designer.update({ completed: [], active: [], suggestionCount: 0 });
    const [s] = designer.suggest(1) as Suggestion[];
    expect(s!.assignment['x0']).toBeCloseTo(5, 6);
    expect(s!.assignment['x1']).toBeCloseTo(5, 6);
  });
});

describe('cmaes: end to end through the engine (tune())', () => {
  it('minimises a 3-D function with two trials in parallel, failed trials included', async () => {
    let calls = 0;
    const result = await tune({
      name: 'cmaes-e2e',
      objective: (p) => {
        calls++;
        if (calls % 7 === 0) throw new Error('flaky trial');
        return (Number(p['x']) - 1) ** 2 + (Number(p['y']) + 2) ** 2 + (Number(p['n']) - 3) ** 2;
      },
      parameters: { x: search.double(-5, 5), y: search.double(-5, 5), n: search.int(0, 10) },
      algorithm: { name: 'cmaes', settings: { random_state: 7, restart_strategy: 'ipop' } },
      maxTrialCount: 150,
      maxFailedTrialCount: 100,
      parallelTrialCount: 2,
    });
    expect(result.trials).toHaveLength(150);
    expect(result.status.trialsFailed).toBeGreaterThan(0);
    expect(result.bestTrial?.value).toBeLessThan(1e-3);
    expect(result.bestTrial?.parameters['n']).toBe(3);
  });
});
