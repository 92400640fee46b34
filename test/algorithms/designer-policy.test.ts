import { describe, expect, it } from 'vitest';
import {
  defineAlgorithm,
  DesignerPolicy,
  type AlgorithmDefinition,
  type CompletedTrial,
  type DesignerContext,
  type PolicyResult,
  type PolicyState,
  type StatefulDesigner,
  type Suggestion,
  type TrialDelta,
} from '../../src/algorithms/index.js';
import { toSearchSpace } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { experimentSpec, trialView } from '../arbitraries/search-space.js';

/** A designer that records what it is told and suggests x = number of trials it knows of. */
class SpyDesigner implements StatefulDesigner {
  readonly deltas: TrialDelta[] = [];
  constructor(public known: string[] = []) {}
  update(delta: TrialDelta): void {
    this.deltas.push(delta);
    this.known.push(...delta.completed.map((t) => t.name));
  }
  suggest(count: number): readonly Suggestion[] {
    return Array.from({ length: count }, (_, i) => ({ assignment: { x: (this.known.length + i) % 10 } }));
  }
  dump(): unknown {
    return { known: this.known };
  }
}

function spyAlgorithm(opts: { stateful: boolean; fail?: () => boolean; replayOrder?: boolean }): {
  def: AlgorithmDefinition<object>;
  made: SpyDesigner[];
} {
  const made: SpyDesigner[] = [];
  const def = defineAlgorithm<object>({
    name: 'spy',
    description: 'test double',
    settings: {},
    validate: () => [],
    create: () => {
      const d = new SpyDesigner();
      if (opts.fail) {
        const orig = d.suggest.bind(d);
        d.suggest = (n) => {
          if (opts.fail!()) throw new Error('boom');
          return orig(n);
        };
      }
      made.push(d);
      return d;
    },
    ...(opts.stateful
      ? {
          restore: (_ctx: DesignerContext<object>, dump: unknown) => {
            const d = new SpyDesigner([...(dump as { known: string[] }).known]);
            made.push(d);
            return d;
          },
        }
      : {}),
    ...(opts.replayOrder === true ? { replayOrder: true } : {}),
  });
  return { def, made };
}

const params = [{ name: 'x', parameterType: 'int' as const, feasibleSpace: { min: '0', max: '9' } }];
const spec = experimentSpec('spy', params);
const context = {
  space: toSearchSpace(params),
  objective: spec.objective,
  settings: {},
  seed: 1,
  experiment: spec,
  maxTrialCount: undefined,
};
const done = (name: string, x: number, loss?: number): TrialView =>
  trialView(name, [{ name: 'x', value: String(x) }], loss === undefined ? 'Failed' : 'Succeeded', loss);
const running = (name: string, x: number): TrialView =>
  trialView(name, [{ name: 'x', value: String(x) }], 'Running');

