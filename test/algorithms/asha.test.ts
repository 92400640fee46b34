import { describe, expect, it } from 'vitest';
import { findAlgorithm, validateAlgorithmSpec } from '../../src/algorithms/index.js';
import { ASHA_LABELS as L, ashaRungResources } from '../../src/algorithms/hyperband/index.js';
import type { DesignerContext } from '../../src/algorithms/algorithm-definition.js';
import type { ActiveTrial, CompletedTrial, Designer } from '../../src/algorithms/designer.js';
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
  feasibleSpace: { min: '1', max: '27' },
};
const x: ParameterSpec = { name: 'x', parameterType: 'double', feasibleSpace: { min: '-2', max: '2' } };

const base: AlgorithmSetting[] = [
  { name: 'r_l', value: '27' },
  { name: 'resource_name', value: 'epochs' },
];

const spec = (
  extra: AlgorithmSetting[] = [],
  parallelTrialCount = 4,
  parameters = [x, epochs],
): ExperimentSpec => experimentSpec('asha', parameters, [...base, ...extra], { parallelTrialCount });

const valuesOf = (t: {
  parameterAssignments: readonly { name: string; value: string }[];
}): Record<string, string> => Object.fromEntries(t.parameterAssignments.map((a) => [a.name, a.value]));

/** Better with x near 0.5 and with more epochs. */
const lossOf = (v: Readonly<Record<string, string>>): number =>
  (Number(v['x']) - 0.5) ** 2 + 1 / Number(v['epochs']);

type Mode = 'cached' | 'restored' | 'stateless';

/**
 * Runs `calls` rounds as the controller would: ask for the free slots, create labelled trials,
 * finish the oldest `finishPerRound` active ones (every `failEvery`-th fails).
 */
async function simulate(
  s: ExperimentSpec,
  opts: {
    mode: Mode;
    seed: number;
    calls: number;
    finishPerRound: number;
    failEvery?: number;
    /** Called with the history and each reply's labels, before the reply becomes trials. */
    check?: (history: readonly TrialView[], labels: readonly Readonly<Record<string, string>>[]) => void;
  },
): Promise<{ trials: TrialView[]; calls: string[][] }> {
  const experiment = experimentOf(s);
  const shared = new InProcessSuggestionService({ seedSource: () => opts.seed });
  let trials: TrialView[] = [];
  let state: AlgorithmState | undefined;
  let finished = 0;
  const calls: string[][] = [];
  for (let c = 0; c < opts.calls; c++) {
    const asked = s.parallelTrialCount - trials.filter((t) => t.phase === 'Running').length;
    if (asked > 0) {
      const service =
        opts.mode === 'cached' ? shared : new InProcessSuggestionService({ seedSource: () => opts.seed });
      const reply = await service.getSuggestions({
        experiment,
        trials,
        currentRequestNumber: asked,
        totalRequestNumber: trials.length + asked,
        ...(opts.mode !== 'stateless' && state ? { state } : {}),
      });
      state = reply.state;
      expect(reply.assignments.length).toBe(asked);
      opts.check?.(
        trials,
        reply.assignments.map((a) => a.labels ?? {}),
      );
      calls.push(reply.assignments.map((a) => `${JSON.stringify(valuesOf(a))} ${JSON.stringify(a.labels)}`));
      for (const a of reply.assignments)
        trials.push({
          name: `t${trials.length}`,
          parameterAssignments: a.parameterAssignments,
          labels: a.labels ?? {},
          phase: 'Running',
        });
    }
    const done = new Set(
      trials
        .filter((t) => t.phase === 'Running')
        .slice(0, opts.finishPerRound)
        .map((t) => t.name),
    );
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

function designer(extra: Partial<{ minResource: number; earlyStoppingRate: number }> = {}): Designer {
  const s = spec();
  const ctx: DesignerContext<object> = {
    space: toSearchSpace(s.parameters ?? []),
    objective: s.objective,
    settings: {
      maxResource: 27,
      resourceName: 'epochs',
      eta: 3,
      minResource: undefined,
      earlyStoppingRate: 0,
      randomState: undefined,
      ...extra,
    },
    seed: 3,
    experiment: s,
    maxTrialCount: undefined,
  };
  return findAlgorithm('asha')!.create(ctx);
}

describe('asha rungs', () => {
  it('trains rung k with r_min * eta^(s+k) up to r_l', () => {
    expect(ashaRungResources({ maxResource: 81, eta: 3, earlyStoppingRate: 0 })).toEqual([1, 3, 9, 27, 81]);
    expect(ashaRungResources({ maxResource: 81, eta: 3, earlyStoppingRate: 2 })).toEqual([9, 27, 81]);
    expect(ashaRungResources({ maxResource: 81, eta: 3, minResource: 2, earlyStoppingRate: 0 })).toEqual([
      2, 6, 18, 54,
    ]);
    expect(ashaRungResources({ maxResource: 100, eta: 3, earlyStoppingRate: 0 })).toEqual([
      100 / 81,
      100 / 27,
      100 / 9,
      100 / 3,
      100,
    ]);
    expect(ashaRungResources({ maxResource: 8, eta: 2, minResource: 1, earlyStoppingRate: 4 })).toEqual([]);
  });
});

describe('asha settings', () => {
  const errorsOf = (s: ExperimentSpec): { path: string; message: string }[] =>
    validateAlgorithmSpec(s).map(({ path, message }) => ({ path, message }));

  it('accepts a valid experiment without any parallelism bound', () => {
    expect(errorsOf(spec([], 1))).toEqual([]);
    expect(
      errorsOf(
        spec([
          { name: 'r_min', value: '3' },
          { name: 's', value: '1' },
          { name: 'random_state', value: '4' },
        ]),
      ),
    ).toEqual([]);
  });

  it('reports every problem at its field path', () => {
    expect(errorsOf(experimentSpec('asha', [x, epochs], [{ name: 'eta', value: '2' }]))).toEqual([
      { path: 'spec.algorithm.algorithmSettings', message: 'r_l and resource_name must be set.' },
    ]);
    expect(errorsOf(spec([{ name: 'r_min', value: '0' }]))).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[2].value',
        message: 'r_min must be a positive float number.',
      },
    ]);
    expect(errorsOf(spec([{ name: 's', value: '-1' }]))).toEqual([
      { path: 'spec.algorithm.algorithmSettings[2].value', message: 's must be an integer not less than 0.' },
    ]);
    expect(
      errorsOf(
        spec([
          { name: 'r_min', value: '9' },
          { name: 's', value: '2' },
        ]),
      ),
    ).toEqual([
      { path: 'spec.algorithm.algorithmSettings', message: 'r_min * eta^s (81) must not exceed r_l (27)' },
    ]);
    expect(errorsOf(spec([], 4, [x]))).toEqual([
      {
        path: 'spec.algorithm.algorithmSettings[1].value',
        message: 'value of resource_name setting must be in parameters.',
      },
    ]);
  });
});

