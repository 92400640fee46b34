/**
 * Katib's DBManager service as a Katib client sees it: the client is built from proto/api.proto at
 * run time with @grpc/proto-loader (not from our TS types), against a real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBManagerServer } from '../../src/server/index.js';
import { openStore, type ExperimentStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';

const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');
const definition = protoLoader.loadSync(
  [path.join(PROTO_DIR, 'api.proto'), path.join(PROTO_DIR, 'health.proto')],
  { keepCase: true, longs: String, enums: String, defaults: true, arrays: true },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  api: { v1: { beta1: { DBManager: grpc.ServiceClientConstructor } } };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};
const DBManagerClient: grpc.ServiceClientConstructor = loaded.api.v1.beta1.DBManager;
const HealthClient: grpc.ServiceClientConstructor = loaded.grpc.health.v1.Health;

interface WireLog {
  time_stamp: string;
  metric: { name: string; value: string } | null;
}

type Rpc = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply: unknown) => void,
) => void;

/** Calls a unary rpc; resolves to the reply (typed by the caller: the client is untyped). */
function call<T = unknown>(client: grpc.Client, method: string, request: unknown): Promise<T> {
  const rpc = (client as unknown as Record<string, Rpc>)[method]!.bind(client);
  return new Promise((resolve, reject) => {
    rpc(request, { deadline: Date.now() + 10_000 }, (err, reply) =>
      err ? reject(err) : resolve(reply as T),
    );
  });
}

