/**
 * Katib's EarlyStopping service as a Katib peer sees it: the client is built from proto/api.proto
 * and proto/health.proto at run time with @grpc/proto-loader (not from our TS types or converters),
 * against a real SQLite store, and a real DBManager for `db_manager_address`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialPhase, type MetricLog, type TrialConditionType } from '../../src/api/index.js';
import { EarlyStoppingServer } from '../../src/earlystopping/index.js';
import { DBManagerServer } from '../../src/server/index.js';
import { openStore, type ExperimentStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';

const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');
const definition = protoLoader.loadSync(
  [path.join(PROTO_DIR, 'api.proto'), path.join(PROTO_DIR, 'health.proto')],
  { keepCase: true, longs: Number, enums: String, defaults: true, arrays: true },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  api: { v1: { beta1: { EarlyStopping: grpc.ServiceClientConstructor } } };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};
const EarlyStoppingClient = loaded.api.v1.beta1.EarlyStopping;
const HealthClient = loaded.grpc.health.v1.Health;

type Rpc = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply: unknown) => void,
) => void;

/** Calls a unary rpc; resolves to the reply (typed by the caller: the client is untyped). */
function call<T = unknown>(client: grpc.Client, method: string, request: unknown): Promise<T> {
  const rpc = (client as unknown as Record<string, Rpc>)[method]!.bind(client);
  return new Promise((resolve, reject) => {
    rpc(request, { deadline: Date.now() + 15_000 }, (err, reply) =>
      err ? reject(err) : resolve(reply as T),
    );
  });
}

