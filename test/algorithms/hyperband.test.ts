import { describe, expect, it } from 'vitest';
import { findAlgorithm, validateAlgorithmSpec } from '../../src/algorithms/index.js';
import {
  bracketPlan,
  floorLog,
  HYPERBAND_LABELS as L,
  maxBracketIndex,
  minimumParallelTrials,
  planTrialCount,
} from '../../src/algorithms/hyperband/index.js';
import type { AlgorithmState } from '../../src/api/algorithm-state.js';
import type { AlgorithmSetting, ExperimentSpec, ParameterSpec } from '../../src/api/experiment.js';
import { toSearchSpace } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { InProcessSuggestionService } from '../../src/suggestion/index.js';
import { experimentOf, experimentSpec } from '../arbitraries/search-space.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';

const epochs: ParameterSpec = {
  name: 'epochs',
  parameterType: 'int',
  feasibleSpace: { min: '1', max: '81' },
};
const x: ParameterSpec = { name: 'x', parameterType: 'double', feasibleSpace: { min: '-2', max: '2' } };
const opt: ParameterSpec = {
  name: 'opt',
  parameterType: 'categorical',
  feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'] },
};

const settings = (rl: string, eta?: string, extra: AlgorithmSetting[] = []): AlgorithmSetting[] => [
  { name: 'r_l', value: rl },
  { name: 'resource_name', value: 'epochs' },
  ...(eta !== undefined ? [{ name: 'eta', value: eta }] : []),
  ...extra,
];

function spec(
  s: readonly AlgorithmSetting[],
  parallelTrialCount: number,
  parameters: readonly ParameterSpec[] = [x, opt, epochs],
): ExperimentSpec {
  return experimentSpec('hyperband', parameters, s, { parallelTrialCount });
}

/** Loss of a trial: better with x near 0.5 and with more epochs (a learning curve). */
function lossOf(values: Readonly<Record<string, string>>): number {
  const xv = Number(values['x']);
  const e = Number(values['epochs']);
  const bonus = values['opt'] === 'adam' ? 0 : 0.05;
  return (xv - 0.5) ** 2 + bonus + 1 / e;
}

const valuesOf = (t: {
  parameterAssignments: readonly { name: string; value: string }[];
}): Record<string, string> => Object.fromEntries(t.parameterAssignments.map((a) => [a.name, a.value]));

type Mode = 'cached' | 'restored' | 'stateless';

interface Run {
  /** Every trial created, in creation order (final phases). */
  readonly trials: readonly TrialView[];
  /** Per call: requested count, the suggestions as text, and for a short reply its `exhausted`. */
  readonly calls: readonly {
    readonly asked: number;
    readonly got: readonly string[];
    readonly exhausted: boolean | undefined;
  }[];
}

/**
 * Drives an experiment through the in-process service as the controller would: ask for the free
 * slots, create trials with the suggested labels, then finish the `finishPerRound` oldest active
 * trials (every `failEvery`-th fails). A short reply that is not exhausted waits; after an
 * exhausted one nothing more is asked, and the run stops once nothing is active.
 */
