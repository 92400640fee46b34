/**
 * Conformance of `SuggestionServer` to Katib's wire contract, driven by a client built from
 * proto/api.proto and proto/health.proto at run time with @grpc/proto-loader — deliberately not
 * through our proto-convert or TS types, so the test sees only what any Katib peer sees.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionServer } from '../../src/suggestion/index.js';

const PROTO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto');

/** What the tests read of a GetSuggestionsReply (decoded by proto-loader: snake_case, enums by name). */
interface Reply {
  parameter_assignments: {
    assignments: { name: string; value: string }[];
    trial_name: string;
    labels: Record<string, string>;
  }[];
  algorithm: { algorithm_name: string } | null;
  early_stopping_rules: unknown[];
}

type Callback = (err: grpc.ServiceError | null, reply?: unknown) => void;
type Unary = (request: unknown, options: grpc.CallOptions, callback: Callback) => void;

/** A raw client: messages are plain snake_case objects, enums by name. */
interface RawClient {
  call(method: string, request: unknown): Promise<Reply>;
  health(service: string): Promise<{ status: string }>;
  close(): void;
}

function rawClient(address: string): RawClient {
  const def = protoLoader.loadSync([path.join(PROTO, 'api.proto'), path.join(PROTO, 'health.proto')], {
    keepCase: true,
    enums: String,
    longs: Number,
    defaults: true,
    arrays: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    api: { v1: { beta1: { Suggestion: grpc.ServiceClientConstructor } } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const suggestion = new pkg.api.v1.beta1.Suggestion(address, grpc.credentials.createInsecure());
  const health = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  const unary = <T>(client: grpc.Client, method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, Unary>)[method]!;
      fn.call(client, request, { deadline: Date.now() + 10_000 }, (err, reply) =>
        err ? reject(err) : resolve(reply as T),
      );
    });
  return {
    call: (method, request) => unary<Reply>(suggestion, method, request),
    health: (service) => unary<{ status: string }>(health, 'Check', { service }),
    close: () => {
      suggestion.close();
      health.close();
    },
  };
}

/** The gRPC error of a call that must fail. */
async function failure(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('the call succeeded but should have failed');
}

interface ParamOpts {
  type?: string;
  min?: string;
  max?: string;
  step?: string;
  list?: string[];
  distribution?: string;
}

const param = (name: string, o: ParamOpts) => ({
  name,
  parameter_type: o.type ?? 'DOUBLE',
  feasible_space: {
    min: o.min ?? '',
    max: o.max ?? '',
    step: o.step ?? '',
    list: o.list ?? [],
    distribution: o.distribution ?? 'DISTRIBUTION_UNSPECIFIED',
  },
});

function experiment(
  algorithm: string,
  params: unknown[],
  settings: Record<string, string> = {},
  over: { max_trial_count?: number; name?: string } = {},
) {
  return {
    name: over.name ?? 'conformance',
    spec: {
      parameter_specs: { parameters: params },
      objective: { type: 'MINIMIZE', goal: 0, objective_metric_name: 'loss', additional_metric_names: [] },
      algorithm: {
        algorithm_name: algorithm,
        algorithm_settings: Object.entries(settings).map(([name, value]) => ({ name, value })),
      },
      parallel_trial_count: 3,
      max_trial_count: over.max_trial_count ?? 0,
    },
  };
}

const xy = [
  param('x', { min: '-2', max: '4' }),
  param('y', { min: '0.001', max: '1', distribution: 'LOG_UNIFORM' }),
];
const randomExperiment = experiment('random', xy, { random_state: '11' });
const gridParams = [
  param('n', { type: 'INT', min: '1', max: '3' }),
  param('opt', { type: 'CATEGORICAL', list: ['sgd', 'adam'] }),
];
const gridExperiment = experiment('grid', gridParams);

function trial(
  name: string,
  assignments: Record<string, string>,
  condition = 'SUCCEEDED',
  metrics: Record<string, string> = { loss: '1' },
) {
  return {
    name,
    spec: {
      objective: randomExperiment.spec.objective,
      parameter_assignments: {
        assignments: Object.entries(assignments).map(([n, value]) => ({ name: n, value })),
      },
      labels: {},
    },
    status: {
      start_time: '2024-01-01T00:00:00Z',
      completion_time: '2024-01-01T00:01:00Z',
      condition,
      observation: { metrics: Object.entries(metrics).map(([n, value]) => ({ name: n, value })) },
    },
  };
}

const request = (exp: unknown, current: number, trials: unknown[] = [], total?: number) => ({
  experiment: exp,
  trials,
  current_request_number: current,
  total_request_number: total ?? trials.length + current,
});

/** The assignments of a reply as `{name: value}` records. */
const records = (reply: Reply): Record<string, string>[] =>
  reply.parameter_assignments.map((p) => Object.fromEntries(p.assignments.map((a) => [a.name, a.value])));

let server: SuggestionServer;
let gridOnly: SuggestionServer;
let client: RawClient;
let gridClient: RawClient;

beforeAll(async () => {
  server = await SuggestionServer.start({ port: 0, limits: { maxTrials: 5000 } });
  gridOnly = await SuggestionServer.start({ port: 0, algorithm: 'grid', maxMessageBytes: 256 * 1024 });
  client = rawClient(server.address);
  gridClient = rawClient(gridOnly.address);
});

afterAll(async () => {
  client.close();
  gridClient.close();
  await server.close();
  await gridOnly.close();
});

/** The server still answers a good request. */
async function stillServing(c: RawClient = client, exp: unknown = randomExperiment): Promise<void> {
  const reply = await c.call('GetSuggestions', request(exp, 2));
  expect(reply.parameter_assignments).toHaveLength(2);
}

describe('Health', () => {
  it('reports SERVING for manager.v1beta1.Suggestion and the whole server, NOT_FOUND otherwise', async () => {
    expect((await client.health('manager.v1beta1.Suggestion')).status).toBe('SERVING');
    expect((await client.health('')).status).toBe('SERVING');
    expect((await gridClient.health('manager.v1beta1.Suggestion')).status).toBe('SERVING');
    const err = await failure(client.health('api.v1.beta1.NoSuchService'));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    await stillServing();
  });
});

describe('GetSuggestions: random', () => {
  it('returns exactly current_request_number feasible assignments and names the algorithm', async () => {
    for (const n of [1, 3, 17, 200]) {
      const reply = await client.call('GetSuggestions', request(randomExperiment, n));
      const rs = records(reply);
      expect(rs).toHaveLength(n);
      for (const r of rs) {
        expect(Object.keys(r)).toEqual(['x', 'y']);
        expect(Number(r['x'])).toBeGreaterThanOrEqual(-2);
        expect(Number(r['x'])).toBeLessThanOrEqual(4);
        expect(Number(r['y'])).toBeGreaterThanOrEqual(0.001);
        expect(Number(r['y'])).toBeLessThanOrEqual(1);
      }
      expect(reply.algorithm?.algorithm_name).toBe('random');
      expect(reply.early_stopping_rules).toEqual([]);
      for (const p of reply.parameter_assignments) expect(p.trial_name).toBe('');
    }
  });

  it('is deterministic for a request with random_state, and moves on with the suggestion count', async () => {
    const trials = [trial('t1', { x: '0.5', y: '0.1' }), trial('t2', { x: '1.5', y: '0.2' }, 'RUNNING', {})];
    const a = await client.call('GetSuggestions', request(randomExperiment, 3, trials));
    const b = await client.call('GetSuggestions', request(randomExperiment, 3, trials));
    expect(records(b)).toEqual(records(a));
    const later = await client.call('GetSuggestions', request(randomExperiment, 3, trials, 8));
    expect(records(later)).not.toEqual(records(a));
    // A second server (a restart) answers the same request the same way.
    const other = await SuggestionServer.start({ port: 0 });
    const c = rawClient(other.address);
    try {
      expect(records(await c.call('GetSuggestions', request(randomExperiment, 3, trials)))).toEqual(
        records(a),
      );
    } finally {
      c.close();
      await other.close();
    }
  });

  it('ignores NaN and garbage metric values in trials instead of failing', async () => {
    const trials = [
      trial('nan', { x: '0', y: '0.5' }, 'SUCCEEDED', { loss: 'NaN' }),
      trial('garbage', { x: '1', y: '0.5' }, 'SUCCEEDED', { loss: 'not-a-number' }),
      trial('inf', { x: '2', y: '0.5' }, 'SUCCEEDED', { loss: 'Infinity' }),
      trial('unavailable', { x: '3', y: '0.5' }, 'EARLYSTOPPED', { loss: 'unavailable' }),
    ];
    const reply = await client.call('GetSuggestions', request(randomExperiment, 4, trials));
    expect(records(reply)).toHaveLength(4);
  });
});

describe('GetSuggestions: grid', () => {
  it('walks the grid without repeats, then returns fewer when the space is exhausted', async () => {
    const first = records(await client.call('GetSuggestions', request(gridExperiment, 4)));
    expect(first).toHaveLength(4);
    expect(new Set(first.map((r) => JSON.stringify(r))).size).toBe(4);
    const trials = first.map((r, i) => trial(`g${i}`, r, i === 0 ? 'RUNNING' : 'SUCCEEDED'));
    const rest = records(await client.call('GetSuggestions', request(gridExperiment, 4, trials)));
    expect(rest).toHaveLength(2);
    const all = [...first, ...rest].map((r) => `${r['n']}/${r['opt']}`).sort();
    expect(all).toEqual(['1/adam', '1/sgd', '2/adam', '2/sgd', '3/adam', '3/sgd']);
    const done = [...first, ...rest].map((r, i) => trial(`d${i}`, r));
    expect(records(await client.call('GetSuggestions', request(gridExperiment, 3, done)))).toEqual([]);
  });

  it('is served by a single-algorithm server', async () => {
    const reply = await gridClient.call('GetSuggestions', request(gridExperiment, 6));
    expect(records(reply)).toHaveLength(6);
    expect(reply.algorithm?.algorithm_name).toBe('grid');
  });
});

describe('ValidateAlgorithmSettings', () => {
  it('accepts valid settings with an empty reply', async () => {
    expect(await client.call('ValidateAlgorithmSettings', { experiment: randomExperiment })).toEqual({});
    expect(
      await client.call('ValidateAlgorithmSettings', {
        experiment: experiment('grid', gridParams, { random_state: '3' }, { max_trial_count: 6 }),
      }),
    ).toEqual({});
  });

  it.each([
    ['random', xy, { random_state: '-1' }, 0, 'random_state should be great or equal than zero'],
    ['random', xy, { random_state: 'abc' }, 0, 'failed to validate random_state(abc)'],
    ['random', xy, { gamma: '0.5' }, 0, 'unknown setting gamma for algorithm random'],
    ['grid', gridParams, { foo: '1' }, 0, 'unknown setting foo for algorithm grid'],
    [
      'grid',
      [param('lr', { min: '0.1', max: '0.5' })],
      {},
      0,
      'Param lr step is nil; For discrete search space, all parameters must include step',
    ],
    ['grid', gridParams, {}, 10, 'Max Trial Count: 10 > all possible search combinations: 6'],
  ])('%s %j → INVALID_ARGUMENT with Katib message', async (algo, params, settings, max, message) => {
    const err = await failure(
      client.call('ValidateAlgorithmSettings', {
        experiment: experiment(algo, params, settings, { max_trial_count: max }),
      }),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain(message);
    await stillServing();
  });

  it('names the field on the wire', async () => {
    const err = await failure(
      client.call('ValidateAlgorithmSettings', {
        experiment: experiment('random', xy, { random_state: '-1' }),
      }),
    );
    expect(err.details).toBe(
      'experiment.spec.algorithm.algorithm_settings[0].value: random_state should be great or equal than zero',
    );
  });
});

describe('bad requests get a status with a clear message, and the server keeps serving', () => {
  const cases: [string, () => RawClient, string, unknown, grpc.status, RegExp][] = [
    [
      'unknown algorithm name',
      () => client,
      'GetSuggestions',
      request(experiment('no-such-algo', xy), 1),
      grpc.status.INVALID_ARGUMENT,
      /experiment\.spec\.algorithm\.algorithm_name: unknown algorithm name no-such-algo; known algorithms: ([a-z-]+, )*grid, ([a-z-]+, )*random/,
    ],
    [
      'unknown algorithm name (validate)',
      () => client,
      'ValidateAlgorithmSettings',
      { experiment: experiment('hyperband-ish', xy) },
      grpc.status.INVALID_ARGUMENT,
      /unknown algorithm name hyperband-ish/,
    ],
    [
      'algorithm not served in single-algorithm mode',
      () => gridClient,
      'GetSuggestions',
      request(randomExperiment, 1),
      grpc.status.INVALID_ARGUMENT,
      /serves only algorithm grid, not random/,
    ],
    [
      'algorithm not served in single-algorithm mode (validate)',
      () => gridClient,
      'ValidateAlgorithmSettings',
      { experiment: randomExperiment },
      grpc.status.INVALID_ARGUMENT,
      /serves only algorithm grid, not random/,
    ],
    [
      'empty request',
      () => client,
      'GetSuggestions',
      {},
      grpc.status.INVALID_ARGUMENT,
      /current_request_number: must be at least 1, got 0.*experiment: must be specified/,
    ],
    [
      'empty experiment',
      () => client,
      'GetSuggestions',
      request({}, 1),
      grpc.status.INVALID_ARGUMENT,
      /experiment\.name: must not be empty; experiment\.spec: must be specified/,
    ],
    [
      'empty experiment (validate)',
      () => client,
      'ValidateAlgorithmSettings',
      {},
      grpc.status.INVALID_ARGUMENT,
      /^experiment: must be specified$/,
    ],
    [
      'experiment without parameters',
      () => client,
      'GetSuggestions',
      request(experiment('random', []), 1),
      grpc.status.INVALID_ARGUMENT,
      /experiment\.spec\.parameter_specs\.parameters: Required value/,
    ],
    [
      'unknown objective type',
      () => client,
      'GetSuggestions',
      request(
        {
          ...randomExperiment,
          spec: { ...randomExperiment.spec, objective: { type: 'UNKNOWN', objective_metric_name: 'loss' } },
        },
        1,
      ),
      grpc.status.INVALID_ARGUMENT,
      /experiment\.spec\.objective\.type: UNKNOWN is not a valid objective type; use MINIMIZE, MAXIMIZE/,
    ],
    [
      'malformed feasible space: min not a number',
      () => client,
      'GetSuggestions',
      request(experiment('random', [param('x', { min: 'abc', max: '1' })]), 1),
      grpc.status.INVALID_ARGUMENT,
      /experiment\.spec\.parameter_specs\.parameters\[0\]\.feasible_space\.min: must be a finite decimal number, got "abc"/,
    ],
    [
      'malformed feasible space: min > max',
      () => client,
      'GetSuggestions',
      request(
        experiment('random', [param('ok', { min: '0', max: '1' }), param('x', { min: '5', max: '1' })]),
        1,
      ),
      grpc.status.INVALID_ARGUMENT,
      /experiment\.spec\.parameter_specs\.parameters\[1\]\.feasible_space\.min: must be less than max \(1\)/,
    ],
    [
      'malformed feasible space: categorical without list',
      () => client,
      'GetSuggestions',
      request(experiment('random', [param('c', { type: 'CATEGORICAL' })]), 1),
      grpc.status.INVALID_ARGUMENT,
      /parameters\[0\]\.feasible_space/,
    ],
    [
      'unknown parameter type',
      () => client,
      'GetSuggestions',
      request(experiment('random', [param('x', { type: 'UNKNOWN_TYPE', min: '0', max: '1' })]), 1),
      grpc.status.INVALID_ARGUMENT,
      /parameters\[0\]\.parameter_type: UNKNOWN_TYPE is not a valid parameter type/,
    ],
    [
      'unknown enum number',
      () => client,
      'GetSuggestions',
      request(experiment('random', [param('x', { type: 9 as unknown as string, min: '0', max: '1' })]), 1),
      grpc.status.INVALID_ARGUMENT,
      /parameters\[0\]\.parameter_type: value 9 is not a valid parameter type/,
    ],
    [
      'huge current_request_number',
      () => client,
      'GetSuggestions',
      request(randomExperiment, 2_000_000_000),
      grpc.status.INVALID_ARGUMENT,
      /current_request_number: 2000000000 is too many assignments for one request; at most 10000 are allowed/,
    ],
    [
      'negative current_request_number',
      () => client,
      'GetSuggestions',
      request(randomExperiment, -5, [], 0),
      grpc.status.INVALID_ARGUMENT,
      /current_request_number: must be at least 1, got -5/,
    ],
    [
      'too many trials',
      () => client,
      'GetSuggestions',
      request(
        randomExperiment,
        1,
        Array.from({ length: 5001 }, (_, i) => trial(`t${i}`, { x: '0', y: '0.5' })),
      ),
      grpc.status.INVALID_ARGUMENT,
      /trials: has 5001 trials; at most 5000 are allowed/,
    ],
    [
      'trial with a non-numeric assignment',
      () => client,
      'GetSuggestions',
      request(randomExperiment, 1, [trial('bad', { x: 'NaN', y: '0.5' })]),
      grpc.status.INVALID_ARGUMENT,
      /trials\[0\]\.spec\.parameter_assignments\.assignments\[0\]\.value: must be a finite number for double parameter x, got "NaN"/,
    ],
    [
      'trial missing a parameter',
      () => client,
      'GetSuggestions',
      request(randomExperiment, 1, [trial('bad', { x: '1' })]),
      grpc.status.INVALID_ARGUMENT,
      /trials\[0\]\.spec\.parameter_assignments\.assignments: has no value for parameter y/,
    ],
    [
      'trials with the same name, or none',
      () => client,
      'GetSuggestions',
      request(randomExperiment, 1, [
        trial('same', { x: '1', y: '0.5' }),
        trial('same', { x: '2', y: '0.5' }),
        trial('', { x: '3', y: '0.5' }),
      ]),
      grpc.status.INVALID_ARGUMENT,
      /trials\[1\]\.name: duplicate trial name "same"; trials\[2\]\.name: must not be empty/,
    ],
    [
      'message over the size limit',
      () => gridClient,
      'GetSuggestions',
      request(gridExperiment, 1, [
        trial('big', { n: '1', opt: 'sgd' }, 'SUCCEEDED', { loss: 'x'.repeat(300 * 1024) }),
      ]),
      grpc.status.RESOURCE_EXHAUSTED,
      /.+/,
    ],
  ];

  it.each(cases)('%s', async (_name, who, method, req, code, message) => {
    const c = who();
    const err = await failure(c.call(method, req));
    expect(err.code).toBe(code);
    expect(err.details).toMatch(message);
    expect(err.details).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    await stillServing(c, c === gridClient ? gridExperiment : randomExperiment);
  });

  it('answers bytes that are not a protobuf message with an error status', async () => {
    const raw = grpc.makeGenericClientConstructor(
      {
        GetSuggestions: {
          path: '/api.v1.beta1.Suggestion/GetSuggestions',
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      'Suggestion',
    );
    const c = new raw(server.address, grpc.credentials.createInsecure());
    const send = c['GetSuggestions'] as unknown as (b: Buffer, cb: Callback) => void;
    try {
      for (const bytes of [
        Buffer.from([0x0a, 0x7f, 0x01]),
        Buffer.from([0xff, 0xff, 0xff]),
        Buffer.alloc(64, 0x0a),
      ]) {
        const err = await failure(
          new Promise((resolve, reject) => send.call(c, bytes, (e, r) => (e ? reject(e) : resolve(r)))),
        );
        expect([grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT]).toContain(err.code);
        await stillServing();
      }
    } finally {
      c.close();
    }
  });

  it('caps the number of reported problems', async () => {
    const trials = Array.from({ length: 200 }, (_, i) => trial(`t${i}`, { x: 'oops', y: '0.5' }));
    const err = await failure(client.call('GetSuggestions', request(randomExperiment, 1, trials)));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details.split('; ')).toHaveLength(51);
    expect(err.details).toMatch(/request: 150 more errors not shown$/);
    await stillServing();
  });
});
