/** The Suggestion's conditions as the controller records them around its calls to the suggestion service. */
import { describe, expect, it } from 'vitest';
import {
  InternalError,
  SpecError,
  UnavailableError,
  type AlgorithmState,
  type Experiment,
} from '../../src/api/index.js';
import { Controller, admitExperiment, submitExperiment } from '../../src/controller/index.js';
import { InProcessRunner } from '../../src/runners/index.js';
import { search } from '../../src/sdk/index.js';
import { toExperimentObject } from '../../src/sdk/tune.js';
import { openStore } from '../../src/store/index.js';
import { InProcessSuggestionService, type SuggestionService } from '../../src/suggestion/index.js';

function experiment(name: string, resumePolicy?: 'LongRunning'): Experiment {
  const e = admitExperiment(
    toExperimentObject({
      name,
      objective: () => 0,
      parameters: { x: search.double(0, 1) },
      objectiveMetricName: 'loss',
      maxTrialCount: 2,
      parallelTrialCount: 2,
    }),
  );
  return resumePolicy ? { ...e, spec: { ...e.spec, resumePolicy } } : e;
}

async function run(
  e: Experiment,
  suggestions: SuggestionService,
  opts: { maxSuggestionFailures?: number } = {},
): Promise<{ final: Experiment; algo: AlgorithmState | undefined; notices: string[] }> {
  const store = await openStore(':memory:');
  await submitExperiment(store, e);
  const notices: string[] = [];
  const controller = Controller.create({
    store,
    suggestions,
    runner: new InProcessRunner(() => 1, { graceMs: 2000 }),
    resyncIntervalMs: 100,
    log: (l) => notices.push(l),
    ...opts,
  });
  try {
    const final = await controller.runUntilComplete(e.metadata.name);
    return { final: final.experiment, algo: await store.read.getAlgorithmState(e.metadata.name), notices };
  } finally {
    await controller.shutdown();
    await store.close();
  }
}

const summary = (algo: AlgorithmState | undefined): string[] =>
  (algo?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('Suggestion conditions', () => {
  it('Created and Running after the first call, Succeeded when the experiment completes', async () => {
    const { final, algo } = await run(experiment('ok'), new InProcessSuggestionService());
    expect(final.status?.trialsSucceeded).toBe(2);
    expect(summary(algo)).toEqual([
      'Created=True/SuggestionCreated',
      'Running=False/Experiment is succeeded',
      'Succeeded=True/Experiment is succeeded',
    ]);
    expect(algo?.conditions?.find((c) => c.type === 'Succeeded')?.message).toBe('Suggestion is succeeded');
  });

  it('keeps a LongRunning suggestion Running when the experiment completes (Katib keeps it for a restart)', async () => {
    const { algo } = await run(experiment('long', 'LongRunning'), new InProcessSuggestionService());
    expect(summary(algo)).toEqual(['Created=True/SuggestionCreated', 'Running=True/SuggestionRunning']);
  });

  it('records DeploymentReady from a service that started a process', async () => {
    const real = new InProcessSuggestionService();
    const deployed: SuggestionService = {
      getSuggestions: (req, o) => real.getSuggestions(req, o),
      validateAlgorithmSettings: () => Promise.resolve(),
      deploymentStatus: () => ({ ready: true, message: 'Deployment is ready: srv on 127.0.0.1:1 (pid 1)' }),
    };
    const { algo } = await run(experiment('deployed'), deployed);
    expect(summary(algo).slice(0, 2)).toEqual([
      'Created=True/SuggestionCreated',
      'DeploymentReady=True/DeploymentReady',
    ]);
  });

  it('validates the settings before the suggestion runs; INVALID_ARGUMENT fails it with Katib’s message', async () => {
    let suggested = 0;
    const invalid: SuggestionService = {
      getSuggestions: () => {
        suggested++;
        return Promise.resolve({ assignments: [] });
      },
      validateAlgorithmSettings: () =>
        Promise.reject(
          new SpecError([{ path: 'spec.algorithm.algorithmSettings[0]', message: 'gamma must be < 1' }]),
        ),
    };
    const { final, algo } = await run(experiment('invalid'), invalid);
    expect(suggested).toBe(0);
    const failed = final.status?.conditions.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('ExperimentFailed');
    expect(failed?.message).toBe(
      'Suggestion has failed: Validation failed: ValidateAlgorithmSettings Error: spec.algorithm.algorithmSettings[0]: gamma must be < 1',
    );
    expect(summary(algo)).toEqual([
      'Created=True/SuggestionCreated',
      'Running=False/SuggestionFailed',
      'Failed=True/SuggestionFailed',
    ]);
  });

  it('treats a validation failure other than INVALID_ARGUMENT or UNAVAILABLE as valid, as Katib does', async () => {
    const real = new InProcessSuggestionService();
    const quirky: SuggestionService = {
      getSuggestions: (req, o) => real.getSuggestions(req, o),
      validateAlgorithmSettings: () => Promise.reject(new InternalError('UNIMPLEMENTED')),
    };
    const { final, notices } = await run(experiment('quirky'), quirky);
    expect(final.status?.trialsSucceeded).toBe(2);
    expect(notices.join('\n')).toMatch(/the settings count as valid/);
  });

  it('shows Running=False with the retry message while a transient failure is retried, then fails for good', async () => {
    const seen: string[] = [];
    const store = await openStore(':memory:');
    const down: SuggestionService = {
      getSuggestions: async () => {
        const algo = await store.read.getAlgorithmState('down');
        const running = algo?.conditions?.find((c) => c.type === 'Running');
        if (running) seen.push(`${running.status}/${running.reason}: ${running.message}`);
        throw new UnavailableError('suggestion service at 127.0.0.1:9 (GetSuggestions): connection refused');
      },
      validateAlgorithmSettings: () => Promise.resolve(),
    };
    await submitExperiment(store, experiment('down'));
    const controller = Controller.create({
      store,
      suggestions: down,
      runner: new InProcessRunner(() => 1),
      resyncIntervalMs: 50,
      maxSuggestionFailures: 3,
    });
    const started = Date.now();
    const final = (await controller.runUntilComplete('down')).experiment;
    const elapsed = Date.now() - started;
    await controller.shutdown();
    const algo = await store.read.getAlgorithmState('down');
    await store.close();
    // Backoff is honoured even though the resync wakes the experiment every 50 ms: 1 s + 2 s.
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(
      /^False\/SuggestionRetrying: GetSuggestions failed \(attempt 1 of 3\), retrying in 1 s: suggestion service at 127\.0\.0\.1:9/,
    );
    expect(seen[1]).toMatch(/attempt 2 of 3\), retrying in 2 s/);
    const failed = final.status?.conditions.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('ExperimentFailed');
    expect(failed?.message).toBe(
      'Suggestion has failed: suggestion service at 127.0.0.1:9 (GetSuggestions): connection refused (gave up after 3 attempts)',
    );
    expect(summary(algo)).toEqual([
      'Created=True/SuggestionCreated',
      'Running=False/SuggestionFailed',
      'Failed=True/SuggestionFailed',
    ]);
  });
});