async function simulate(
  s: ExperimentSpec,
  opts: { mode: Mode; seed: number; finishPerRound: number; failEvery?: number; maxCalls?: number },
): Promise<Run> {
  const experiment = experimentOf(s);
  const shared = new InProcessSuggestionService({ seedSource: () => opts.seed });
  let trials: TrialView[] = [];
  let state: AlgorithmState | undefined;
  let handedOut = 0;
  let finished = 0;
  const calls: { asked: number; got: string[]; exhausted: boolean | undefined }[] = [];
  let ended = false;
  for (let call = 0; call < (opts.maxCalls ?? 500); call++) {
    const active = trials.filter((t) => t.phase === 'Running');
    const asked = s.parallelTrialCount - active.length;
    if (asked > 0 && !ended) {
      const service =
        opts.mode === 'cached' ? shared : new InProcessSuggestionService({ seedSource: () => opts.seed });
      const reply = await service.getSuggestions({
        experiment,
        trials,
        currentRequestNumber: asked,
        totalRequestNumber: handedOut + asked,
        ...(opts.mode !== 'stateless' && state ? { state } : {}),
      });
      state = reply.state;
      const short = reply.assignments.length < asked;
      calls.push({
        asked,
        exhausted: short ? (reply.exhausted ?? true) : undefined,
        got: reply.assignments.map(
          (a) =>
            `${a.parameterAssignments.map((p) => `${p.name}=${p.value}`).join(',')} ${JSON.stringify(a.labels)}`,
        ),
      });
      if (short && reply.exhausted !== false) ended = true;
      for (const a of reply.assignments) {
        trials.push({
          name: `t${handedOut++}`,
          parameterAssignments: a.parameterAssignments,
          labels: a.labels ?? {},
          phase: 'Running',
        });
      }
    }
    const running = trials.filter((t) => t.phase === 'Running');
    if (ended && running.length === 0) break;
    const done = new Set(running.slice(0, opts.finishPerRound).map((t) => t.name));
    trials = trials.map((t) => {
      if (!done.has(t.name)) return t;
      finished++;
      if (opts.failEvery !== undefined && finished % opts.failEvery === 0) return { ...t, phase: 'Failed' };
      const loss = String(lossOf(valuesOf(t)));
      return {
        ...t,
        phase: 'Succeeded',
        observation: { metrics: [{ name: 'loss', min: loss, max: loss, latest: loss }] },
      };
    });
  }
  return { trials, calls };
}

describe('hyperband bracket arithmetic', () => {
  it('matches Table 1 of Li et al. (2018) for R = 81, eta = 3', () => {
    const table = bracketPlan(81, 3).map((b) => [b.s, b.rungs.map((r) => [r.configurations, r.resource])]);
    expect(table).toEqual([
      [
        4,
        [
          [81, 1],
          [27, 3],
          [9, 9],
          [3, 27],
          [1, 81],
        ],
      ],
      [
        3,
        [
          [34, 3],
          [11, 9],
          [3, 27],
          [1, 81],
        ],
      ],
      [
        2,
        [
          [15, 9],
          [5, 27],
          [1, 81],
        ],
      ],
      [
        1,
        [
          [8, 27],
          [2, 81],
        ],
      ],
      [0, [[5, 81]]],
    ]);
    expect(planTrialCount(bracketPlan(81, 3))).toBe(
      81 + 27 + 9 + 3 + 1 + 34 + 11 + 3 + 1 + 15 + 5 + 1 + 8 + 2 + 5,
    );
  });

  it('computes s_max exactly where log(R)/log(eta) rounds down', () => {
    expect(Math.trunc(Math.log(1000) / Math.log(10))).toBe(2); // Katib's formula loses a bracket
    expect(maxBracketIndex(1000, 10)).toBe(3);
    expect(maxBracketIndex(4913, 17)).toBe(3);
    expect(maxBracketIndex(243, 3)).toBe(5);
    expect(maxBracketIndex(80.9, 3)).toBe(3);
    expect(maxBracketIndex(0.5, 3)).toBe(0);
    expect(floorLog(8, 2)).toBe(3);
    expect(minimumParallelTrials(81, 3)).toBe(81);
    expect(minimumParallelTrials(9, 2)).toBe(8);
    expect(() => floorLog(8, 1)).toThrow(/eta/);
  });

  it('gives fractional rung resources for R that is not a power of eta', () => {
    const b = bracketPlan(10, 3)[0]!;
    expect(b.s).toBe(2);
    expect(b.rungs.map((r) => r.configurations)).toEqual([9, 3, 1]);
    expect(b.rungs[0]!.resource).toBeCloseTo(10 / 9, 12);
    expect(b.rungs[2]!.resource).toBe(10);
  });
});

