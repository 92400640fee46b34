/**
 * GrpcSuggestionService against our SuggestionServer (same answers and errors as in-process) and
 * against stub services that misbehave (too many assignments, settings in the reply, slow, down).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InternalError,
  NotFoundError,
  SpecError,
  UnavailableError,
  type ParameterSpec,
} from '../../src/api/index.js';
import { createGrpcServer, listen, loadKatibProto, shutdownServer } from '../../src/grpc/index.js';
import {
  GrpcSuggestionService,
  InProcessSuggestionService,
  SuggestionServer,
  type GetSuggestionsRequest,
} from '../../src/suggestion/index.js';
import { experimentOf, experimentSpec, trialView } from '../arbitraries/search-space.js';

const params: ParameterSpec[] = [
  {
    name: 'lr',
    parameterType: 'double',
    feasibleSpace: { min: '0.001', max: '0.1', distribution: 'logUniform' },
  },
  { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '4' } },
  { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam'] } },
  { name: 'bs', parameterType: 'discrete', feasibleSpace: { list: ['16', '32.0'] } },
];
const seeded = experimentOf(experimentSpec('random', params, [{ name: 'random_state', value: '5' }]));

/** A stub Suggestion service answering GetSuggestions with `reply` (or an error), after `delayMs`. */
async function stub(
  handler: (req: Record<string, unknown>) => {
    reply?: unknown;
    error?: Partial<grpc.StatusObject>;
    delayMs?: number;
  },
): Promise<{ address: string; close: () => Promise<void> }> {
  const server = createGrpcServer();
  const { Suggestion } = loadKatibProto();
  const answer = (
    call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
    cb: grpc.sendUnaryData<unknown>,
  ) => {
    const { reply, error, delayMs } = handler(call.request);
    setTimeout(() => (error ? cb(error as grpc.ServiceError) : cb(null, reply)), delayMs ?? 0);
  };
  server.addService(Suggestion.service, { GetSuggestions: answer, ValidateAlgorithmSettings: answer });
  const port = await listen(server, { port: 0 });
  return { address: `127.0.0.1:${port}`, close: () => shutdownServer(server, 100) };
}

const assignment = (lr: string) => ({
  assignments: [
    { name: 'lr', value: lr },
    { name: 'layers', value: '2' },
    { name: 'opt', value: 'adam' },
    { name: 'bs', value: '16' },
  ],
  trial_name: '',
  labels: {},
});

let server: SuggestionServer;
let client: GrpcSuggestionService;

beforeAll(async () => {
  server = await SuggestionServer.start({ port: 0 });
  client = new GrpcSuggestionService({ address: server.address, deadlineMs: 10_000 });
});

afterAll(async () => {
  client.close();
  await server.close();
});

describe('GrpcSuggestionService against SuggestionServer', () => {
  it('gives the in-process answer for the same request (random_state, trials, counts)', async () => {
    const trials = [
      trialView(
        't1',
        [
          { name: 'lr', value: '0.01' },
          { name: 'layers', value: '3' },
          { name: 'opt', value: 'sgd' },
          { name: 'bs', value: '32.0' },
        ],
        'Succeeded',
        0.5,
      ),
      trialView(
        't2',
        [
          { name: 'lr', value: '0.02' },
          { name: 'layers', value: '1' },
          { name: 'opt', value: 'adam' },
          { name: 'bs', value: '16' },
        ],
        'Running',
      ),
    ];
    const req: GetSuggestionsRequest = {
      experiment: seeded,
      trials,
      currentRequestNumber: 3,
      totalRequestNumber: 5,
    };
    const remote = await client.getSuggestions(req);
    const local = await new InProcessSuggestionService().getSuggestions(req);
    expect(remote.assignments).toEqual(local.assignments);
    expect(remote.assignments).toHaveLength(3);
    expect(remote.algorithmSettings).toBeUndefined();
    expect(remote.state).toBeUndefined();
  });

  it('maps INVALID_ARGUMENT back to a SpecError with the in-process paths and messages', async () => {
    const bad = experimentOf(experimentSpec('random', params, [{ name: 'random_state', value: '-3' }]));
    const remote = await client.validateAlgorithmSettings(bad).catch((e: unknown) => e);
    const local = await new InProcessSuggestionService()
      .validateAlgorithmSettings(bad)
      .catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(SpecError);
    expect((remote as SpecError).errors).toEqual(
      (local as SpecError).errors.map(({ path, message }) => ({ path, message })),
    );
    expect((remote as SpecError).errors[0]).toEqual({
      path: 'spec.algorithm.algorithmSettings[0].value',
      message: 'random_state should be great or equal than zero',
    });

    const grid = experimentOf(
      experimentSpec('grid', [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }]),
    );
    const err = (await client.validateAlgorithmSettings(grid).catch((e: unknown) => e)) as SpecError;
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]?.path).toBe('spec.parameters[0].feasibleSpace.step');
    expect(err.errors[0]?.message).toMatch(
      /step is nil; For discrete search space, all parameters must include step$/,
    );
  });

  it('resolves for valid settings and reports health', async () => {
    await expect(client.validateAlgorithmSettings(seeded)).resolves.toBeUndefined();
    await expect(client.checkHealth()).resolves.toBe('SERVING');
    await expect(client.checkHealth('nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('sends nothing for a request of 0 and honours an aborted signal', async () => {
    await expect(
      client.getSuggestions({
        experiment: seeded,
        trials: [],
        currentRequestNumber: 0,
        totalRequestNumber: 0,
      }),
    ).resolves.toEqual({ assignments: [] });
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(
      client.getSuggestions(
        { experiment: seeded, trials: [], currentRequestNumber: 1, totalRequestNumber: 1 },
        { signal: ac.signal },
      ),
    ).rejects.toThrow('stop');
  });
});