/** Calls a unary rpc that must fail; resolves to the error. */
async function callError(client: grpc.Client, method: string, request: unknown): Promise<grpc.ServiceError> {
  try {
    await call(client, method, request);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error(`${method} succeeded but should have failed`);
}

interface WireRule {
  name: string;
  value: string;
  comparison: string;
  start_step: number;
}

function getRules(client: grpc.Client, request: unknown): Promise<WireRule[]> {
  return call<{ early_stopping_rules: WireRule[] }>(client, 'GetEarlyStoppingRules', request).then(
    (r) => r.early_stopping_rules,
  );
}

const settingsOf = (s: Record<string, string>) => Object.entries(s).map(([name, value]) => ({ name, value }));

/** A proto Experiment as Katib's controller sends it. */
function protoExperiment(settings: Record<string, string> = {}, algorithm = 'medianstop') {
  return {
    name: 'es-exp',
    spec: {
      parameter_specs: {
        parameters: [
          {
            name: 'lr',
            parameter_type: 'DOUBLE',
            feasible_space: { min: '0.001', max: '0.1', step: '', list: [], distribution: 'UNIFORM' },
          },
        ],
      },
      objective: { type: 'MINIMIZE', goal: 0, objective_metric_name: 'loss', additional_metric_names: [] },
      algorithm: { algorithm_name: 'random', algorithm_settings: [] },
      early_stopping: { algorithm_name: algorithm, algorithm_settings: settingsOf(settings) },
      parallel_trial_count: 3,
      max_trial_count: 12,
    },
  };
}

/** A proto Trial. */
function protoTrial(name: string, condition: string | number, loss = '1') {
  return {
    name,
    spec: {
      objective: { type: 'MINIMIZE', goal: 0, objective_metric_name: 'loss', additional_metric_names: [] },
      parameter_assignments: { assignments: [{ name: 'lr', value: '0.01' }] },
      labels: {},
    },
    status: {
      start_time: '2024-05-01T10:00:00Z',
      completion_time: '',
      condition,
      observation: { metrics: [{ name: 'loss', value: loss }] },
    },
  };
}

/** The store's trials: name, phase, loss reports. Completed averages 1, 2, 9 (mean 4, median 2). */
const STORED: [string, TrialConditionType | undefined, (number | string)[]][] = [
  ['s1', 'Succeeded', [1, 1, 1, 1, 0.1]],
  ['s2', 'Succeeded', [2, 2, 2, 2]],
  ['s3', 'Succeeded', [9, 9, 9, 9]],
  ['nan', 'Succeeded', ['NaN', 'NaN']],
  ['r1', 'Running', [5, 5, 5, 5]],
  ['r2', 'Running', [3, 0.5]],
  ['p1', undefined, []],
];

const requestTrials = () => [
  protoTrial('s1', 'SUCCEEDED', '0.1'),
  protoTrial('s2', 'SUCCEEDED', '2'),
  protoTrial('s3', 'SUCCEEDED', '9'),
  protoTrial('nan', 'SUCCEEDED', 'NaN'),
  protoTrial('r1', 'RUNNING', '5'),
  protoTrial('p1', 'CREATED', 'unavailable'),
];

const MEDIAN_RULE: WireRule = { name: 'loss', value: '2', comparison: 'GREATER', start_step: 4 };

describe('EarlyStopping over gRPC (client from proto/api.proto)', () => {
  let dir: string;
  let store: ExperimentStore;
  /** With the store. */
  let server: EarlyStoppingServer;
  /** Without a store, small limits. */
  let bare: EarlyStoppingServer;
  let dbManager: DBManagerServer;
  let deadAddress: string;
  let es: grpc.Client;
  let esBare: grpc.Client;
  let health: grpc.Client;

  async function stillServing(): Promise<void> {
    const reply = await call<{ status: string }>(health, 'Check', {
      service: 'manager.v1beta1.EarlyStopping',
    });
    expect(reply.status).toBe('SERVING');
    expect(await getRules(es, { experiment: protoExperiment(), trials: requestTrials() })).toEqual([
      MEDIAN_RULE,
    ]);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'katib-es-'));
    store = await openStore(`sqlite:${path.join(dir, 'katib.db')}`);
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('es-exp'));
      for (const [name, condition, values] of STORED) {
        await tx.createTrial(trialFixture('es-exp', name, condition));
        const logs: MetricLog[] = values.flatMap((v, i) => [
          { timeStamp: `2024-05-01T10:00:0${i}Z`, metricName: 'loss', value: String(v), step: i + 1 },
          { timeStamp: `2024-05-01T10:00:0${i}Z`, metricName: 'accuracy', value: '0.5', step: i + 1 },
        ]);
        if (logs.length > 0) await tx.appendObservations(name, logs);
      }
    });
    server = await EarlyStoppingServer.start({ store, port: 0 });
    bare = await EarlyStoppingServer.start({ port: 0, maxMessageBytes: 8 * 1024, maxTrials: 5 });
    dbManager = await DBManagerServer.start({ store, port: 0 });
    const gone = await EarlyStoppingServer.start({ port: 0 });
    deadAddress = gone.address;
    await gone.close();
    es = new EarlyStoppingClient(server.address, grpc.credentials.createInsecure());
    esBare = new EarlyStoppingClient(bare.address, grpc.credentials.createInsecure());
    health = new HealthClient(server.address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    es.close();
    esBare.close();
    health.close();
    await server.close();
    await bare.close();
    await dbManager.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 and reports SERVING for manager.v1beta1.EarlyStopping', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    for (const service of ['manager.v1beta1.EarlyStopping', '']) {
      expect((await call<{ status: string }>(health, 'Check', { service })).status).toBe('SERVING');
    }
    const err = await callError(health, 'Check', { service: 'manager.v1beta1.Suggestion' });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  describe('ValidateEarlyStoppingSettings', () => {
    it('accepts medianstop with defaults or valid settings', async () => {
      for (const settings of [{}, { min_trials_required: '5', start_step: '1' }]) {
        const reply = await call(es, 'ValidateEarlyStoppingSettings', {
          early_stopping: { algorithm_name: 'medianstop', algorithm_settings: settingsOf(settings) },
        });
        expect(reply).toEqual({});
      }
    });

    const invalid: [string, unknown, string][] = [
      [
        'min_trials_required 0',
        { algorithm_name: 'medianstop', algorithm_settings: settingsOf({ min_trials_required: '0' }) },
        'early_stopping.algorithm_settings[0].value: min_trials_required must be greater than zero (>0)',
      ],
      [
        'start_step 0',
        { algorithm_name: 'medianstop', algorithm_settings: settingsOf({ start_step: '0' }) },
        'early_stopping.algorithm_settings[0].value: start_step must be greater or equal than one (>=1)',
      ],
      [
        'not a number',
        { algorithm_name: 'medianstop', algorithm_settings: settingsOf({ start_step: 'four' }) },
        'failed to validate start_step(four)',
      ],
      [
        'unknown setting',
        { algorithm_name: 'medianstop', algorithm_settings: settingsOf({ patience: '2' }) },
        'early_stopping.algorithm_settings[0].name: unknown setting patience for algorithm medianstop',
      ],
      [
        'unknown algorithm',
        { algorithm_name: 'hyperband', algorithm_settings: [] },
        'unknown algorithm name hyperband',
      ],
      [
        'no spec at all',
        null,
        'early_stopping.algorithm_name: must be specified; known early-stopping algorithms: medianstop',
      ],
    ];
    for (const [name, spec, message] of invalid) {
      it(`refuses ${name} with INVALID_ARGUMENT and Katib's message`, async () => {
        const err = await callError(es, 'ValidateEarlyStoppingSettings', { early_stopping: spec });
        expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err.details).toContain(message);
      });
    }

    it('lists every broken setting at once', async () => {
      const err = await callError(es, 'ValidateEarlyStoppingSettings', {
        early_stopping: {
          algorithm_name: 'medianstop',
          algorithm_settings: settingsOf({ min_trials_required: '-1', start_step: '0', foo: 'x' }),
        },
      });
      expect(err.details.split('; ')).toHaveLength(3);
    });
  });

  describe('GetEarlyStoppingRules', () => {
    it("answers the median rule, reading logs from the server's store", async () => {
      expect(await getRules(es, { experiment: protoExperiment(), trials: requestTrials() })).toEqual([
        MEDIAN_RULE,
      ]);
    });

    it('reads logs from the DBManager at db_manager_address (a server without a store)', async () => {
      const rules = await getRules(esBare, {
        experiment: protoExperiment(),
        trials: requestTrials().slice(0, 5),
        db_manager_address: dbManager.address,
      });
      expect(rules).toEqual([MEDIAN_RULE]);
    });

    it('honours the settings, and answers no rule until enough trials completed', async () => {
      const e = protoExperiment({ start_step: '5', min_trials_required: '2' });
      // s1 now averages 0.82 over five reports; s2 and s3 have only four.
      expect(await getRules(es, { experiment: e, trials: requestTrials() })).toEqual([
        { name: 'loss', value: '2', comparison: 'GREATER', start_step: 5 },
      ]);
      // The trial with only NaN reports does not count: 3 usable trials < 4.
      const four = protoExperiment({ min_trials_required: '4' });
      expect(await getRules(es, { experiment: four, trials: requestTrials() })).toEqual([]);
      expect(await getRules(es, { experiment: protoExperiment(), trials: [] })).toEqual([]);
    });

    it('LESS for a maximized objective', async () => {
      const e = protoExperiment({ min_trials_required: '1', start_step: '1' });
      e.spec.objective = { ...e.spec.objective, type: 'MAXIMIZE', objective_metric_name: 'accuracy' };
      expect(await getRules(es, { experiment: e, trials: requestTrials() })).toEqual([
        { name: 'accuracy', value: '0.5', comparison: 'LESS', start_step: 1 },
      ]);
    });

    it('accepts an experiment without a search algorithm, and NaN metric values in trials', async () => {
      const e = protoExperiment();
      const withoutAlgorithm = { ...e, spec: { ...e.spec, algorithm: null } };
      const trials = requestTrials().map((t) => ({
        ...t,
        status: { ...t.status, observation: { metrics: [{ name: 'loss', value: 'NaN' }] } },
      }));
      expect(await getRules(es, { experiment: withoutAlgorithm, trials })).toEqual([MEDIAN_RULE]);
    });

    it('FAILED_PRECONDITION without a DBManager address or a store', async () => {
      const err = await callError(esBare, 'GetEarlyStoppingRules', {
        experiment: protoExperiment(),
        trials: requestTrials().slice(0, 5),
      });
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.details).toContain('no db_manager_address');
    });

    it('UNAVAILABLE when the DBManager cannot be reached', async () => {
      const err = await callError(es, 'GetEarlyStoppingRules', {
        experiment: protoExperiment(),
        trials: requestTrials(),
        db_manager_address: deadAddress,
      });
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
      expect(err.details).toContain(`DBManager at ${deadAddress}`);
    });

    const bad: [string, () => unknown, string][] = [
      ['an empty request', () => ({}), 'experiment: must be specified'],
      ['an empty experiment', () => ({ experiment: { name: '', spec: null } }), 'experiment.'],
      [
        'no early stopping',
        () => ({
          experiment: { ...protoExperiment(), spec: { ...protoExperiment().spec, early_stopping: null } },
        }),
        'experiment.spec.early_stopping.algorithm_name: must be specified',
      ],
      [
        'an unknown algorithm',
        () => ({ experiment: protoExperiment({}, 'median') }),
        'unknown algorithm name median',
      ],
      [
        'bad settings',
        () => ({ experiment: protoExperiment({ start_step: '0' }) }),
        'experiment.spec.early_stopping.algorithm_settings[0].value: start_step must be greater or equal than one (>=1)',
      ],
      [
        'an unknown objective type',
        () => {
          const e = protoExperiment();
          e.spec.objective = { ...e.spec.objective, type: 'UNKNOWN' };
          return { experiment: e };
        },
        'experiment.spec.objective.type',
      ],
      [
        'a trial without a name',
        () => ({ experiment: protoExperiment(), trials: [protoTrial('', 'SUCCEEDED')] }),
        'trials[0].name',
      ],
      [
        'an out-of-range trial condition',
        () => ({ experiment: protoExperiment(), trials: [protoTrial('x', 99)] }),
        'trials[0].status.condition',
      ],
      [
        'duplicate trial names',
        () => ({
          experiment: protoExperiment(),
          trials: [protoTrial('s1', 'SUCCEEDED'), protoTrial('s1', 'RUNNING')],
        }),
        'trials[1].name: duplicate trial name "s1"',
      ],
    ];
    for (const [name, request, message] of bad) {
      it(`INVALID_ARGUMENT for ${name}`, async () => {
        const err = await callError(es, 'GetEarlyStoppingRules', request());
        expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err.details).toContain(message);
      });
    }

    it('refuses too many trials and too large messages', async () => {
      const many = Array.from({ length: 6 }, (_, i) => protoTrial(`t${i}`, 'SUCCEEDED'));
      const tooMany = await callError(esBare, 'GetEarlyStoppingRules', {
        experiment: protoExperiment(),
        trials: many,
        db_manager_address: dbManager.address,
      });
      expect(tooMany.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(tooMany.details).toContain('at most 5');
      const huge = await callError(esBare, 'GetEarlyStoppingRules', {
        experiment: protoExperiment(),
        trials: [protoTrial('x'.repeat(20_000), 'SUCCEEDED')],
      });
      expect(huge.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    });
  });

  describe('SetTrialStatus', () => {
    it('marks a running trial EarlyStopped in the store and keeps its observation', async () => {
      const before = await store.read.getTrial('r1');
      expect(trialPhase(before!.trial.status)).toBe('Running');
      expect(await call(es, 'SetTrialStatus', { trial_name: 'r1' })).toEqual({});
      const after = await store.read.getTrial('r1');
      const status = after!.trial.status;
      expect(trialPhase(status)).toBe('EarlyStopped');
      expect(status.conditions.at(-1)).toMatchObject({
        type: 'EarlyStopped',
        status: 'True',
        reason: 'TrialEarlyStopped',
        message: 'Trial is early stopped',
      });
      expect(status.observation?.metrics.find((m) => m.name === 'loss')).toEqual({
        name: 'loss',
        min: '5',
        max: '5',
        latest: '5',
      });
      expect(after!.version).toBeGreaterThan(before!.version);
    });

    it('is a no-op for a trial that already finished (and for a second call)', async () => {
      for (const name of ['r1', 's1']) {
        const before = await store.read.getTrial(name);
        expect(await call(es, 'SetTrialStatus', { trial_name: name })).toEqual({});
        const after = await store.read.getTrial(name);
        expect(after!.version).toBe(before!.version);
        expect(after!.trial.status).toEqual(before!.trial.status);
      }
      expect(trialPhase((await store.read.getTrial('s1'))!.trial.status)).toBe('Succeeded');
    });

    it('marks a pending trial too', async () => {
      await call(es, 'SetTrialStatus', { trial_name: 'p1' });
      expect(trialPhase((await store.read.getTrial('p1'))!.trial.status)).toBe('EarlyStopped');
    });

    it('NOT_FOUND for an unknown trial, INVALID_ARGUMENT for none', async () => {
      const unknown = await callError(es, 'SetTrialStatus', { trial_name: 'ghost' });
      expect(unknown.code).toBe(grpc.status.NOT_FOUND);
      expect(unknown.details).toContain('ghost');
      const none = await callError(es, 'SetTrialStatus', {});
      expect(none.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(none.details).toContain('trial_name');
    });

    it('FAILED_PRECONDITION on a server without a store', async () => {
      const err = await callError(esBare, 'SetTrialStatus', { trial_name: 'r2' });
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(trialPhase((await store.read.getTrial('r2'))!.trial.status)).toBe('Running');
    });
  });

  it('answers garbage bytes with an error status and keeps serving', async () => {
    const raw = new grpc.Client(server.address, grpc.credentials.createInsecure());
    try {
      for (const method of ['GetEarlyStoppingRules', 'SetTrialStatus', 'ValidateEarlyStoppingSettings']) {
        const err = await new Promise<grpc.ServiceError | null>((resolve) => {
          raw.makeUnaryRequest(
            `/api.v1.beta1.EarlyStopping/${method}`,
            () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x01]),
            (b: Buffer) => b,
            null,
            { deadline: Date.now() + 10_000 },
            (e) => resolve(e),
          );
        });
        expect(err).not.toBeNull();
        expect(err!.code).not.toBe(grpc.status.OK);
      }
    } finally {
      raw.close();
    }
    await stillServing();
  });

  it('still serves after every error above', async () => {
    await stillServing();
  });
});