describe('hyperband settings', () => {
  const errorsOf = (s: ExperimentSpec): { path: string; message: string }[] =>
    validateAlgorithmSpec(s).map(({ path, message }) => ({ path, message }));

  it('accepts a valid experiment', () => {
    expect(errorsOf(spec(settings('9'), 9))).toEqual([]);
    expect(errorsOf(spec(settings('4', '2'), 4))).toEqual([]);
  });

  it("reports Katib's messages at their field paths", () => {
    expect(errorsOf(spec([{ name: 'eta', value: '3' }], 9))).toEqual([
      { path: 'spec.algorithm.algorithmSettings', message: 'r_l and resource_name must be set.' },
    ]);
    for (const bad of ['-1', '0', 'abc', '']) {
      expect(errorsOf(spec(settings(bad), 9))).toEqual([
        {
          path: 'spec.algorithm.algorithmSettings[0].value',
          message: 'r_l must be a positive float number.',
        },
      ]);
    }
    expect(
      errorsOf(
        spec(
          [
            { name: 'r_l', value: '9' },
            { name: 'resource_name', value: 'steps' },
          ],
          9,
        ),
      ),
    ).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[1].value',
        message: 'value of resource_name setting must be in parameters.',
      },
    ]);
    expect(errorsOf(spec(settings('81'), 80))).toEqual([
      { path: 'spec.parallelTrialCount', message: 'parallelTrialCount must be not less than 81.' },
    ]);
    expect(errorsOf(spec(settings('9', '2'), 7))).toEqual([
      { path: 'spec.parallelTrialCount', message: 'parallelTrialCount must be not less than 8.' },
    ]);
    expect(errorsOf(spec(settings('9', '1'), 9))).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[2].value',
        message: 'failed to validate eta(1): eta must be at least 2',
      },
    ]);
    expect(
      errorsOf(
        spec(settings('9'), 9, [
          x,
          { name: 'epochs', parameterType: 'categorical', feasibleSpace: { list: ['1', '9'] } },
        ]),
      ),
    ).toEqual([
      {
        path: 'spec.parameters[1].parameterType',
        message: 'the resource parameter epochs of algorithm hyperband must be int or double',
      },
    ]);
  });

  it('reads eta as Katib does: int(float(text)), <= 0 meaning 3', () => {
    const eta = (text: string): unknown => {
      const r = findAlgorithm('hyperband')!.settings as Record<string, { parse(t: string): unknown }>;
      return r['eta']!.parse(text);
    };
    expect(eta('2.7')).toEqual({ ok: true, value: 2 });
    expect(eta('0')).toEqual({ ok: true, value: 3 });
    expect(eta('-4')).toEqual({ ok: true, value: 3 });
    expect(eta('x')).toEqual({
      ok: false,
      message: "failed to validate eta(x): could not convert string to float: 'x'",
    });
  });
});

