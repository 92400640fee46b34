/**
 * The incremental trial summary must always equal the summary computed from scratch
 * (`countTrials`, `findOptimalTrial`, `trialsForSuggestion`), whatever sequence of lists it is given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  setCondition,
  type ObjectiveSpec,
  type Trial,
  type TrialConditionType,
} from '../../src/api/index.js';
import { findOptimalTrial } from '../../src/controller/optimal-trial.js';
import { countTrials } from '../../src/controller/trial-counts.js';
import { TrialTally } from '../../src/controller/trial-tally.js';
import { jsonEqual } from '../../src/controller/json-equal.js';
import { trialsForSuggestion } from '../../src/controller/trial-view.js';
import { deepFreeze } from '../../src/store/snapshot.js';

const now = new Date('2026-01-01T00:00:00Z');
const objective: ObjectiveSpec = {
  type: 'minimize',
  objectiveMetricName: 'loss',
  metricStrategies: [{ name: 'loss', value: 'min' }],
};
const PHASES = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Killed',
  'EarlyStopped',
  'MetricsUnavailable',
] as const;

/** A frozen stored trial, as the store hands them out. */
function stored(name: string, phase: (typeof PHASES)[number], loss: number | undefined): { trial: Trial } {
  let conditions = setCondition<TrialConditionType>([], 'Created', 'True', 'TrialCreated', '', now);
  if (phase !== 'Pending') conditions = setCondition(conditions, phase, 'True', 'x', '', now);
  const trial: Trial = {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: { name },
    spec: { objective, parameterAssignments: [], metricsCollector: { collector: { kind: 'StdOut' } } },
    status: {
      conditions,
      ...(loss !== undefined
        ? {
            observation: {
              metrics: [{ name: 'loss', min: String(loss), max: String(loss), latest: String(loss) }],
            },
          }
        : {}),
    },
  };
  return deepFreeze({ trial });
}

const step = fc.record({
  append: fc.nat({ max: 3 }),
  ask: fc.boolean(),
  changes: fc.array(
    fc.record({
      at: fc.nat(),
      phase: fc.constantFrom(...PHASES),
      loss: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    }),
    { maxLength: 3 },
  ),
});

describe('TrialTally', () => {
  it('summarises every list exactly as countTrials, findOptimalTrial and trialsForSuggestion do', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const tally = new TrialTally(objective);
        let list: { trial: Trial }[] = [];
        let made = 0;
        for (const s of steps) {
          list = [...list];
          for (let i = 0; i < s.append; i++) list.push(stored(`t${made++}`, 'Pending', undefined));
          for (const c of s.changes) {
            if (list.length === 0) break;
            const at = c.at % list.length;
            list[at] = stored(list[at]!.trial.metadata.name, c.phase, c.loss);
          }
          const summary = tally.summarize(list);
          const trials = list.map((x) => x.trial);
          expect(jsonEqual(summary.counts, countTrials(trials))).toBe(true);
          const best = findOptimalTrial(objective, trials);
          expect(summary.best?.trial).toBe(best?.trial);
          expect(summary.best?.value).toBe(best?.value);
          const active = trials.flatMap((t, i) =>
            [...countTrials([t]).byPhase.Pending, ...countTrials([t]).byPhase.Running].length > 0 ? [i] : [],
          );
          expect(summary.active).toEqual(active);
          for (const t of trials) expect(tally.has(t.metadata.name)).toBe(true);
          // Asked on some passes only, so that changes also pile up between requests.
          if (s.ask) {
            const views = tally.suggestionViews();
            const expected = trialsForSuggestion(list);
            expect(views.length).toBe(expected.length);
            views.forEach((v, i) => expect(v).toBe(expected[i]));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('starts over when the list is not the same history (shorter, or other names)', () => {
    const tally = new TrialTally(objective);
    tally.summarize([stored('a', 'Succeeded', 1), stored('b', 'Running', undefined)]);
    const other = [stored('x', 'Failed', undefined)];
    const summary = tally.summarize(other);
    expect(summary.counts.total).toBe(1);
    expect(summary.counts.byPhase.Failed).toEqual(['x']);
    expect(summary.best).toBeUndefined();
    expect(tally.has('a')).toBe(false);
    const renamed = tally.summarize([stored('y', 'Succeeded', 2), stored('z', 'Succeeded', 1)]);
    expect(renamed.counts.byPhase.Succeeded).toEqual(['y', 'z']);
    expect(renamed.best?.trial.metadata.name).toBe('z');
  });
});