describe('DesignerPolicy', () => {
  it('feeds only new completed trials, parsed, with the whole active set and the suggestion count', () => {
    const { def, made } = spyAlgorithm({ stateful: true });
    const policy = new DesignerPolicy();
    const r1 = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 0.5), running('b', 2)],
      count: 1,
      suggestionCount: 2,
    });
    expect(r1.source).toBe('created');
    const r2 = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 0.5), done('b', 2), running('c', 3)],
      count: 1,
      suggestionCount: 3,
      state: r1.state,
    });
    expect(r2.source).toBe('cache');
    expect(made).toHaveLength(1);
    const [d1, d2] = made[0]!.deltas;
    expect(d1!.completed.map((t: CompletedTrial) => [t.name, t.assignment, t.objective, t.phase])).toEqual([
      ['a', { x: 1 }, 0.5, 'Succeeded'],
    ]);
    expect(d1!.active.map((t) => t.name)).toEqual(['b']);
    expect(d1!.suggestionCount).toBe(2);
    expect(d2!.completed.map((t) => [t.name, t.objective])).toEqual([['b', undefined]]);
    expect(d2!.active.map((t) => t.name)).toEqual(['c']);
    expect(r2.state.seen).toEqual(['a', 'b']);
    expect(r2.state.suggestionCount).toBe(4);
  });

  it('a cached call re-reads slots whose view changed, was active, or moved, and skips unchanged terminal ones', () => {
    const { def, made } = spyAlgorithm({ stateful: true });
    const policy = new DesignerPolicy();
    const a = done('a', 1, 0.5);
    const b = running('b', 2) as { -readonly [K in keyof TrialView]: TrialView[K] };
    const trials: TrialView[] = [a, b, running('c', 3)];
    let state = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials,
      count: 1,
      suggestionCount: 3,
    }).state;
    const ask = (suggestionCount: number) => {
      const r = policy.suggest({
        definition: def,
        context,
        experimentKey: 'e',
        trials,
        count: 1,
        suggestionCount,
        state,
      });
      expect(r.source).toBe('cache');
      state = r.state;
      const delta = made[0]!.deltas.at(-1)!;
      return { completed: delta.completed.map((t) => t.name), active: delta.active.map((t) => t.name) };
    };
    // The same array, mutated by the caller: an active view that turned Succeeded in place is seen.
    b.phase = 'Succeeded';
    b.observation = { metrics: [{ name: 'loss', min: '0.1', max: '0.1', latest: '0.1' }] };
    expect(ask(4)).toEqual({ completed: ['b'], active: ['c'] });
    // A slot replaced by a new view of the same trial, and a trial appended.
    trials[2] = done('c', 3, 0.2);
    trials.push(running('d', 4));
    expect(ask(5)).toEqual({ completed: ['c'], active: ['d'] });
    // Shuffled slots: nothing is fed twice, the active set stays whole, a new completed trial is found.
    trials.reverse();
    trials.unshift(done('e', 5, 0.3));
    expect(ask(6)).toEqual({ completed: ['e'], active: ['d'] });
    // Unchanged list: no completed trial is fed again, the active set is repeated.
    expect(ask(7)).toEqual({ completed: [], active: ['d'] });
    expect(made).toHaveLength(1);
    expect(state.seen).toEqual(['a', 'b', 'c', 'e']);
  });

  it('restores from the dump in a new process, and a stale token misses the cache', () => {
    const { def, made } = spyAlgorithm({ stateful: true });
    const first = new DesignerPolicy().suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1)],
      count: 1,
      suggestionCount: 1,
    });
    const policy = new DesignerPolicy();
    const r = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1), done('b', 2, 2)],
      count: 1,
      suggestionCount: 2,
      state: first.state,
    });
    expect(r.source).toBe('restored');
    expect(made[1]!.deltas[0]!.completed.map((t) => t.name)).toEqual(['b']);
    // Replaying the old state (the new one was never saved) must not use the designer that moved on.
    const again = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1), done('b', 2, 2)],
      count: 1,
      suggestionCount: 2,
      state: first.state,
    });
    expect(again.source).toBe('restored');
    expect(again.suggestions).toEqual(r.suggestions);
  });

  it('serves a stateless caller from the cache only when the history matches', () => {
    const { def } = spyAlgorithm({ stateful: true });
    const policy = new DesignerPolicy();
    policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1)],
      count: 1,
      suggestionCount: 1,
    });
    const hit = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1), running('b', 2)],
      count: 1,
      suggestionCount: 2,
    });
    expect(hit.source).toBe('cache');
    // Trial "a" is gone from the request: the cached designer knows too much.
    const miss = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [running('b', 2)],
      count: 1,
      suggestionCount: 3,
    });
    expect(miss.source).toBe('created');
  });

  it('a designer without restore keeps no state and is rebuilt from the whole history', () => {
    const { def, made } = spyAlgorithm({ stateful: false });
    const r1 = new DesignerPolicy({ cacheSize: 0 }).suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1)],
      count: 1,
      suggestionCount: 1,
    });
    expect(r1.state.seen).toEqual([]);
    expect(r1.state.designer).toBeUndefined();
    const r2 = new DesignerPolicy({ cacheSize: 0 }).suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1), done('b', 2, 1)],
      count: 1,
      suggestionCount: 2,
      state: r1.state,
    });
    expect(r2.source).toBe('created');
    expect(made[1]!.deltas[0]!.completed.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('an exception leaves no half-updated designer in the cache', () => {
    let failing = true;
    const { def } = spyAlgorithm({ stateful: true, fail: () => failing });
    const policy = new DesignerPolicy();
    expect(() =>
      policy.suggest({
        definition: def,
        context,
        experimentKey: 'e',
        trials: [done('a', 1, 1)],
        count: 1,
        suggestionCount: 0,
      }),
    ).toThrow('boom');
    failing = false;
    const r = policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials: [done('a', 1, 1)],
      count: 1,
      suggestionCount: 0,
    });
    expect(r.source).toBe('created');
    expect(r.suggestions).toEqual([{ assignment: { x: 1 } }]);
  });

  it('evicts the least recently used experiment beyond cacheSize', () => {
    const { def } = spyAlgorithm({ stateful: true });
    const policy = new DesignerPolicy({ cacheSize: 1 });
    const a = policy.suggest({
      definition: def,
      context,
      experimentKey: 'A',
      trials: [],
      count: 1,
      suggestionCount: 0,
    });
    policy.suggest({
      definition: def,
      context,
      experimentKey: 'B',
      trials: [],
      count: 1,
      suggestionCount: 0,
    });
    const again = policy.suggest({
      definition: def,
      context,
      experimentKey: 'A',
      trials: [],
      count: 1,
      suggestionCount: 1,
      state: a.state,
    });
    expect(again.source).toBe('restored');
  });
});

