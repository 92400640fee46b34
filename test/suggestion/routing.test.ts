/**
 * RoutingSuggestionService and SuggestionProcess with stand-in gRPC clients: which algorithm goes
 * where, how errors name the service, and the life of a started service process (health wait,
 * restart after death, bounded restarts, startup timeout, stop on close).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InternalError, SpecError, UnavailableError, type Experiment } from '../../src/api/index.js';
import { admitExperiment } from '../../src/controller/index.js';
import { toExperimentObject } from '../../src/sdk/tune.js';
import { search } from '../../src/sdk/index.js';
import {
  RoutingSuggestionService,
  parseSuggestionConfig,
  type ConnectSuggestionService,
  type ExternalSuggestionClient,
  type SuggestionService,
} from '../../src/suggestion/index.js';

function experiment(algorithmName: string): Experiment {
  const e = admitExperiment(
    toExperimentObject({
      name: 'routed',
      objective: () => 0,
      parameters: { x: search.double(0, 1) },
      objectiveMetricName: 'loss',
      maxTrialCount: 2,
    }),
  );
  return { ...e, spec: { ...e.spec, algorithm: { algorithmName } } };
}

interface Fake {
  readonly connect: ConnectSuggestionService;
  readonly connected: { address: string; deadlineMs?: number }[];
  closed: number;
  health: () => Promise<'SERVING' | 'NOT_SERVING'>;
  suggest: () => Promise<{ assignments: [] }>;
}

function fakeClients(): Fake {
  const fake: Fake = {
    connected: [],
    closed: 0,
    health: () => Promise.resolve('SERVING'),
    suggest: () => Promise.resolve({ assignments: [] }),
    connect: (o) => {
      fake.connected.push(o);
      const client: ExternalSuggestionClient = {
        checkHealth: () => fake.health(),
        getSuggestions: () => fake.suggest(),
        validateAlgorithmSettings: () => Promise.resolve(),
        close: () => void fake.closed++,
      };
      return client;
    },
  };
  return fake;
}

const inProcessCalls: string[] = [];
const inProcess: SuggestionService = {
  getSuggestions: (req) => {
    inProcessCalls.push(req.experiment.spec.algorithm.algorithmName);
    return Promise.resolve({ assignments: [] });
  },
  validateAlgorithmSettings: () => Promise.resolve(),
};

const services: RoutingSuggestionService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

function routing(suggestions: unknown[], fake: Fake, logs: string[] = []): RoutingSuggestionService {
  const logDir = mkdtempSync(path.join(tmpdir(), 'katib-routing-'));
  const s = new RoutingSuggestionService({
    config: parseSuggestionConfig({ runtime: { suggestions } }, { baseDir: logDir }),
    inProcess,
    logDir,
    connect: fake.connect,
    log: (l) => logs.push(l),
  });
  services.push(s);
  return s;
}

const request = (algorithmName: string) => ({
  experiment: experiment(algorithmName),
  trials: [],
  currentRequestNumber: 1,
  totalRequestNumber: 1,
});

/** A service command: writes its port to `marker`, then idles until killed. */
function idleCommand(marker: string): string[] {
  return [
    process.execPath,
    '-e',
    'require("fs").writeFileSync(process.argv[1], process.argv[2]); setInterval(() => {}, 1000)',
    marker,
    '{port}',
  ];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RoutingSuggestionService', () => {
  it('sends configured algorithms to their endpoint and every other one in-process', async () => {
    const fake = fakeClients();
    const s = routing([{ algorithmName: 'tpe', endpoint: '127.0.0.1:6789', deadlineSeconds: 90 }], fake);
    expect(s.isExternal('tpe')).toBe(true);
    expect(s.isExternal('random')).toBe(false);
    expect(s.routeOf('random')).toEqual({ kind: 'in-process' });
    expect(s.routeOf('tpe').kind).toBe('endpoint');
    expect(s.deadlineMsFor('tpe')).toBe(90_000);
    expect(s.deadlineMsFor('random')).toBeUndefined();

    inProcessCalls.length = 0;
    await s.getSuggestions(request('random'));
    await s.getSuggestions(request('tpe'));
    await s.getSuggestions(request('tpe'));
    expect(inProcessCalls).toEqual(['random']);
    expect(fake.connected).toEqual([{ address: '127.0.0.1:6789', deadlineMs: 90_000 }]); // one channel
    expect(s.deploymentStatus('tpe')).toBeUndefined();
    await s.close();
    expect(fake.closed).toBe(1);
  });

  it('names the endpoint and config entry in errors, keeping their class; SpecErrors pass unchanged', async () => {
    const fake = fakeClients();
    const s = routing([{ algorithmName: 'tpe', endpoint: 'localhost:7000' }], fake);
    fake.suggest = () => Promise.reject(new UnavailableError('connection refused'));
    const err = await s.getSuggestions(request('tpe')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe(
      'suggestion service of algorithm tpe at localhost:7000 (runtime.suggestions[0]): connection refused',
    );
    const spec = new SpecError([{ path: 'spec.algorithm', message: 'no' }]);
    fake.suggest = () => Promise.reject(spec);
    await expect(s.getSuggestions(request('tpe'))).rejects.toBe(spec);
    fake.suggest = () => Promise.reject(new InternalError('bug at localhost:7000'));
    await expect(s.getSuggestions(request('tpe'))).rejects.toThrow(/^bug at localhost:7000$/);
  });

  it('starts a command on a free port, waits for SERVING, restarts it after it dies, stops it on close', async () => {
    const fake = fakeClients();
    const dir = mkdtempSync(path.join(tmpdir(), 'katib-cmd-'));
    const marker = path.join(dir, 'port');
    const logs: string[] = [];
    // Not SERVING until the process has written its marker.
    fake.health = () => Promise.resolve(existsSync(marker) ? 'SERVING' : 'NOT_SERVING');
    const s = routing([{ algorithmName: 'mine', command: idleCommand(marker) }], fake, logs);
    expect(s.deploymentStatus('mine')).toBeUndefined();

    await s.getSuggestions(request('mine'));
    const port = readFileSync(marker, 'utf8');
    expect(Number(port)).toBeGreaterThan(0);
    expect(fake.connected.at(-1)?.address).toBe(`127.0.0.1:${port}`);
    const ready = s.deploymentStatus('mine');
    expect(ready?.ready).toBe(true);
    const pid = Number(/\(pid (\d+)\)/.exec(ready?.message ?? '')?.[1]);
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(s.logFileOf('mine')!, 'utf8')).toMatch(/katib starts .* \(port \d+\)/);

    // It dies: the next call starts it again, on a new port.
    process.kill(pid, 'SIGKILL');
    await until(() => s.deploymentStatus('mine')?.ready === false);
    expect(s.deploymentStatus('mine')?.message).toMatch(/killed by signal SIGKILL/);
    await s.getSuggestions(request('mine'));
    const pid2 = Number(/\(pid (\d+)\)/.exec(s.deploymentStatus('mine')?.message ?? '')?.[1]);
    expect(pid2).not.toBe(pid);
    expect(logs.join('\n')).toMatch(/was killed by signal SIGKILL; it is started again/);
    expect(logs.join('\n')).toMatch(/again \(start 2 of 4\)/);

    await s.close();
    await until(() => !isAlive(pid2));
  });

  it('reports a command that exits before it is ready with its output, and gives up after maxRestarts', async () => {
    const fake = fakeClients();
    fake.health = () => Promise.reject(new UnavailableError('connection refused'));
    const s = routing(
      [
        {
          algorithmName: 'broken',
          command: [
            process.execPath,
            '-e',
            'console.error("no module named grpc"); process.exit(2)',
            '{port}',
          ],
          maxRestarts: 1,
        },
      ],
      fake,
    );
    const first = await s.validateAlgorithmSettings(experiment('broken')).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(UnavailableError);
    expect((first as Error).message).toMatch(/algorithm broken .*exited with code 2 before it was ready/);
    expect((first as Error).message).toMatch(/its last output: no module named grpc/);
    expect(s.deploymentStatus('broken')).toMatchObject({ ready: false });
    await expect(s.getSuggestions(request('broken'))).rejects.toBeInstanceOf(UnavailableError);
    const last = await s.getSuggestions(request('broken')).catch((e: unknown) => e);
    expect(last).toBeInstanceOf(InternalError);
    expect((last as Error).message).toMatch(/was started 2 times \(maxRestarts 1\) and gave up/);
  });

  it('stops a command that does not report SERVING within its startup timeout', async () => {
    const fake = fakeClients();
    fake.health = () => Promise.resolve('NOT_SERVING');
    const dir = mkdtempSync(path.join(tmpdir(), 'katib-cmd-'));
    const marker = path.join(dir, 'port');
    const s = routing(
      [{ algorithmName: 'slow', command: idleCommand(marker), startupTimeoutSeconds: 0.5, maxRestarts: 0 }],
      fake,
    );
    const started = Date.now();
    const err = await s.getSuggestions(request('slow')).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(
      /did not report SERVING for manager\.v1beta1\.Suggestion on 127\.0\.0\.1:\d+ within 0\.5 s \(last answer: health status NOT_SERVING\)/,
    );
  });

  it('lets a caller give up waiting (signal) while the start goes on', async () => {
    const fake = fakeClients();
    const dir = mkdtempSync(path.join(tmpdir(), 'katib-cmd-'));
    const marker = path.join(dir, 'port');
    let serving = false;
    fake.health = () => Promise.resolve(serving ? 'SERVING' : 'NOT_SERVING');
    const s = routing([{ algorithmName: 'late', command: idleCommand(marker) }], fake);
    const ac = new AbortController();
    const call = s.getSuggestions(request('late'), { signal: ac.signal });
    ac.abort(new Error('deadline'));
    await expect(call).rejects.toThrow('deadline');
    serving = true;
    await s.getSuggestions(request('late'));
    expect(s.deploymentStatus('late')?.ready).toBe(true);
    expect(fake.connected).toHaveLength(1); // the same start, not a second process
  });
});
