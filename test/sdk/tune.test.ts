/** tune(): in-process objective functions through the same store and reconciler. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/api/index.js';
import { search, tune } from '../../src/sdk/index.js';
import { openStore } from '../../src/store/index.js';

describe('tune()', () => {
  it('minimises a function returned as a number and reports the best trial', async () => {
    const seen: number[] = [];
    const result = await tune({
      name: 'tune-quad',
      objective: (p) => {
        const x = Number(p['x']);
        seen.push(x);
        return (x - 2) ** 2;
      },
      parameters: { x: search.double(-5, 5) },
      algorithm: { name: 'random', settings: { random_state: 3 } },
      maxTrialCount: 15,
      parallelTrialCount: 3,
    });
    expect(result.trials).toHaveLength(15);
    expect(seen).toHaveLength(15);
    expect(result.status.trialsSucceeded).toBe(15);
    const best = Math.min(...seen.map((x) => (x - 2) ** 2));
    expect(result.bestTrial?.value).toBeCloseTo(best, 10);
    expect(result.status.conditions.at(-1)?.reason).toBe('ExperimentMaxTrialsReached');
  });

  it('takes intermediate reports with steps and metric objects', async () => {
    const store = await openStore(':memory:');
    try {
      const result = await tune({
        name: 'tune-report',
        objective: async (p, report) => {
          await Promise.resolve();
          const lr = Number(p['lr']);
          for (let step = 1; step <= 3; step++) report({ loss: lr * (4 - step), step });
          return { accuracy: 1 - lr };
        },
        parameters: { lr: search.logUniform(0.001, 0.1), opt: search.categorical(['sgd', 'adam']) },
        objectiveMetricName: 'loss',
        additionalMetricNames: ['accuracy'],
        maxTrialCount: 4,
        store,
      });
      expect(result.status.trialsSucceeded).toBe(4);
      const name = result.trials[0]!.name;
      const logs = await store.read.getObservationLog(name);
      expect(logs.filter((l) => l.metricName === 'loss').map((l) => l.step)).toEqual([1, 2, 3]);
      expect(logs.some((l) => l.metricName === 'accuracy')).toBe(true);
      for (const t of result.trials) expect(['sgd', 'adam']).toContain(t.parameters['opt']);
      // minimise loss by min strategy: best value is the smallest reported loss.
      expect(result.bestTrial?.value).toBeLessThanOrEqual(0.1);
    } finally {
      await store.close();
    }
  });

  it('counts thrown errors as failed trials and stops at maxFailedTrialCount', async () => {
    const result = await tune({
      name: 'tune-fail',
      objective: () => {
        throw new Error('boom');
      },
      parameters: { x: search.int(1, 5) },
      maxTrialCount: 10,
      maxFailedTrialCount: 2,
    });
    expect(result.status.trialsFailed).toBe(2);
    expect(result.status.conditions.at(-1)?.type).toBe('Failed');
    expect(result.bestTrial).toBeUndefined();
  });

  it('rejects bad options with field paths, before running anything', async () => {
    let calls = 0;
    const err = await tune({
      name: 'tune-bad',
      objective: () => ++calls,
      parameters: { x: search.double(5, 1) },
      maxTrialCount: 0,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    const paths = (err as SpecError).errors.map((e) => e.path);
    expect(paths).toContain('spec.maxTrialCount');
    expect(paths.some((p) => p.startsWith('spec.parameters[0].feasibleSpace'))).toBe(true);
    expect(calls).toBe(0);
  });
});
