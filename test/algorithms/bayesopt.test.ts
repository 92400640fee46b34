import { describe, expect, it } from 'vitest';
import {
  bayesOptAlgorithm,
  compareNames,
  latinHypercube,
  type BayesOptSettings,
} from '../../src/algorithms/bayesopt/index.js';
import { createSpaceCodec } from '../../src/algorithms/codec/space-codec.js';
import { DesignerPolicy, validateAlgorithmSpec } from '../../src/algorithms/index.js';
import { Rng } from '../../src/algorithms/rng.js';
import type { AlgorithmSetting, ParameterSpec } from '../../src/api/experiment.js';
import { toSearchSpace, type Assignment } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { experimentSpec, trialView } from '../arbitraries/search-space.js';

const BRANIN_OPTIMUM = 0.39788735772973816;
const hash = (i: number): number => Math.imul(i + 1, 0x9e3779b1) ^ (i << 7);
const branin = (a: Assignment): number => {
  const x1 = a['x1'] as number;
  const x2 = a['x2'] as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  return (x2 - b * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
};
const BRANIN_SPACE: ParameterSpec[] = [
  { name: 'x1', parameterType: 'double', feasibleSpace: { min: '-5', max: '10' } },
  { name: 'x2', parameterType: 'double', feasibleSpace: { min: '0', max: '15' } },
];

const DEFAULTS: BayesOptSettings = {
  baseEstimator: 'GP',
  nInitialPoints: 10,
  acqFunc: 'gp_hedge',
  acqOptimizer: 'auto',
  randomState: undefined,
};

/** One policy call on `parameters` with `trials` so far. */
function ask(
  parameters: readonly ParameterSpec[],
  trials: readonly TrialView[],
  count: number,
  options: {
    settings?: Partial<BayesOptSettings>;
    seed?: number;
    policy?: DesignerPolicy;
    state?: unknown;
    suggestionCount?: number;
  } = {},
): { assignments: Assignment[]; state: unknown; source: string } {
  const spec = experimentSpec('bayesianoptimization', parameters);
  const policy = options.policy ?? new DesignerPolicy({ cacheSize: 0 });
  const r = policy.suggest({
    definition: bayesOptAlgorithm,
    context: {
      space: toSearchSpace(parameters),
      objective: spec.objective,
      settings: { ...DEFAULTS, ...options.settings },
      seed: options.seed ?? 17,
      experiment: spec,
      maxTrialCount: undefined,
    },
    experimentKey: 'e',
    trials,
    count,
    suggestionCount: options.suggestionCount ?? trials.length,
    ...(options.state !== undefined ? { state: options.state } : {}),
  });
  return { assignments: r.suggestions.map((s) => s.assignment), state: r.state, source: r.source };
}

const assignmentsOf = (a: Assignment): { name: string; value: string }[] =>
  Object.entries(a).map(([name, value]) => ({ name, value: String(value) }));

/** Runs `total` sequential trials of `f` and returns the trials. */
function optimise(
  parameters: readonly ParameterSpec[],
  f: (a: Assignment) => number,
  total: number,
  seed: number,
): TrialView[] {
  const trials: TrialView[] = [];
  const policy = new DesignerPolicy();
  let state: unknown;
  while (trials.length < total) {
    const r = ask(parameters, trials, 1, { seed, policy, state });
    state = r.state;
    const a = r.assignments[0]!;
    trials.push(trialView(`t${trials.length}`, assignmentsOf(a), 'Succeeded', f(a)));
  }
  return trials;
}

const lossOf = (t: TrialView): number => Number(t.observation?.metrics[0]?.latest);

describe('bayesianoptimization: search', () => {
  it("finds Branin's optimum region within 40 trials", () => {
    const trials = optimise(BRANIN_SPACE, branin, 40, 1);
    const best = Math.min(...trials.map(lossOf));
    expect(best - BRANIN_OPTIMUM).toBeLessThan(0.05);
    // The model phase improves on the initial design.
    expect(best).toBeLessThan(Math.min(...trials.slice(0, 10).map(lossOf)));
  });

  it('spreads a batch of 4 out: distinct points, apart from each other and from running trials', () => {
    const history = optimise(BRANIN_SPACE, branin, 12, 2);
    const running = trialView('r0', assignmentsOf({ x1: 3.1, x2: 2.3 }), 'Running');
    for (const acqFunc of ['gp_hedge', 'EI', 'PI', 'LCB'] as const) {
      const { assignments } = ask(BRANIN_SPACE, [...history, running], 4, { settings: { acqFunc } });
      const pts = [...assignments, { x1: 3.1, x2: 2.3 }].map((a) => [
        ((a['x1'] as number) + 5) / 15,
        (a['x2'] as number) / 15,
      ]);
      let minDistance = Infinity;
      for (let i = 0; i < pts.length; i++)
        for (let j = 0; j < i; j++)
          minDistance = Math.min(
            minDistance,
            Math.hypot(pts[i]![0]! - pts[j]![0]!, pts[i]![1]! - pts[j]![1]!),
          );
      expect(minDistance, acqFunc).toBeGreaterThan(1e-3);
    }
  });

  it('gives the same suggestions for a history fed in pieces, out of name order, or at once', () => {
    const history = optimise(BRANIN_SPACE, branin, 14, 3).map((t, i) => ({
      ...t,
      name: `trial-${(i * 7919) % 1000}x`,
    }));
    const running = [trialView('zz-run', assignmentsOf({ x1: 0, x2: 0 }), 'Running')];
    const whole = ask(BRANIN_SPACE, [...history, ...running], 3);
    // Cached designer that saw the trials complete in three rounds, in another order.
    const policy = new DesignerPolicy();
    const shuffled = [...history].reverse();
    let state: unknown;
    const pending = (done: number): TrialView[] =>
      shuffled.map((t, i) =>
        i < done ? t : ({ ...t, phase: 'Running' as const, observation: undefined } as unknown as TrialView),
      );
    for (const done of [5, 9]) {
      const view = [...pending(done), ...running];
      const spec = experimentSpec('bayesianoptimization', BRANIN_SPACE);
      state = policy.suggest({
        definition: bayesOptAlgorithm,
        context: {
          space: toSearchSpace(BRANIN_SPACE),
          objective: spec.objective,
          settings: DEFAULTS,
          seed: 17,
          experiment: spec,
          maxTrialCount: undefined,
        },
        experimentKey: 'e',
        trials: view,
        count: 0,
        suggestionCount: history.length + 1,
        ...(state !== undefined ? { state } : {}),
      }).state;
    }
    const incremental = ask(BRANIN_SPACE, [...shuffled, ...running], 3, { policy, state });
    expect(incremental.source).toBe('cache');
    expect(incremental.assignments).toEqual(whole.assignments);
  });

  it('gives the same suggestions cached or fresh beyond the fit-set limit (memoised fits, reused factor rows)', () => {
    // 150 random trials (> FIT_POINTS = 100): the fit runs on a subset, memoised across calls.
    const rng = Rng.derive(8, 'many');
    const names = Array.from({ length: 150 }, (_, i) => `exp-${(hash(i) >>> 0).toString(36)}`);
    const history = names.map((name) => {
      const a = { x1: -5 + 15 * rng.next(), x2: 15 * rng.next() };
      return trialView(name, assignmentsOf(a), 'Succeeded', branin(a));
    });
    const policy = new DesignerPolicy();
    let state: unknown;
    let suggestionCount = 130;
    for (const n of [130, 140]) {
      state = ask(BRANIN_SPACE, history.slice(0, n), 1, { policy, state, suggestionCount }).state;
      suggestionCount++;
    }
    const cached = ask(BRANIN_SPACE, history, 2, { policy, state, suggestionCount });
    expect(cached.source).toBe('cache');
    const fresh = ask(BRANIN_SPACE, history, 2, { suggestionCount });
    expect(fresh.source).toBe('created');
    expect(cached.assignments).toEqual(fresh.assignments);
  });

  it('handles int, discrete and categorical parameters and never repeats in a small space', () => {
    const parameters: ParameterSpec[] = [
      { name: 'n', parameterType: 'int', feasibleSpace: { min: '1', max: '4' } },
      { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam'] } },
      { name: 'lr', parameterType: 'discrete', feasibleSpace: { list: ['0.1', '0.01'] } },
    ];
    const f = (a: Assignment): number =>
      ((a['n'] as number) - 3) ** 2 + (a['opt'] === 'adam' ? 0 : 1) + (a['lr'] as number);
    const trials = optimise(parameters, f, 16, 5); // the whole space: 4·2·2 = 16 points
    const keys = trials.map((t) => t.parameterAssignments.map((p) => p.value).join('/'));
    expect(new Set(keys).size).toBe(16);
  });

  it('scales only logUniform parameters logarithmically (Katib always does: a quirk we fix)', () => {
    const parameters: ParameterSpec[] = [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0.0001', max: '1', distribution: 'logUniform' },
      },
      { name: 'm', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } },
    ];
    const { assignments } = ask(parameters, [], 10);
    const decades = new Set(assignments.map((a) => Math.floor(Math.log10(a['lr'] as number))));
    expect(decades.size).toBe(4); // 1e-4…1 on log scale: every decade visited by 10 Latin-hypercube points
    // Linear scale on m, which may be 0 (log scale would need m > 0).
    const tenths = new Set(assignments.map((a) => Math.floor((a['m'] as number) * 10)));
    expect(tenths.size).toBe(10);
  });
});