describe('hyperband designer', () => {
  const small = spec(settings('9'), 9); // s_max = 2: brackets 9@1 → 3@3 → 1@9, 5@3 → 1@9, 3@9

  it('runs every bracket, promotes the best 1/eta with the larger resource, and then ends', async () => {
    const run = await simulate(small, { mode: 'cached', seed: 7, finishPerRound: 2 });
    const plan = bracketPlan(9, 3);
    expect(run.trials.length).toBe(planTrialCount(plan));
    expect(run.trials.every((t) => t.phase === 'Succeeded')).toBe(true);
    const rungOf = (s: number, i: number): TrialView[] =>
      run.trials.filter((t) => t.labels[L.bracket] === String(s) && t.labels[L.rung] === String(i));
    for (const b of plan) {
      b.rungs.forEach((r, i) => {
        const rung = rungOf(b.s, i);
        expect(rung.length, `bracket ${b.s} rung ${i}`).toBe(r.configurations);
        for (const t of rung) expect(valuesOf(t)['epochs']).toBe(String(r.resource));
        if (i === 0) {
          expect(rung.every((t) => t.labels[L.parent] === undefined)).toBe(true);
          return;
        }
        // The promoted ones are exactly the best of the rung below, and keep their configuration.
        const below = rungOf(b.s, i - 1);
        const loss = (t: TrialView): number => Number(t.observation!.metrics[0]!.latest);
        const best = [...below].sort((a, c) => loss(a) - loss(c)).slice(0, r.configurations);
        expect(new Set(rung.map((t) => t.labels[L.parent]))).toEqual(new Set(best.map((t) => t.name)));
        for (const t of rung) {
          const parent = below.find((p) => p.name === t.labels[L.parent])!;
          expect(t.labels[L.config]).toBe(parent.labels[L.config]);
          const { epochs: _a, ...mine } = valuesOf(t);
          const { epochs: _b, ...theirs } = valuesOf(parent);
          expect(mine).toEqual(theirs);
          expect(Number(valuesOf(t)['epochs'])).toBeGreaterThan(Number(valuesOf(parent)['epochs']));
        }
      });
    }
    // Short replies wait (exhausted: false) until the last rung of the last bracket is handed out;
    // the call after that says the search is over, and it is the last call.
    const end = run.calls.findIndex((c) => c.exhausted === true);
    expect(end).toBe(run.calls.length - 1);
    expect(run.calls.slice(0, end).some((c) => c.exhausted === false)).toBe(true);
    expect(run.calls.slice(0, end).every((c) => c.exhausted !== true)).toBe(true);
  });

  it('never starts a rung before the rung below has finished (synchronous halving)', async () => {
    const run = await simulate(small, { mode: 'cached', seed: 3, finishPerRound: 1 });
    // Replay creation order against completion: a promoted trial is created after all of the rung below.
    const created = run.trials.map((t) => t.name);
    for (const t of run.trials) {
      if (t.labels[L.parent] === undefined) continue;
      const parent = run.trials.find((p) => p.name === t.labels[L.parent])!;
      const siblings = run.trials.filter(
        (p) => p.labels[L.bracket] === parent.labels[L.bracket] && p.labels[L.rung] === parent.labels[L.rung],
      );
      for (const sib of siblings) expect(created.indexOf(sib.name)).toBeLessThan(created.indexOf(t.name));
    }
  });

  it('gives the same suggestions cached, restored from its dump, and stateless (restart mid-bracket)', async () => {
    for (const seed of [1, 2]) {
      const opts = { seed, finishPerRound: 3, failEvery: 4 };
      const cached = await simulate(small, { ...opts, mode: 'cached' });
      const restored = await simulate(small, { ...opts, mode: 'restored' });
      const stateless = await simulate(small, { ...opts, mode: 'stateless' });
      expect(restored.calls).toEqual(cached.calls);
      expect(stateless.calls).toEqual(cached.calls);
      expect(cached.calls.length).toBeGreaterThan(5);
    }
  });

  it('continues a bracket after a restart exactly where it left off', async () => {
    const full = await simulate(small, { mode: 'cached', seed: 11, finishPerRound: 2 });
    // Cut the history after the first promotion of bracket 2 was handed out: a fresh service with
    // only the trials (no state) must hand out the same next trials.
    const cut = full.trials.findIndex((t) => t.labels[L.rung] === '1');
    const history: TrialView[] = full.trials.slice(0, cut).map((t) => ({ ...t }));
    const fresh = new InProcessSuggestionService({ seedSource: () => 11 });
    const reply = await fresh.getSuggestions({
      experiment: experimentOf(small),
      trials: history,
      currentRequestNumber: 3,
      totalRequestNumber: cut + 3,
    });
    expect(reply.assignments.map((a) => a.labels)).toEqual(
      full.trials.slice(cut, cut + 3).map((t) => t.labels),
    );
    expect(reply.assignments.map((a) => a.parameterAssignments)).toEqual(
      full.trials.slice(cut, cut + 3).map((t) => t.parameterAssignments),
    );
  });

  it('never promotes failed trials and still finishes the plan', async () => {
    const run = await simulate(small, { mode: 'cached', seed: 5, finishPerRound: 2, failEvery: 3 });
    const failed = new Set(run.trials.filter((t) => t.phase === 'Failed').map((t) => t.name));
    expect(failed.size).toBeGreaterThan(0);
    for (const t of run.trials) {
      const parent = t.labels[L.parent];
      if (parent !== undefined) expect(failed.has(parent)).toBe(false);
    }
    expect(run.trials.filter((t) => t.labels[L.bracket] === '0').length).toBe(3);
  });

  it('answers a large request with what the rung can take, saying it waits rather than ends', () => {
    const def = findAlgorithm('hyperband')!;
    const s = spec(settings('9'), 20);
    const ctx = {
      space: toSearchSpace(s.parameters ?? []),
      objective: s.objective,
      settings: { maxResource: 9, resourceName: 'epochs', eta: 3, randomState: undefined },
      seed: 1,
      experiment: s,
      maxTrialCount: undefined,
    };
    const d = def.create(ctx);
    d.update({ completed: [], active: [], suggestionCount: 0 });
    const first = d.suggest(20);
    expect(first.length).toBe(9); // rung 0 of bracket 2
    expect(d.exhausted?.()).toBe(false);
    const active = first.map((f, i) => ({ name: `t${i}`, assignment: f.assignment, labels: f.labels ?? {} }));
    d.update({ completed: [], active, suggestionCount: 9 });
    expect(d.suggest(5)).toEqual([]);
    expect(d.exhausted?.()).toBe(false);
    // All finish: rung 1 gets the best 3.
    d.update({
      completed: active.map((t, i) => ({ ...t, phase: 'Succeeded' as const, objective: 10 - i })),
      active: [],
      suggestionCount: 9,
    });
    const second = d.suggest(5);
    expect(second.map((s2) => s2.labels?.[L.parent])).toEqual(['t8', 't7', 't6']);
    expect(second.every((s2) => s2.assignment['epochs'] === 3)).toBe(true);
    expect(d.exhausted?.()).toBe(false);
    // A designer restored from its dump, told about the same active trials, continues identically.
    const again = def.restore!(ctx, (d as unknown as { dump(): unknown }).dump());
    expect(again).toBeDefined();
    again!.update({ completed: [], active: [], suggestionCount: 12 });
    expect(again!.suggest(5)).toEqual(second);
  });

  it('sets an int resource to the nearest feasible value and a double resource exactly', async () => {
    const steps: ParameterSpec = {
      name: 'epochs',
      parameterType: 'int',
      feasibleSpace: { min: '2', max: '6' },
    };
    const run = await simulate(spec(settings('10'), 9, [x, steps]), {
      mode: 'cached',
      seed: 1,
      finishPerRound: 3,
    });
    // R = 10: resources 10/9, 10/3, 10 → 2 (clamped), 3, 6 (clamped)
    expect(new Set(run.trials.map((t) => valuesOf(t)['epochs']))).toEqual(new Set(['2', '3', '6']));
    const dbl: ParameterSpec = {
      name: 'epochs',
      parameterType: 'double',
      feasibleSpace: { min: '0.5', max: '10' },
    };
    const run2 = await simulate(spec(settings('10'), 9, [x, dbl]), {
      mode: 'cached',
      seed: 1,
      finishPerRound: 3,
    });
    expect(new Set(run2.trials.map((t) => Number(valuesOf(t)['epochs'])))).toEqual(
      new Set([10 / 9, 10 / 3, 10]),
    );
  });
});

// The generic contract. The suite leaves the newest trial running for good, so a synchronous rung
// never finishes there: it checks rung 0 and the explicit wait after it — feasibility for every
// parameter type (the resource rounded into its space), determinism, cache/dump/stateless
// equivalence — while the promotions are tested above. A continuous `w` keeps small generated
// spaces from running out of distinct configurations.
const w: ParameterSpec = { name: 'w', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } };
const resource: ParameterSpec = {
  name: 'epochs',
  parameterType: 'int',
  feasibleSpace: { min: '1', max: '9' },
};
describeDesignerConformance(
  'hyperband',
  (parameters, s) =>
    experimentSpec('hyperband', [...parameters, w, resource], [...s, ...settings('9')], {
      parallelTrialCount: 9,
    }),
  { numRuns: 15 },
);