describe('DesignerPolicy with replayOrder (designers restored by replaying what they saw, in order)', () => {
  /** One suggestion for experiment `e` from `policy`, given the trial list, the count handed out and the saved state. */
  function ask(
    policy: DesignerPolicy,
    def: AlgorithmDefinition<object>,
    trials: TrialView[],
    suggestionCount: number,
    state?: PolicyState,
  ): PolicyResult {
    return policy.suggest({
      definition: def,
      context,
      experimentKey: 'e',
      trials,
      count: 1,
      suggestionCount,
      ...(state !== undefined ? { state } : {}),
    });
  }

  it('saves only the order of arrival and replays it, not the list order, after a cache miss', () => {
    const { def, made } = spyAlgorithm({ stateful: false, replayOrder: true });
    const first = new DesignerPolicy();
    // b (listed second) completes first, then a.
    const s1 = ask(first, def, [running('a', 1), done('b', 2, 2)], 2);
    const s2 = ask(first, def, [done('a', 1, 1), done('b', 2, 2), running('c', 3)], 3, s1.state);
    expect(s2.source).toBe('cache');
    expect(made[0]!.known).toEqual(['b', 'a']);
    expect(s2.state.seen).toEqual(['b', 'a']);
    expect(s2.state.designer).toBeUndefined();

    // A new policy (a restart) given the saved state replays b, a — then learns c.
    const restarted = new DesignerPolicy();
    const s3 = ask(restarted, def, [done('a', 1, 1), done('b', 2, 2), done('c', 3, 3)], 4, s2.state);
    expect(s3.source).toBe('restored');
    const replayedDesigner = made[made.length - 1]!;
    expect(replayedDesigner.deltas.map((d) => d.completed.map((t) => t.name))).toEqual([['b', 'a'], ['c']]);
    expect(replayedDesigner.known).toEqual(['b', 'a', 'c']);
    // The cached designer reaches the same place.
    const s3cached = ask(first, def, [done('a', 1, 1), done('b', 2, 2), done('c', 3, 3)], 4, s2.state);
    expect(s3cached.source).toBe('cache');
    expect(s3cached.suggestions).toEqual(s3.suggestions);
  });

  it('rebuilds from the whole list when a trial it saw is missing from the request', () => {
    const { def, made } = spyAlgorithm({ stateful: false, replayOrder: true });
    const s1 = ask(new DesignerPolicy(), def, [done('a', 1, 1), done('b', 2, 2)], 2);
    const s2 = ask(new DesignerPolicy(), def, [done('b', 2, 2), done('c', 3, 3)], 3, s1.state);
    expect(s2.source).toBe('created');
    expect(made[made.length - 1]!.known).toEqual(['b', 'c']);
    expect(s2.state.seen).toEqual(['b', 'c']);
  });

  it('a frozen space and settings reused with another seed, settings or budget get a new designer', () => {
    const { def, made } = spyAlgorithm({ stateful: true });
    const policy = new DesignerPolicy();
    const space = Object.freeze(toSearchSpace(params).map((p) => Object.freeze(p)));
    const settings = Object.freeze({ a: 1 });
    const frozen = { ...context, space, settings };
    const ask = (ctx: DesignerContext<object>, suggestionCount: number, state?: PolicyState): PolicyResult =>
      policy.suggest({
        definition: def,
        context: ctx,
        experimentKey: 'e',
        trials: [],
        count: 1,
        suggestionCount,
        ...(state !== undefined ? { state } : {}),
      });
    const r1 = ask(frozen, 0);
    expect(r1.source).toBe('created');
    const r2 = ask(frozen, 1, r1.state);
    expect(r2.source).toBe('cache');
    const r3 = ask({ ...frozen, seed: 2 }, 2, r2.state);
    expect(r3.source).not.toBe('cache');
    const r4 = ask({ ...frozen, seed: 2, settings: Object.freeze({ a: 2 }) }, 3, r3.state);
    expect(r4.source).not.toBe('cache');
    const r5 = ask({ ...frozen, seed: 2, settings: Object.freeze({ a: 2 }), maxTrialCount: 7 }, 4, r4.state);
    expect(r5.source).not.toBe('cache');
    expect(made.length).toBeGreaterThanOrEqual(4);
  });
});
