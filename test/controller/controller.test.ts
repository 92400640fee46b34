/** The reconciler with in-process trials and stand-in suggestion services. */
import { describe, expect, it } from 'vitest';
import { SpecError, UnavailableError, trialPhase, type Experiment } from '../../src/api/index.js';
import { Controller, admitExperiment, submitExperiment } from '../../src/controller/index.js';
import { InProcessRunner } from '../../src/runners/index.js';
import { openStore } from '../../src/store/index.js';
import { InProcessSuggestionService, type SuggestionService } from '../../src/suggestion/index.js';
import { toExperimentObject } from '../../src/sdk/tune.js';
import { search } from '../../src/sdk/index.js';
import { summarizeObservation } from '../../src/metrics-collector/index.js';

function experiment(
  name: string,
  over: { goal?: number; maxTrialCount?: number; parallelTrialCount?: number } = {},
): Experiment {
  return admitExperiment(
    toExperimentObject({
      name,
      objective: () => 0,
      parameters: { x: search.double(0, 1) },
      objectiveMetricName: 'loss',
      maxTrialCount: over.maxTrialCount ?? 4,
      parallelTrialCount: over.parallelTrialCount ?? 2,
      ...(over.goal !== undefined ? { goal: over.goal } : {}),
    }),
  );
}

async function run(
  e: Experiment,
  suggestions: SuggestionService,
  objective: ConstructorParameters<typeof InProcessRunner>[0],
) {
  const store = await openStore(':memory:');
  await submitExperiment(store, e);
  const controller = Controller.create({
    store,
    suggestions,
    runner: new InProcessRunner(objective, { graceMs: 2000 }),
    resyncIntervalMs: 200,
  });
  try {
    const final = await controller.runUntilComplete(e.metadata.name);
    const trials = await store.read.listTrials(e.metadata.name);
    return { final: final.experiment, trials, store };
  } finally {
    await controller.shutdown();
  }
}