describe('bayesianoptimization: high dimension (coordinate perturbations of the incumbent)', () => {
  const LEVY_SPACE: ParameterSpec[] = Array.from({ length: 10 }, (_, i) => ({
    name: `x${i}`,
    parameterType: 'double' as const,
    feasibleSpace: { min: '-10', max: '10' },
  }));
  const levy = (a: Assignment): number => {
    const w = LEVY_SPACE.map((p) => 1 + ((a[p.name] as number) - 1) / 4);
    const last = w[w.length - 1]!;
    let f = Math.sin(Math.PI * w[0]!) ** 2 + (last - 1) ** 2 * (1 + Math.sin(2 * Math.PI * last) ** 2);
    for (let i = 0; i < w.length - 1; i++)
      f += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
    return f;
  };

  it('proposes the incumbent with a few coordinates changed, and improves on the initial design', () => {
    const trials = optimise(LEVY_SPACE, levy, 30, 1);
    const losses = trials.map(lossOf);
    const best = Math.min(...losses);
    expect(best).toBeLessThan(Math.min(...losses.slice(0, 10)));
    const next = ask(LEVY_SPACE, trials, 1).assignments[0]!;
    const incumbent = trials[losses.indexOf(best)]!;
    const changed = incumbent.parameterAssignments.filter(
      (p) => Math.abs(Number(p.value) - (next[p.name] as number)) > 1e-9,
    ).length;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(changed).toBeLessThan(10);
  });

  it('gives the same suggestions cached or fresh, sequential and in a batch with running trials', () => {
    const trials = optimise(LEVY_SPACE, levy, 16, 2);
    const running = trialView(
      'zz-run',
      assignmentsOf(Object.fromEntries(LEVY_SPACE.map((p) => [p.name, 0]))),
      'Running',
    );
    const fresh = ask(LEVY_SPACE, [...trials, running], 3);
    const policy = new DesignerPolicy();
    const { state } = ask(LEVY_SPACE, trials.slice(0, 14), 1, { policy, suggestionCount: 16 });
    const cached = ask(LEVY_SPACE, [...trials, running], 3, { policy, state });
    expect(cached.source).toBe('cache');
    expect(cached.assignments).toEqual(fresh.assignments);
    expect(new Set(fresh.assignments.map((a) => JSON.stringify(a))).size).toBe(3);
  });
});

