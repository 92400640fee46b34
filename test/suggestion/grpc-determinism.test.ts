/**
 * The controller gets the same trials (same assignments, same order) whether its suggestions come
 * in-process (with AlgorithmState kept in the store) or over gRPC from a SuggestionServer (no
 * state on the wire), for the same seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialPhase, type Experiment } from '../../src/api/index.js';
import { Controller, admitExperiment, submitExperiment } from '../../src/controller/index.js';
import { InProcessRunner } from '../../src/runners/index.js';
import { search, type ParameterDefinition } from '../../src/sdk/index.js';
import { toExperimentObject } from '../../src/sdk/tune.js';
import { openStore } from '../../src/store/index.js';
import {
  GrpcSuggestionService,
  InProcessSuggestionService,
  SuggestionServer,
  type SuggestionService,
} from '../../src/suggestion/index.js';

function experiment(
  name: string,
  algorithm: { name: string; settings?: Record<string, string> },
  over: {
    maxTrialCount: number | undefined;
    parallelTrialCount: number;
    parameters?: Record<string, ParameterDefinition>;
  },
): Experiment {
  const raw = toExperimentObject({
    name,
    objective: () => 0,
    parameters: over.parameters ?? {
      x: search.double(-2, 2),
      n: search.int(1, 9),
      opt: search.categorical(['sgd', 'adam', 'rmsprop']),
    },
    objectiveMetricName: 'loss',
    algorithm,
    ...(over.maxTrialCount !== undefined ? { maxTrialCount: over.maxTrialCount } : {}),
    parallelTrialCount: over.parallelTrialCount,
  }) as { spec: Record<string, unknown> };
  // No maxTrialCount: unbounded (tune() would default it to 10).
  if (over.maxTrialCount === undefined) delete raw.spec['maxTrialCount'];
  return admitExperiment(raw);
}

/** Runs `e` to completion; the trials' assignments in creation order, and how the experiment ended. */
async function run(e: Experiment, suggestions: SuggestionService) {
  const store = await openStore(':memory:');
  await submitExperiment(store, e);
  const controller = Controller.create({
    store,
    suggestions,
    runner: new InProcessRunner((p) => {
      const x = Number(p['x'] ?? 0);
      return (x - 0.5) ** 2 + Number(p['n'] ?? 0) / 10;
    }),
    resyncIntervalMs: 200,
  });
  try {
    const final = await controller.runUntilComplete(e.metadata.name);
    const trials = [...(await store.read.listTrials(e.metadata.name))].sort((a, b) => a.seq - b.seq);
    return {
      assignments: trials.map((t) => t.trial.spec.parameterAssignments),
      phases: trials.map((t) => trialPhase(t.trial.status)),
      reason: final.experiment.status?.conditions.at(-1)?.reason,
    };
  } finally {
    await controller.shutdown();
    await store.close();
  }
}

let server: SuggestionServer;
let remote: GrpcSuggestionService;

beforeAll(async () => {
  server = await SuggestionServer.start({ port: 0, seedSource: () => 1234 });
  remote = new GrpcSuggestionService({ address: server.address, deadlineMs: 10_000 });
});

afterAll(async () => {
  remote.close();
  await server.close();
});

describe('gRPC transport gives the in-process trials', () => {
  it('random with random_state, one trial at a time', async () => {
    const e = experiment(
      'det-random',
      { name: 'random', settings: { random_state: '42' } },
      {
        maxTrialCount: 12,
        parallelTrialCount: 1,
      },
    );
    const local = await run(e, new InProcessSuggestionService());
    const viaGrpc = await run(e, remote);
    expect(local.assignments).toHaveLength(12);
    expect(viaGrpc.assignments).toEqual(local.assignments);
    expect(viaGrpc.phases).toEqual(local.phases);
    expect(viaGrpc.reason).toBe(local.reason);
  });

  it('random without random_state, when both sides use the same seed source', async () => {
    const e = experiment(
      'det-random-unseeded',
      { name: 'random' },
      { maxTrialCount: 8, parallelTrialCount: 1 },
    );
    const local = await run(e, new InProcessSuggestionService({ seedSource: () => 1234 }));
    const viaGrpc = await run(e, remote);
    expect(viaGrpc.assignments).toEqual(local.assignments);
  });

  it('grid, lexicographic and seeded, in parallel, to exhaustion', async () => {
    const parameters = { n: search.int(1, 3), opt: search.categorical(['sgd', 'adam']) };
    for (const settings of [{}, { random_state: '9' }]) {
      const e = experiment(
        'det-grid',
        { name: 'grid', settings },
        {
          maxTrialCount: 6,
          parallelTrialCount: 3,
          parameters,
        },
      );
      const local = await run(e, new InProcessSuggestionService());
      const viaGrpc = await run(e, remote);
      expect(local.assignments).toHaveLength(6);
      expect(viaGrpc.assignments).toEqual(local.assignments);
    }
    // No trial limit: both end by exhausting the space.
    const big = experiment(
      'det-grid-end',
      { name: 'grid' },
      {
        maxTrialCount: undefined,
        parallelTrialCount: 4,
        parameters,
      },
    );
    const local = await run(big, new InProcessSuggestionService());
    const viaGrpc = await run(big, remote);
    expect(viaGrpc.assignments).toEqual(local.assignments);
    expect(viaGrpc.assignments).toHaveLength(6);
    expect(viaGrpc.reason).toBe(local.reason);
  });
});