describe('Controller', () => {
  it('fails the experiment with the message when the algorithm rejects the request', async () => {
    const bad: SuggestionService = {
      getSuggestions: () =>
        Promise.reject(
          new SpecError([{ path: 'spec.algorithm.algorithmSettings[0].value', message: 'nope' }]),
        ),
      validateAlgorithmSettings: () => Promise.resolve(),
    };
    const { final, trials } = await run(experiment('bad-algo'), bad, () => 1);
    expect(trials).toHaveLength(0);
    const failed = final.status?.conditions.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('ExperimentFailed');
    expect(failed?.message).toMatch(
      /Suggestion has failed: spec\.algorithm\.algorithmSettings\[0\]\.value: nope/,
    );
  });

  it('retries a transient suggestion failure, then fails after maxSuggestionFailures', async () => {
    let calls = 0;
    const real = new InProcessSuggestionService();
    const flaky: SuggestionService = {
      getSuggestions: (req, opts) =>
        ++calls <= 2 ? Promise.reject(new UnavailableError('try later')) : real.getSuggestions(req, opts),
      validateAlgorithmSettings: () => Promise.resolve(),
    };
    const { final } = await run(experiment('flaky', { maxTrialCount: 2 }), flaky, () => 1);
    expect(calls).toBeGreaterThan(2);
    expect(final.status?.trialsSucceeded).toBe(2);

    const down: SuggestionService = {
      getSuggestions: () => Promise.reject(new UnavailableError('service down')),
      validateAlgorithmSettings: () => Promise.resolve(),
    };
    const store = await openStore(':memory:');
    const e = experiment('down');
    await submitExperiment(store, e);
    const controller = Controller.create({
      store,
      suggestions: down,
      runner: new InProcessRunner(() => 1),
      maxSuggestionFailures: 2,
    });
    const done = await controller.runUntilComplete('down');
    await controller.shutdown();
    expect(done.experiment.status?.conditions.at(-1)?.message).toMatch(/Suggestion has failed: service down/);
  });

  it('stops trials still running when the experiment completes, keeping their observations', async () => {
    let calls = 0;
    const { final, trials, store } = await run(
      experiment('stop-on-goal', { goal: 0.5, maxTrialCount: 10, parallelTrialCount: 2 }),
      new InProcessSuggestionService(),
      async (_params, ctx) => {
        // The first trial reaches the goal after a moment; the second keeps running until stopped.
        if (calls++ === 0) return new Promise((r) => setTimeout(() => r(0.1), 100));
        ctx.report({ loss: 3 }, 1);
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        return undefined;
      },
    );
    expect(final.status?.conditions.find((c) => c.type === 'Succeeded')?.reason).toBe(
      'ExperimentGoalReached',
    );
    const phases = trials.map((t) => trialPhase(t.trial.status));
    expect(phases).toContain('Succeeded');
    expect(phases).toContain('Killed');
    const killed = trials.find((t) => trialPhase(t.trial.status) === 'Killed')!;
    expect(killed.trial.status.conditions.find((c) => c.type === 'Killed')?.message).toMatch(
      /experiment completed/,
    );
    expect(killed.trial.status.observation?.metrics.find((m) => m.name === 'loss')?.latest).toBe('3');
    expect((await store.read.getObservationLog(killed.trial.metadata.name)).length).toBe(1);
  });

  it("records an in-process trial's observation exactly as its stored log gives it, across writes and past the in-memory limit", async () => {
    let calls = 0;
    const { trials, store } = await run(
      experiment('own-logs', { maxTrialCount: 2, parallelTrialCount: 1 }),
      new InProcessSuggestionService({ seedSource: () => 3 }),
      async (_params, ctx) => {
        const first = calls++ === 0;
        // Two reports in one tick (equal stamps likely), then more after the 250 ms flush, so
        // the log is written in several transactions before the exit's.
        ctx.report({ loss: 5 });
        ctx.report({ loss: 4 });
        await new Promise((r) => setTimeout(r, 300));
        ctx.report({ loss: 3.5 });
        // The second trial reports more lines than the controller keeps in memory.
        if (first) return 2;
        for (let i = 0; i < 1001; i++) ctx.report({ loss: 10 + i });
        return 6;
      },
    );
    expect(trials.map((t) => trialPhase(t.trial.status))).toEqual(['Succeeded', 'Succeeded']);
    for (const t of trials) {
      const stored = await store.read.getObservationLog(t.trial.metadata.name);
      const expected = summarizeObservation(stored, t.trial.spec.objective);
      expect(t.trial.status.observation).toEqual(expected);
    }
    const [first, second] = trials.map((t) =>
      t.trial.status.observation?.metrics.find((m) => m.name === 'loss'),
    );
    expect([first?.min, first?.max]).toEqual(['2', '5']);
    expect([second?.min, second?.max, second?.latest]).toEqual(['3.5', '1010', '6']);
  });

  it("arms a deadline only for services that do not compute on the caller's thread", async () => {
    for (const onCallerThread of [true, false]) {
      const real = new InProcessSuggestionService();
      const signals: boolean[] = [];
      const service: SuggestionService = {
        getSuggestions: (req, opts) => {
          signals.push(opts?.signal !== undefined);
          return real.getSuggestions(req, opts);
        },
        validateAlgorithmSettings: (e, opts) => real.validateAlgorithmSettings(e, opts),
        computesOnCallerThread: () => onCallerThread,
      };
      const { final } = await run(
        experiment(`deadline-${String(onCallerThread)}`, { maxTrialCount: 2 }),
        service,
        () => 1,
      );
      expect(final.status?.trialsSucceeded).toBe(2);
      expect(signals.length).toBeGreaterThan(0);
      expect(signals.every((s) => s === !onCallerThread)).toBe(true);
    }
  });

  it('rejects runUntilComplete when the experiment is deleted while it runs', async () => {
    const e = experiment('deleted-midway', { maxTrialCount: 3, parallelTrialCount: 1 });
    const store = await openStore(':memory:');
    await submitExperiment(store, e);
    let started!: () => void;
    const firstTrial = new Promise<void>((resolve) => (started = resolve));
    const controller = Controller.create({
      store,
      suggestions: new InProcessSuggestionService(),
      runner: new InProcessRunner(
        async () => {
          started();
          await new Promise((r) => setTimeout(r, 100));
          return 1;
        },
        { graceMs: 2000 },
      ),
      resyncIntervalMs: 200,
    });
    try {
      const done = controller.runUntilComplete(e.metadata.name);
      await firstTrial;
      await store.transaction((tx) => tx.deleteExperiment(e.metadata.name));
      await expect(done).rejects.toThrow(/was deleted/);
    } finally {
      await controller.shutdown();
      await store.close();
    }
  });
});