describe('bayesianoptimization: initial design', () => {
  it('is a Latin hypercube: one point per stratum of every parameter', () => {
    const codec = createSpaceCodec(toSearchSpace(BRANIN_SPACE));
    const pts = latinHypercube(codec, 8, Rng.derive(1, 'lhs'));
    for (let j = 0; j < 2; j++) expect(new Set(pts.map((p) => Math.floor(p[j]! * 8))).size).toBe(8);
  });

  it('orders trial names shortest first, so t9 < t10', () => {
    expect(['t10', 't9', 'a', 't1'].sort(compareNames)).toEqual(['a', 't1', 't9', 't10']);
  });
});

describe('bayesianoptimization: settings (Katib names, defaults and messages)', () => {
  const validate = (settings: AlgorithmSetting[]) =>
    validateAlgorithmSpec(experimentSpec('bayesianoptimization', BRANIN_SPACE, settings));
  const at = (i: number, field: 'name' | 'value'): string =>
    `spec.algorithm.algorithmSettings[${i}].${field}`;

  it('accepts the defaults and every documented value', () => {
    expect(validate([])).toEqual([]);
    for (const [name, values] of [
      ['base_estimator', ['GP', 'RF', 'ET', 'GBRT']],
      ['acq_func', ['gp_hedge', 'LCB', 'EI', 'PI', 'EIps', 'PIps']],
      ['acq_optimizer', ['auto', 'sampling', 'lbfgs']],
      ['n_initial_points', ['0', '25']],
      ['random_state', ['0', '42']],
    ] as const)
      for (const value of values) expect(validate([{ name, value }]), `${name}=${value}`).toEqual([]);
    expect(
      Object.fromEntries(
        Object.values(bayesOptAlgorithm.settings).map((d: { name: string; default: unknown }) => [
          d.name,
          d.default,
        ]),
      ),
    ).toEqual({
      base_estimator: 'GP',
      n_initial_points: 10,
      acq_func: 'gp_hedge',
      acq_optimizer: 'auto',
      random_state: undefined,
    });
  });

  it.each([
    [
      { name: 'base_estimator', value: 'SVM' },
      'base_estimator SVM is not supported in Bayesian optimization',
    ],
    [{ name: 'n_initial_points', value: '-1' }, 'n_initial_points should be great or equal than zero'],
    [{ name: 'acq_func', value: 'UCB' }, 'acq_func UCB is not supported in Bayesian optimization'],
    [
      { name: 'acq_optimizer', value: 'adam' },
      'acq_optimizer adam is not supported in Bayesian optimization',
    ],
    [{ name: 'random_state', value: '-3' }, 'random_state should be great or equal than zero'],
  ])("rejects %o with Katib's message", (setting, message) => {
    expect(validate([setting])).toEqual([{ path: at(0, 'value'), message, value: setting.value }]);
  });

  it('rejects unknown settings and log scale on min ≤ 0', () => {
    expect(validate([{ name: 'kappa', value: '2' }])).toEqual([
      {
        path: at(0, 'name'),
        message: 'unknown setting kappa for algorithm bayesianoptimization',
        value: 'kappa',
      },
    ]);
    const spec = experimentSpec('bayesianoptimization', [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0', max: '1', distribution: 'logUniform' },
      },
    ]);
    expect(validateAlgorithmSpec(spec)).toEqual([
      {
        path: 'spec.parameters[0].feasibleSpace.min',
        message: 'must be greater than 0 for distribution logUniform',
        value: '0',
      },
    ]);
  });

  it('runs with every acquisition and optimiser setting', () => {
    const history = optimise(BRANIN_SPACE, branin, 6, 4);
    for (const acqFunc of ['EIps', 'PIps', 'LCB'] as const)
      for (const acqOptimizer of ['sampling', 'lbfgs'] as const) {
        const { assignments } = ask(BRANIN_SPACE, history, 2, {
          settings: { acqFunc, acqOptimizer, nInitialPoints: 3 },
        });
        expect(assignments).toHaveLength(2);
      }
  });
});