describe('GrpcSuggestionService against misbehaving services', () => {
  const req: GetSuggestionsRequest = {
    experiment: seeded,
    trials: [],
    currentRequestNumber: 2,
    totalRequestNumber: 2,
  };

  it('refuses more assignments than requested, accepts fewer, and maps reply settings', async () => {
    const s = await stub((r) => ({
      reply: {
        parameter_assignments: Array.from({ length: r['current_request_number'] === 2 ? 3 : 1 }, () =>
          assignment('0.05'),
        ),
        algorithm: { algorithm_name: 'random', algorithm_settings: [{ name: 'bracket', value: '2' }] },
      },
    }));
    const c = new GrpcSuggestionService({ address: s.address });
    try {
      const err = await c.getSuggestions(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as Error).message).toMatch(/^The response contains unexpected trials/);
      const fewer = await c.getSuggestions({ ...req, currentRequestNumber: 3, totalRequestNumber: 3 });
      expect(fewer.assignments).toHaveLength(1);
      expect(fewer.algorithmSettings).toEqual([{ name: 'bracket', value: '2' }]);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('keeps trial names and labels the service chose', async () => {
    const s = await stub(() => ({
      reply: {
        parameter_assignments: [
          { ...assignment('0.01'), trial_name: 'pbt-gen1-a', labels: { generation: '1' } },
        ],
      },
    }));
    const c = new GrpcSuggestionService({ address: s.address });
    try {
      const r = await c.getSuggestions({ ...req, currentRequestNumber: 1, totalRequestNumber: 1 });
      expect(r.assignments[0]).toMatchObject({ trialName: 'pbt-gen1-a', labels: { generation: '1' } });
    } finally {
      c.close();
      await s.close();
    }
  });

  it('treats UNIMPLEMENTED validation as valid and UNKNOWN as invalid, as Katib does', async () => {
    let code = grpc.status.UNIMPLEMENTED;
    const s = await stub(() => ({ error: { code, details: 'boom in validator' } }));
    const c = new GrpcSuggestionService({ address: s.address });
    try {
      await expect(c.validateAlgorithmSettings(seeded)).resolves.toBeUndefined();
      code = grpc.status.UNKNOWN;
      const err = (await c.validateAlgorithmSettings(seeded).catch((e: unknown) => e)) as SpecError;
      expect(err).toBeInstanceOf(SpecError);
      expect(err.errors).toEqual([{ path: 'spec.algorithm', message: 'boom in validator' }]);
      code = grpc.status.INTERNAL;
      await expect(c.getSuggestions(req)).rejects.toBeInstanceOf(InternalError);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('maps a missed deadline and an unreachable service to UnavailableError', async () => {
    const s = await stub(() => ({ reply: { parameter_assignments: [] }, delayMs: 500 }));
    const c = new GrpcSuggestionService({ address: s.address, deadlineMs: 50 });
    try {
      const err = await c.getSuggestions(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toMatch(/Deadline exceeded/i);
      // A per-call deadline wins over the constructor's.
      await expect(c.getSuggestions(req, { deadlineMs: 5000 })).resolves.toEqual({ assignments: [] });
    } finally {
      c.close();
      await s.close();
    }
    const down = new GrpcSuggestionService({ address: s.address, deadlineMs: 2000 });
    try {
      await expect(down.getSuggestions(req)).rejects.toBeInstanceOf(UnavailableError);
      await expect(down.checkHealth(undefined, 1000)).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      down.close();
    }
  });

  it('cancels a call in flight when the signal aborts', async () => {
    const s = await stub(() => ({ reply: { parameter_assignments: [] }, delayMs: 2000 }));
    const c = new GrpcSuggestionService({ address: s.address });
    try {
      const ac = new AbortController();
      const started = Date.now();
      setTimeout(() => ac.abort(new Error('controller stopping')), 50);
      await expect(c.getSuggestions(req, { signal: ac.signal })).rejects.toThrow('controller stopping');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('reports a malformed reply as InternalError', async () => {
    const s = await stub(() => ({
      reply: { parameter_assignments: [{ assignments: [{ name: '', value: '1' }] }] },
    }));
    const c = new GrpcSuggestionService({ address: s.address });
    try {
      const err = await c.getSuggestions(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as Error).message).toMatch(
        /malformed GetSuggestionsReply: parameter_assignments\[0\]\.assignments\[0\]\.name: must not be empty/,
      );
    } finally {
      c.close();
      await s.close();
    }
  });
});
