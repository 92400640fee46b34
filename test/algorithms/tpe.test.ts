import { describe, expect, it } from 'vitest';
import {
  DesignerPolicy,
  randomAlgorithm,
  parseSettings,
  validateAlgorithmSpec,
  type Designer,
} from '../../src/algorithms/index.js';
import type { CompletedTrial } from '../../src/algorithms/designer.js';
import {
  multivariateTpeAlgorithm,
  multivariateTpeSettings,
  tpeAlgorithm,
  tpeSettings,
  TpeDesigner,
  tpeOptions,
  type MultivariateTpeSettings,
  type TpeSettings,
} from '../../src/algorithms/tpe/index.js';
import type { AlgorithmSetting, ParameterSpec } from '../../src/api/experiment.js';
import { toSearchSpace, type Assignment, type SearchSpace } from '../../src/api/search-space.js';
import { experimentSpec, trialView } from '../arbitraries/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';

const doubles = (n: number, min = -5, max = 5): ParameterSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `x${i}`,
    parameterType: 'double',
    feasibleSpace: { min: String(min), max: String(max) },
  }));

function settingsOf<S extends object>(
  spec: Parameters<typeof parseSettings<S>>[0],
  name: string,
  list: AlgorithmSetting[] = [],
): S {
  const r = parseSettings<S>(spec, name, list);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

function makeDesigner(
  name: 'tpe' | 'multivariate-tpe' | 'random',
  parameters: ParameterSpec[],
  seed: number,
  settings: AlgorithmSetting[] = [],
): Designer {
  const experiment = experimentSpec(name, parameters, settings);
  const base = {
    space: toSearchSpace(parameters),
    objective: experiment.objective,
    seed,
    experiment,
    maxTrialCount: undefined,
  };
  if (name === 'tpe')
    return tpeAlgorithm.create({ ...base, settings: settingsOf<TpeSettings>(tpeSettings, name, settings) });
  if (name === 'multivariate-tpe')
    return multivariateTpeAlgorithm.create({
      ...base,
      settings: settingsOf<MultivariateTpeSettings>(multivariateTpeSettings, name, settings),
    });
  return randomAlgorithm.create({ ...base, settings: { randomState: seed } });
}

const completed = (
  name: string,
  assignment: Assignment,
  objective: number,
  phase: CompletedTrial['phase'] = 'Succeeded',
): CompletedTrial => ({
  name,
  assignment,
  labels: {},
  phase,
  objective,
});

const sphere = (a: Assignment): number =>
  Object.values(a).reduce<number>((s, v) => s + (Number(v) - 1.3) ** 2, 0);

/** Best value after `trials` sequential suggestions. */
function run(d: Designer, f: (a: Assignment) => number, trials: number): number {
  let best = Infinity;
  let pending: CompletedTrial[] = [];
  for (let i = 0; i < trials; i++) {
    d.update({ completed: pending, active: [], suggestionCount: i });
    const [s] = d.suggest(1);
    const v = f(s!.assignment);
    best = Math.min(best, v);
    pending = [completed(`t${i}`, s!.assignment, v)];
  }
  return best;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('tpe and multivariate-tpe settings', () => {
  const cases: [string, AlgorithmSetting[], string, string][] = [
    [
      'tpe',
      [{ name: 'gamma', value: '1' }],
      'spec.algorithm.algorithmSettings[0].value',
      'gamma should be in the range of (0, 1)',
    ],
    [
      'tpe',
      [{ name: 'gamma', value: '0' }],
      'spec.algorithm.algorithmSettings[0].value',
      'gamma should be in the range of (0, 1)',
    ],
    [
      'tpe',
      [{ name: 'prior_weight', value: '0' }],
      'spec.algorithm.algorithmSettings[0].value',
      'prior_weight should be great than zero',
    ],
    [
      'tpe',
      [{ name: 'n_EI_candidates', value: '0' }],
      'spec.algorithm.algorithmSettings[0].value',
      'n_EI_candidates should be great than zero',
    ],
    [
      'tpe',
      [{ name: 'n_ei_candidates', value: '-1' }],
      'spec.algorithm.algorithmSettings[0].value',
      'n_ei_candidates should be greate or equal than zero',
    ],
    [
      'tpe',
      [{ name: 'n_startup_trials', value: '-1' }],
      'spec.algorithm.algorithmSettings[0].value',
      'n_startup_trials should be greate or equal than zero',
    ],
    [
      'tpe',
      [{ name: 'random_state', value: '-3' }],
      'spec.algorithm.algorithmSettings[0].value',
      'random_state should be great or equal than zero',
    ],
    [
      'tpe',
      [{ name: 'seed', value: '3' }],
      'spec.algorithm.algorithmSettings[0].name',
      'unknown setting seed for algorithm tpe',
    ],
    [
      'multivariate-tpe',
      [{ name: 'n_startup_trials', value: '-1' }],
      'spec.algorithm.algorithmSettings[0].value',
      'n_startup_trials should be greate or equal than zero',
    ],
    [
      'multivariate-tpe',
      [{ name: 'n_ei_candidates', value: '-2' }],
      'spec.algorithm.algorithmSettings[0].value',
      'n_ei_candidates should be greate or equal than zero',
    ],
    [
      'multivariate-tpe',
      [{ name: 'random_state', value: '-1' }],
      'spec.algorithm.algorithmSettings[0].value',
      'random_state should be greate or equal than zero',
    ],
    [
      'multivariate-tpe',
      [{ name: 'gamma', value: '0.2' }],
      'spec.algorithm.algorithmSettings[0].name',
      'unknown setting gamma for algorithm multivariate-tpe',
    ],
  ];
  for (const [name, settings, path, message] of cases) {
    it(`${name}: ${JSON.stringify(settings)} → ${message}`, () => {
      const errors = validateAlgorithmSpec(experimentSpec(name, doubles(2), settings));
      expect(errors).toEqual([expect.objectContaining({ path, message })]);
    });
  }

  it('accepts every documented setting', () => {
    const tpe = [
      { name: 'gamma', value: '0.25' },
      { name: 'prior_weight', value: '0.5' },
      { name: 'n_EI_candidates', value: '48' },
      { name: 'n_ei_candidates', value: '0' },
      { name: 'n_startup_trials', value: '0' },
      { name: 'random_state', value: '7' },
    ];
    expect(validateAlgorithmSpec(experimentSpec('tpe', doubles(2), tpe))).toEqual([]);
    const mv = [
      { name: 'n_ei_candidates', value: '10' },
      { name: 'n_startup_trials', value: '3' },
      { name: 'random_state', value: '0' },
    ];
    expect(validateAlgorithmSpec(experimentSpec('multivariate-tpe', doubles(2), mv))).toEqual([]);
  });

  it('resolves the candidate count and the split from the settings', () => {
    const s = settingsOf<TpeSettings>(tpeSettings, 'tpe', [
      { name: 'n_ei_candidates', value: '5' },
      { name: 'gamma', value: '0.25' },
    ]);
    const o = tpeOptions(s);
    expect(o.nEiCandidates).toBe(5);
    expect(o.gamma(100)).toBe(3);
    const d = tpeOptions(settingsOf<TpeSettings>(tpeSettings, 'tpe'));
    expect([d.nEiCandidates, d.nStartupTrials, d.priorWeight, d.gamma(100)]).toEqual([24, 10, 1, 10]);
  });

  it('rejects log scale with min <= 0', () => {
    const p: ParameterSpec[] = [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0', max: '1', distribution: 'logUniform' },
      },
    ];
    expect(validateAlgorithmSpec(experimentSpec('tpe', p))).toEqual([
      expect.objectContaining({ path: 'spec.parameters[0].feasibleSpace.min' }),
    ]);
  });
});

describe('tpe search', () => {
  // Nine seeds; the medians are far apart (TPE ≈ 0.05–0.3, random ≈ 2–3 at 60 trials in 4-D), so
  // a failure means a real regression, not bad luck.
  for (const name of ['tpe', 'multivariate-tpe'] as const) {
    it(`${name} beats random search on a 4-D sphere (median of 9 seeds)`, () => {
      const params = doubles(4);
      const ours = Array.from({ length: 9 }, (_, s) => run(makeDesigner(name, params, s + 1), sphere, 60));
      const random = Array.from({ length: 9 }, (_, s) =>
        run(makeDesigner('random', params, s + 1), sphere, 60),
      );
      expect(median(ours)).toBeLessThan(median(random) / 3);
    });
  }

  it('handles log, int, discrete and categorical parameters, feasibly and better than random', () => {
    const params: ParameterSpec[] = [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0.0001', max: '1', distribution: 'logUniform' },
      },
      { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '9', step: '2' } },
      { name: 'batch', parameterType: 'discrete', feasibleSpace: { list: ['16', '32', '64', '128'] } },
      { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'] } },
    ];
    // Best: lr = 0.01, layers = 5, batch = 64, opt = adam.
    const f = (a: Assignment): number =>
      (Math.log10(Number(a['lr'])) + 2) ** 2 +
      (Number(a['layers']) - 5) ** 2 / 4 +
      Math.abs(Math.log2(Number(a['batch'])) - 6) +
      (a['opt'] === 'adam' ? 0 : 1);
    const feasible = (a: Assignment): number => {
      expect(Number(a['lr'])).toBeGreaterThanOrEqual(1e-4);
      expect(Number(a['lr'])).toBeLessThanOrEqual(1);
      expect([1, 3, 5, 7, 9]).toContain(a['layers']);
      expect([16, 32, 64, 128]).toContain(a['batch']);
      expect(['sgd', 'adam', 'rmsprop']).toContain(a['opt']);
      return f(a);
    };
    // Random search's median best of 50 trials is ≈ 1.0 (2000 simulated runs; 10th percentile ≈ 0.05).
    for (const name of ['tpe', 'multivariate-tpe'] as const) {
      const bests = Array.from({ length: 7 }, (_, s) => run(makeDesigner(name, params, s + 1), feasible, 50));
      expect(median(bests), name).toBeLessThan(0.1);
    }
  });

  it('spreads a batch with the constant liar (wider than the same streams without liars)', () => {
    for (const name of ['tpe', 'multivariate-tpe'] as const) {
      const params = doubles(2);
      const d = makeDesigner(name, params, 11);
      const history = Array.from({ length: 30 }, (_, i) => {
        const a = { x0: ((i * 7) % 30) / 3 - 5, x1: ((i * 11) % 30) / 3 - 5 };
        return completed(`h${i}`, a, sphere(a));
      });
      d.update({ completed: history, active: [], suggestionCount: 30 });
      const batch = d.suggest(8).map((s) => s.assignment);
      // The same eight random streams, each alone (no earlier suggestion to lie about).
      const alone = Array.from({ length: 8 }, (_, i) => {
        d.update({ completed: [], active: [], suggestionCount: 30 + i });
        return d.suggest(1)[0]!.assignment;
      });
      const spread = (pts: Assignment[]): number => {
        let s = 0;
        for (const a of pts)
          for (const b of pts)
            s += Math.hypot(Number(a['x0']) - Number(b['x0']), Number(a['x1']) - Number(b['x1']));
        return s;
      };
      expect(batch[0]).toEqual(alone[0]);
      expect(spread(batch)).toBeGreaterThan(spread(alone));
    }
  });

  it('learns from Succeeded and EarlyStopped trials, never from Failed ones, and never repeats them', () => {
    const params = doubles(1, 0, 1);
    const space: SearchSpace = toSearchSpace(params);
    const objective = { type: 'minimize' as const, objectiveMetricName: 'loss' };
    const options = { ...tpeOptions(settingsOf<TpeSettings>(tpeSettings, 'tpe')), nStartupTrials: 0 };
    const fed = (trials: CompletedTrial[]): TpeDesigner => {
      const designer = new TpeDesigner(space, objective, 1, options);
      designer.update({ completed: trials, active: [], suggestionCount: 4 });
      return designer;
    };
    const a = completed('a', { x0: 0.1 }, 1);
    const b = completed('b', { x0: 0.2 }, 2, 'EarlyStopped');
    const failed = completed('c', { x0: 0.3 }, 0, 'Failed');
    const infinite = completed('d', { x0: 0.4 }, Infinity);
    const all = fed([a, b, failed, infinite]).suggest(3);
    // The Failed trial teaches nothing: the same suggestions as without it…
    expect(fed([a, b, infinite]).suggest(3)).toEqual(all);
    // …while the EarlyStopped one and the infinite loss do count, and a value for c would too.
    expect(fed([a, infinite]).suggest(3)).not.toEqual(all);
    expect(fed([a, b]).suggest(3)).not.toEqual(all);
    expect(fed([a, b, completed('c', { x0: 0.3 }, 0), infinite]).suggest(3)).not.toEqual(all);
    // A completed trial's point is never suggested again, even one that taught nothing.
    const one = new TpeDesigner(
      toSearchSpace([{ name: 'k', parameterType: 'int', feasibleSpace: { min: '1', max: '3' } }]),
      objective,
      1,
      options,
    );
    one.update({
      completed: [completed('p', { k: 1 }, 0, 'Failed'), completed('q', { k: 2 }, 1)],
      active: [],
      suggestionCount: 2,
    });
    expect(one.suggest(1)).toEqual([{ assignment: { k: 3 } }]);
  });

  it('gives identical suggestions past 25 observations whether fed at once (as the policy replays) or one by one', () => {
    const params: ParameterSpec[] = [
      ...doubles(2),
      { name: 'k', parameterType: 'int', feasibleSpace: { min: '1', max: '20' } },
      { name: 'c', parameterType: 'categorical', feasibleSpace: { list: ['a', 'b', 'c'] } },
    ];
    const space = toSearchSpace(params);
    const objective = { type: 'minimize' as const, objectiveMetricName: 'loss' };
    for (const options of [
      tpeOptions(settingsOf<TpeSettings>(tpeSettings, 'tpe')),
      {
        ...tpeOptions(settingsOf<TpeSettings>(tpeSettings, 'tpe')),
        multivariate: true,
        name: 'multivariate-tpe',
      },
    ]) {
      const history = Array.from({ length: 60 }, (_, i) => {
        const a = {
          x0: ((i * 37) % 100) / 10 - 5,
          x1: ((i * 53) % 100) / 10 - 5,
          k: 1 + ((i * 7) % 20),
          c: 'abc'[i % 3]!,
        };
        return completed(
          `h${i}`,
          a,
          sphere({ x0: a.x0, x1: a.x1 }) + a.k / 10,
          i % 9 === 4 ? 'Failed' : 'Succeeded',
        );
      });
      const active = [{ name: 'r', assignment: { x0: 1, x1: 1, k: 3, c: 'b' }, labels: {} }];
      const atOnce = new TpeDesigner(space, objective, 9, options);
      atOnce.update({ completed: history, active, suggestionCount: 61 });
      const oneByOne = new TpeDesigner(space, objective, 9, options);
      history.forEach((t, i) => oneByOne.update({ completed: [t], active: [], suggestionCount: i }));
      oneByOne.update({ completed: [], active, suggestionCount: 61 });
      const expected = atOnce.suggest(3);
      expect(oneByOne.suggest(3)).toEqual(expected);
    }
  });

  it('a restarted policy replays the order trials completed in, not the list order (parallel runs)', () => {
    const params = doubles(3);
    const space = toSearchSpace(params);
    for (const [name, definition] of [
      ['tpe', tpeAlgorithm],
      ['multivariate-tpe', multivariateTpeAlgorithm],
    ] as const) {
      const spec = experimentSpec(name, params, [{ name: 'n_startup_trials', value: '3' }]);
      const context = {
        space,
        objective: spec.objective,
        seed: 5,
        experiment: spec,
        maxTrialCount: undefined,
        settings:
          name === 'tpe'
            ? settingsOf<TpeSettings>(tpeSettings, name, [{ name: 'n_startup_trials', value: '3' }])
            : settingsOf<MultivariateTpeSettings>(multivariateTpeSettings, name, [
                { name: 'n_startup_trials', value: '3' },
              ]),
      };
      const live = new DesignerPolicy();
      let trials: TrialView[] = [];
      let state: unknown;
      let handedOut = 0;
      const ask = (policy: DesignerPolicy, count: number) =>
        policy.suggest({
          definition,
          context,
          experimentKey: name,
          trials,
          count,
          suggestionCount: handedOut,
          ...(state !== undefined ? { state } : {}),
        });
      for (let round = 0; round < 12; round++) {
        const fromCache = ask(live, 2);
        // A restarted service given the saved state agrees with the live one at every round.
        const fromState = ask(new DesignerPolicy(), 2);
        expect(fromState.suggestions).toEqual(fromCache.suggestions);
        if (round > 0) expect(fromState.source).toBe('restored');
        state = fromCache.state;
        trials = [
          ...trials,
          ...fromCache.suggestions.map((s, i) =>
            trialView(
              `t${handedOut + i}`,
              Object.entries(s.assignment).map(([k, v]) => ({ name: k, value: String(v) })),
              'Running',
            ),
          ),
        ];
        handedOut += fromCache.suggestions.length;
        // The newest running trial completes at once and the oldest a round later, so the order
        // of arrival (t1, t3, t0, t5, t2, …) differs from the list order.
        const runningNames = trials.filter((t) => t.phase === 'Running').map((t) => t.name);
        const finishing = new Set([
          runningNames[runningNames.length - 1]!,
          ...(runningNames.length > 2 ? [runningNames[0]!] : []),
        ]);
        trials = trials.map((t) =>
          finishing.has(t.name)
            ? trialView(
                t.name,
                t.parameterAssignments,
                'Succeeded',
                sphere(Object.fromEntries(t.parameterAssignments.map((a) => [a.name, a.value]))),
              )
            : t,
        );
      }
      expect((state as { seen: string[] }).seen.length).toBeGreaterThan(10);
      expect((state as { designer?: unknown }).designer).toBeUndefined();
    }
  });

  it('maximises by minimising the negated objective', () => {
    const params = doubles(2);
    const experiment = experimentSpec('multivariate-tpe', params, [], {
      objective: { type: 'maximize', objectiveMetricName: 'score' },
    });
    const d = multivariateTpeAlgorithm.create({
      space: toSearchSpace(params),
      objective: experiment.objective,
      settings: settingsOf<MultivariateTpeSettings>(multivariateTpeSettings, 'multivariate-tpe'),
      seed: 3,
      experiment,
      maxTrialCount: undefined,
    });
    const best = -run(d, (a) => -sphere(a), 60);
    expect(best).toBeGreaterThan(-1);
  });
});