/** Health status for `service`. */
async function check(client: grpc.Client, service?: string): Promise<string> {
  const reply = await call<{ status: string }>(client, 'Check', service === undefined ? {} : { service });
  return reply.status;
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

function log(time_stamp: string, name: string, value: string): WireLog {
  return { time_stamp, metric: { name, value } };
}

function report(client: grpc.Client, trial: string, logs: WireLog[]): Promise<unknown> {
  return call(client, 'ReportObservationLog', { trial_name: trial, observation_log: { metric_logs: logs } });
}

async function getLogs(client: grpc.Client, request: Record<string, string>): Promise<WireLog[]> {
  const reply = await call<{ observation_log: { metric_logs: WireLog[] } }>(
    client,
    'GetObservationLog',
    request,
  );
  return reply.observation_log.metric_logs;
}

function flat(logs: readonly WireLog[]): string[] {
  return logs.map((l) => `${l.time_stamp} ${l.metric?.name}=${l.metric?.value}`);
}

describe('DBManager over gRPC (client from proto/api.proto)', () => {
  let dir: string;
  let store: ExperimentStore;
  let server: DBManagerServer;
  let db: grpc.Client;
  let health: grpc.Client;
  let trialSeq = 0;

  /** A fresh trial in the store, for one test. */
  async function newTrial(): Promise<string> {
    const name = `trial-${++trialSeq}`;
    await store.transaction((tx) => tx.createTrial(trialFixture('exp', name, 'Running')));
    return name;
  }

  async function stillServing(): Promise<void> {
    expect(await check(health, '')).toBe('SERVING');
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'katib-dbm-'));
    store = await openStore(path.join(dir, 'katib.db'));
    await store.transaction((tx) => tx.createExperiment(experimentFixture('exp')));
    server = await DBManagerServer.start({
      store,
      port: 0,
      maxMessageBytes: 64 * 1024,
      maxLogsPerRequest: 500,
    });
    db = new DBManagerClient(server.address, grpc.credentials.createInsecure());
    health = new HealthClient(server.address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    db.close();
    health.close();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 by default and reports the picked port', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
  });

  it('ReportObservationLog writes into the store, with steps counted per metric', async () => {
    const trial = await newTrial();
    await report(db, trial, [
      log('2024-05-01T10:00:01Z', 'loss', '0.9'),
      log('2024-05-01T10:00:01Z', 'accuracy', '0.5'),
      log('2024-05-01T10:00:02Z', 'loss', '0.7'),
    ]);
    await report(db, trial, [log('2024-05-01T10:00:03Z', 'loss', '0.4')]);
    const stored = await store.read.getObservationLog(trial);
    expect(stored.map((l) => [l.metricName, l.value, l.step])).toEqual([
      ['loss', '0.9', 1],
      ['accuracy', '0.5', 1],
      ['loss', '0.7', 2],
      ['loss', '0.4', 3],
    ]);
    expect(stored[0]?.timeStamp).toBe('2024-05-01T10:00:01.000Z');
  });

  it('accepts Katib\'s "unavailable" marker at the zero time, and numbers in every decimal form', async () => {
    const trial = await newTrial();
    await report(db, trial, [
      log('0001-01-01T00:00:00Z', 'loss', 'unavailable'),
      log('2024-05-01T10:00:00.123456789Z', 'score', '-7.53e-05'),
      log('2024-05-01T10:00:00+02:00', 'score', '+1E3'),
      log('2024-05-01T10:00:00Z', 'score', '.5'),
    ]);
    expect(flat(await getLogs(db, { trial_name: trial }))).toEqual([
      '0001-01-01T00:00:00Z loss=unavailable',
      '2024-05-01T08:00:00Z score=+1E3',
      '2024-05-01T10:00:00Z score=.5',
      '2024-05-01T10:00:00.123456789Z score=-7.53e-05',
    ]);
  });

  it('GetObservationLog orders by time (instants, any offset), stamps in UTC RFC 3339', async () => {
    const trial = await newTrial();
    await report(db, trial, [
      log('2024-05-01T10:00:03Z', 'loss', '3'),
      log('2024-05-01T10:00:01.5Z', 'loss', '1'),
      log('2024-05-01T12:00:02+02:00', 'loss', '2'), // 10:00:02Z
      log('2024-05-01T10:00:01.25Z', 'loss', '0'),
    ]);
    expect(flat(await getLogs(db, { trial_name: trial }))).toEqual([
      '2024-05-01T10:00:01.25Z loss=0',
      '2024-05-01T10:00:01.5Z loss=1',
      '2024-05-01T10:00:02Z loss=2',
      '2024-05-01T10:00:03Z loss=3',
    ]);
  });

  it('GetObservationLog filters by metric name and by start/end time, both inclusive', async () => {
    const trial = await newTrial();
    await report(db, trial, [
      log('2024-05-01T10:00:01Z', 'loss', '1'),
      log('2024-05-01T10:00:01Z', 'accuracy', '0.1'),
      log('2024-05-01T10:00:02Z', 'loss', '2'),
      log('2024-05-01T10:00:02Z', 'accuracy', '0.2'),
      log('2024-05-01T10:00:03Z', 'loss', '3'),
      log('2024-05-01T10:00:04Z', 'loss', '4'),
    ]);
    const values = async (q: Record<string, string>): Promise<string[]> =>
      (await getLogs(db, { trial_name: trial, ...q })).map((l) => `${l.metric?.name}=${l.metric?.value}`);
    expect(await values({ metric_name: 'accuracy' })).toEqual(['accuracy=0.1', 'accuracy=0.2']);
    expect(await values({ metric_name: 'loss', start_time: '2024-05-01T10:00:02Z' })).toEqual([
      'loss=2',
      'loss=3',
      'loss=4',
    ]);
    expect(await values({ metric_name: 'loss', end_time: '2024-05-01T10:00:03Z' })).toEqual([
      'loss=1',
      'loss=2',
      'loss=3',
    ]);
    expect(
      await values({ start_time: '2024-05-01T10:00:02Z', end_time: '2024-05-01T12:00:02.000+02:00' }),
    ).toEqual(['loss=2', 'accuracy=0.2']);
    expect(await values({ metric_name: 'nope' })).toEqual([]);
    expect(await values({ start_time: '2024-05-01T10:00:05Z' })).toEqual([]);
  });

  it('GetObservationLog of an unknown trial is empty, as in Katib', async () => {
    expect(await getLogs(db, { trial_name: 'no-such-trial' })).toEqual([]);
  });

  it("DeleteObservationLog removes one trial's log and is idempotent", async () => {
    const a = await newTrial();
    const b = await newTrial();
    await report(db, a, [log('2024-05-01T10:00:01Z', 'loss', '1')]);
    await report(db, b, [log('2024-05-01T10:00:01Z', 'loss', '2')]);
    await call(db, 'DeleteObservationLog', { trial_name: a });
    expect(await store.read.getObservationLog(a)).toEqual([]);
    expect(await store.read.getObservationLog(b)).toHaveLength(1);
    await call(db, 'DeleteObservationLog', { trial_name: a });
    await call(db, 'DeleteObservationLog', { trial_name: 'no-such-trial' });
    // Steps start again after a delete.
    await report(db, a, [log('2024-05-01T10:00:05Z', 'loss', '5')]);
    expect((await store.read.getObservationLog(a)).map((l) => l.step)).toEqual([1]);
  });

  it('an empty report for an existing trial succeeds and writes nothing', async () => {
    const trial = await newTrial();
    await report(db, trial, []);
    await call(db, 'ReportObservationLog', { trial_name: trial });
    expect(await store.read.getObservationLog(trial)).toEqual([]);
  });

  it('Health: "" and grpc.health.v1.Health are SERVING; unknown names NOT_FOUND', async () => {
    expect(await check(health)).toBe('SERVING');
    expect(await check(health, 'grpc.health.v1.Health')).toBe('SERVING');
    expect(await check(health, 'api.v1.beta1.DBManager')).toBe('SERVING');
    const err = await callError(health, 'Check', { service: 'manager.v1beta1.Suggestion' });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toContain('manager.v1beta1.Suggestion');
    await stillServing();
  });

  describe('bad input gets a status with a clear message, and the server keeps answering', () => {
    it('missing trial name → INVALID_ARGUMENT, in every rpc', async () => {
      for (const method of ['ReportObservationLog', 'GetObservationLog', 'DeleteObservationLog']) {
        const err = await callError(db, method, {});
        expect(err.code, method).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err.details).toBe('trial_name: required');
      }
      await stillServing();
    });

    it('unknown trial → NOT_FOUND', async () => {
      const err = await callError(db, 'ReportObservationLog', {
        trial_name: 'ghost',
        observation_log: { metric_logs: [log('2024-05-01T10:00:01Z', 'loss', '1')] },
      });
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(err.details).toContain('trial "ghost" not found');
      await stillServing();
    });

    it('a bad time stamp → INVALID_ARGUMENT naming its index; nothing of the request is written', async () => {
      const trial = await newTrial();
      const logs = [
        log('2024-05-01T10:00:01Z', 'loss', '1'),
        log('2024-05-01T10:00:02Z', 'loss', '2'),
        log('2024-05-01T10:00:03Z', 'loss', '3'),
        log('yesterday', 'loss', '4'),
      ];
      const err = await callError(db, 'ReportObservationLog', {
        trial_name: trial,
        observation_log: { metric_logs: logs },
      });
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain('observation_log.metric_logs[3].time_stamp: must be an RFC 3339 time');
      expect(err.details).toContain('"yesterday"');
      expect(await store.read.getObservationLog(trial)).toEqual([]);
      for (const bad of [
        '',
        '2024-02-30T10:00:00Z',
        '2024-05-01 10:00:00Z',
        '2024-05-01T10:00:00',
        '2024-05-01t10:00:00z',
      ]) {
        const e = await callError(db, 'ReportObservationLog', {
          trial_name: trial,
          observation_log: { metric_logs: [log(bad, 'loss', '1')] },
        });
        expect(e.code, bad).toBe(grpc.status.INVALID_ARGUMENT);
        expect(e.details, bad).toContain('observation_log.metric_logs[0].time_stamp');
      }
      await stillServing();
    });

    it('NaN, Infinity, empty and garbage values → INVALID_ARGUMENT naming the value', async () => {
      const trial = await newTrial();
      for (const bad of ['NaN', 'nan', 'Infinity', '-inf', '', ' 1', '0x10', '1e999', 'abc', '1,5']) {
        const err = await callError(db, 'ReportObservationLog', {
          trial_name: trial,
          observation_log: {
            metric_logs: [log('2024-05-01T10:00:01Z', 'loss', '1'), log('2024-05-01T10:00:02Z', 'loss', bad)],
          },
        });
        expect(err.code, bad).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err.details, bad).toContain(
          `observation_log.metric_logs[1].metric.value: must be a finite decimal number or "unavailable", got ${JSON.stringify(bad)}`,
        );
      }
      expect(await store.read.getObservationLog(trial)).toEqual([]);
      await stillServing();
    });

    it('a log without metric or metric name → INVALID_ARGUMENT', async () => {
      const trial = await newTrial();
      const err = await callError(db, 'ReportObservationLog', {
        trial_name: trial,
        observation_log: {
          metric_logs: [{ time_stamp: '2024-05-01T10:00:01Z' }, log('2024-05-01T10:00:01Z', '', '1')],
        },
      });
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(
        'observation_log.metric_logs[0].metric: required; observation_log.metric_logs[1].metric.name: required',
      );
      await stillServing();
    });

    it('many bad logs: the first ten are listed, the rest counted', async () => {
      const trial = await newTrial();
      const logs = Array.from({ length: 50 }, (_, i) => log(`bad-${i}`, 'loss', '1'));
      const err = await callError(db, 'ReportObservationLog', {
        trial_name: trial,
        observation_log: { metric_logs: logs },
      });
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details.split('; ')).toHaveLength(11);
      expect(err.details).toContain('observation_log.metric_logs[9].time_stamp');
      expect(err.details).not.toContain('metric_logs[10]');
      expect(err.details).toContain('observation_log.metric_logs: 40 more problems not listed');
      await stillServing();
    });

    it('bad start_time / end_time → INVALID_ARGUMENT', async () => {
      const err = await callError(db, 'GetObservationLog', {
        trial_name: 'x',
        start_time: 'soon',
        end_time: '2024-13-01T00:00:00Z',
      });
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain('start_time: must be an RFC 3339 time');
      expect(err.details).toContain('end_time: must be an RFC 3339 time');
      await stillServing();
    });

    it('more logs than maxLogsPerRequest → RESOURCE_EXHAUSTED', async () => {
      const trial = await newTrial();
      const logs = Array.from({ length: 501 }, () => log('2024-05-01T10:00:01Z', 'l', '1'));
      const err = await callError(db, 'ReportObservationLog', {
        trial_name: trial,
        observation_log: { metric_logs: logs },
      });
      expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(err.details).toContain('501 logs in one request, more than the limit of 500');
      await report(db, trial, logs.slice(0, 500));
      expect(await store.read.getObservationLog(trial)).toHaveLength(500);
      await stillServing();
    });

    it('a request above maxMessageBytes → RESOURCE_EXHAUSTED', async () => {
      const trial = await newTrial();
      const err = await callError(db, 'ReportObservationLog', {
        trial_name: trial,
        observation_log: { metric_logs: [log('2024-05-01T10:00:01Z', 'x'.repeat(100 * 1024), '1')] },
      });
      expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(await store.read.getObservationLog(trial)).toEqual([]);
      await stillServing();
    });

    it('bytes that are not a message → an error status, not a crash', async () => {
      const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
        db.makeUnaryRequest(
          '/api.v1.beta1.DBManager/ReportObservationLog',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
          (e, reply) => (e ? resolve(e) : reject(new Error(`unexpected reply ${String(reply)}`))),
        );
      });
      expect(err.code).not.toBe(grpc.status.OK);
      await stillServing();
    });
  });

  it('Health is NOT_SERVING when the store fails', async () => {
    const otherDir = mkdtempSync(path.join(tmpdir(), 'katib-dbm-'));
    const broken = await openStore(path.join(otherDir, 'katib.db'));
    const other = await DBManagerServer.start({ store: broken, port: 0 });
    const client = new HealthClient(other.address, grpc.credentials.createInsecure());
    try {
      expect(await check(client, '')).toBe('SERVING');
      await broken.close();
      expect(await check(client, '')).toBe('NOT_SERVING');
      expect(await check(client, 'grpc.health.v1.Health')).toBe('NOT_SERVING');
    } finally {
      client.close();
      await other.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