describe('asha designer', () => {
  const trial = (name: string, xv: number, e: number, rung: number, config: number): ActiveTrial => ({
    name,
    assignment: { x: xv, epochs: e },
    labels: { [L.bracket]: '0', [L.rung]: String(rung), [L.config]: String(config) },
  });
  const done = (t: ActiveTrial, objective: number | undefined): CompletedTrial => ({
    ...t,
    phase: objective === undefined ? 'Failed' : 'Succeeded',
    ...(objective !== undefined ? { objective } : {}),
  });

  it('promotes as soon as a configuration is in the top 1/eta of its rung, without waiting for the rung', () => {
    const d = designer();
    expect(d.exhausted?.()).toBe(false);
    const first = d.suggest(5);
    expect(first.map((s) => s.assignment['epochs'])).toEqual([1, 1, 1, 1, 1]);
    expect(first.map((s) => s.labels?.[L.config])).toEqual(['0', '1', '2', '3', '4']);
    const ts = first.map((s, i) => trial(`t${i}`, s.assignment['x'] as number, 1, 0, i));
    // Two of five finished: floor(2/3) = 0, nothing to promote yet → a new configuration.
    d.update({ completed: [done(ts[0]!, 0.5), done(ts[1]!, 0.2)], active: ts.slice(2), suggestionCount: 5 });
    expect(d.suggest(1)[0]!.labels).toEqual({ [L.bracket]: '0', [L.rung]: '0', [L.config]: '5' });
    // A third finishes: floor(3/3) = 1 → the best (t1) goes to rung 1 while t3, t4 still run.
    d.update({ completed: [done(ts[2]!, 0.9)], active: ts.slice(3), suggestionCount: 6 });
    const [p, q] = d.suggest(2);
    expect(p!.labels).toEqual({ [L.bracket]: '0', [L.rung]: '1', [L.config]: '1', [L.parent]: 't1' });
    expect(p!.assignment).toEqual({ x: ts[1]!.assignment['x'], epochs: 3 });
    expect(q!.labels?.[L.rung]).toBe('0'); // t1 is taken, nothing else qualifies
  });

  it('prefers the highest rung and never promotes failures', () => {
    const d = designer();
    const r0 = [0, 1, 2, 3, 4, 5].map((i) => trial(`a${i}`, i / 10, 1, 0, i));
    const r1 = [0, 1, 9].map((i, j) => trial(`b${j}`, i / 10, 3, 1, i));
    d.update({
      completed: [
        ...r0.map((t, i) => done(t, i === 0 ? undefined : i)), // a0 failed; a1, a2 are the best two
        ...r1.map((t, i) => done(t, 3 - i)), // b2 is the best of rung 1
      ],
      active: [],
      suggestionCount: 9,
    });
    const out = d.suggest(3);
    expect(out.map((s) => [s.labels?.[L.rung], s.labels?.[L.parent], s.assignment['epochs']])).toEqual([
      ['2', 'b2', 9],
      // rung 0: top floor(6/3) = 2 are a1 and a2 (a0 failed); a1's config is already in rung 1 → a2
      ['1', 'a2', 3],
      ['0', undefined, 1],
    ]);
  });

  it('gives the same suggestions cached, restored and stateless', async () => {
    for (const seed of [1, 9]) {
      const opts = { seed, calls: 25, finishPerRound: 2, failEvery: 5 };
      const cached = await simulate(spec(), { ...opts, mode: 'cached' });
      expect((await simulate(spec(), { ...opts, mode: 'restored' })).calls).toEqual(cached.calls);
      expect((await simulate(spec(), { ...opts, mode: 'stateless' })).calls).toEqual(cached.calls);
    }
  });

  it('end to end: promoted trials get eta times the resource and come from the top of their rung', async () => {
    const loss = (t: TrialView): number => Number(t.observation?.metrics[0]?.latest ?? Infinity);
    let checked = 0;
    // At the moment of its promotion, the parent is among the best floor(n/eta) finished trials of its rung.
    const check = (
      history: readonly TrialView[],
      labels: readonly Readonly<Record<string, string>>[],
    ): void => {
      for (const l of labels) {
        const parentName = l[L.parent];
        if (parentName === undefined) continue;
        const rung = String(Number(l[L.rung]) - 1);
        const finished = history
          .filter((t) => t.labels[L.rung] === rung && t.phase !== 'Running')
          .sort((a, b) => loss(a) - loss(b));
        const top = finished.slice(0, Math.floor(finished.length / 3)).map((t) => t.name);
        expect(top).toContain(parentName);
        checked++;
      }
    };
    const { trials } = await simulate(spec([], 4), {
      mode: 'cached',
      seed: 4,
      calls: 120,
      finishPerRound: 1,
      check,
    });
    expect(checked).toBeGreaterThan(10);
    const byName = new Map(trials.map((t) => [t.name, t]));
    let promoted = 0;
    for (const t of trials) {
      const parentName = t.labels[L.parent];
      if (parentName === undefined) {
        expect(valuesOf(t)['epochs']).toBe('1');
        continue;
      }
      promoted++;
      const parent = byName.get(parentName)!;
      expect(parent.phase).toBe('Succeeded');
      expect(Number(valuesOf(t)['epochs'])).toBe(3 * Number(valuesOf(parent)['epochs']));
      expect(valuesOf(t)['x']).toBe(valuesOf(parent)['x']);
      expect(Number(t.labels[L.rung])).toBe(Number(parent.labels[L.rung]) + 1);
    }
    expect(promoted).toBeGreaterThan(10);
    expect(trials.some((t) => t.labels[L.rung] === '3' && valuesOf(t)['epochs'] === '27')).toBe(true);
  });
});

// The generic contract, on experiments that carry a resource parameter (promotions included: the
// suite keeps the labels). Most suggestions start new configurations in rung 0 with one fixed
// resource value, so a continuous parameter `w` keeps small generated spaces from running out.
const w: ParameterSpec = { name: 'w', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } };
describeDesignerConformance(
  'asha',
  (parameters, settings) => experimentSpec('asha', [...parameters, w, epochs], [...settings, ...base]),
  { numRuns: 15 },
);
