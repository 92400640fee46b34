/**
 * End-to-end: an algorithm served by an external Katib-compatible Suggestion service, chosen by a
 * KatibConfig `runtime.suggestions` file passed to `katib run --config`. The service is a tiny
 * random-search server written in Python (fixtures/python_random_server.py, stubs compiled from our
 * proto/ at test time) that the engine starts, health-checks, restarts and stops. Also: a config
 * pointing at a closed port ends the experiment Failed, naming the endpoint, in bounded time.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { trialPhase } from '../../src/api/index.js';
import { openStore } from '../../src/store/index.js';
import { freePort } from '../../src/suggestion/index.js';
import { ROOT, katib, tempProject, testExperiment, writeExperiment, type KatibResult } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
const pythonGrpcMissing =
  probe.status === 0
    ? undefined
    : `${PYTHON} -c "import grpc, grpc_tools" failed: ${probe.error?.message ?? probe.stderr.trim()}`;
if (pythonGrpcMissing) {
  console.warn(
    `skipping the Python algorithm-service tests (install python3-grpcio and python3-grpc-tools): ${pythonGrpcMissing}`,
  );
}

const SERVER = path.join(ROOT, 'test', 'e2e', 'fixtures', 'python_random_server.py');
const RUN_MODULE = path.join(ROOT, 'dist', 'cli', 'commands', 'run.js');
const CLI_MODULE = path.join(ROOT, 'dist', 'cli', 'index.js');
const exec = promisify(execFile);

/** Whether the binary already has `katib run --config` (the CLI registers it). */
let cliHasConfig = false;

/**
 * `katib run FILE --config CONFIG --plain` in `cwd`: the real binary once it takes `--config`;
 * until then the same command (runCommand of the build) in a child process of its own.
 */
function katibRun(cwd: string, file: string, config: string): Promise<KatibResult> {
  if (cliHasConfig) return katib(['run', file, '--config', config, '--plain'], cwd);
  const script = `
    const { runCommand } = await import(${JSON.stringify(RUN_MODULE)});
    const { reportError } = await import(${JSON.stringify(CLI_MODULE)});
    try {
      process.exitCode = await runCommand(${JSON.stringify(file)}, { config: ${JSON.stringify(config)}, plain: true });
    } catch (err) {
      process.exitCode = reportError(err);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KATIB_DB: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

async function readState(dir: string, name: string) {
  const store = await openStore(path.join(dir, '.katib', 'katib.db'));
  try {
    return {
      experiment: (await store.read.getExperiment(name))?.experiment,
      trials: (await store.read.listTrials(name)).map((t) => t.trial),
      algo: await store.read.getAlgorithmState(name),
    };
  } finally {
    await store.close();
  }
}

function writeConfig(dir: string, suggestions: unknown[]): string {
  const file = path.join(dir, 'katib-config.yaml');
  writeFileSync(
    file,
    stringify({ apiVersion: 'config.kubeflow.org/v1beta1', kind: 'KatibConfig', runtime: { suggestions } }),
  );
  return file;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  const help = await katib(['run', '--help'], ROOT);
  cliHasConfig = help.stdout.includes('--config');
});

describe.skipIf(pythonGrpcMissing !== undefined)('an algorithm served by a Python Suggestion service', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'katib-pyalgo-'));
  const generated = path.join(work, 'generated');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    mkdirSync(generated, { recursive: true });
    await exec(PYTHON, [
      '-m',
      'grpc_tools.protoc',
      `-I${path.join(ROOT, 'proto')}`,
      `--python_out=${generated}`,
      `--grpc_python_out=${generated}`,
      'api.proto',
      'health.proto',
    ]);
  });

  const command = (...extra: string[]) => [
    PYTHON,
    SERVER,
    '--port',
    '{port}',
    '--proto-dir',
    generated,
    ...extra,
  ];

  it('tunes an experiment run by `katib run --config`, every trial from the Python service', async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({ name: 'pyalgo', algorithm: 'py-random', maxTrialCount: 6, parallelTrialCount: 2 }),
    );
    const config = writeConfig(dir, [
      { algorithmName: 'py-random', command: command(), deadlineSeconds: 30, startupTimeoutSeconds: 30 },
    ]);
    const r = await katibRun(dir, file, config);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Experiment pyalgo Succeeded \(ExperimentMaxTrialsReached/);
    expect(r.stdout).toMatch(/Best trial: pyalgo-py-\d+/);

    const { experiment, trials, algo } = await readState(dir, 'pyalgo');
    expect(experiment?.status?.trialsSucceeded).toBe(6);
    // Names, labels and settings only the Python service produces.
    expect(trials.map((t) => t.metadata.name).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `pyalgo-py-${n}`).sort(),
    );
    for (const t of trials) {
      expect(trialPhase(t.status)).toBe('Succeeded');
      expect(t.metadata.labels?.['suggested-by']).toBe('python-random-server');
      const x = Number(t.spec.parameterAssignments.find((a) => a.name === 'x')?.value);
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThanOrEqual(4);
      expect(t.spec.parameterAssignments.find((a) => a.name === 'x')?.value).toMatch(/^-?\d+\.\d{6}$/);
    }
    expect(Number(algo?.algorithmSettings?.find((s) => s.name === 'py_calls')?.value)).toBeGreaterThanOrEqual(
      1,
    );

    // The Suggestion's conditions, as Katib shows them.
    const types = (algo?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
    expect(types).toEqual(['Created=True', 'DeploymentReady=True', 'Running=False', 'Succeeded=True']);
    const ready = algo?.conditions?.find((c) => c.type === 'DeploymentReady');
    expect(ready?.reason).toBe('DeploymentReady');
    const pid = Number(/\(pid (\d+)\)/.exec(ready?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false); // stopped with the run

    const log = readFileSync(path.join(dir, '.katib', 'suggestions', 'py-random.log'), 'utf8');
    expect(log).toMatch(/python random suggestion service listening on 127\.0\.0\.1:\d+/);

    const get = await katib(['get', 'suggestions'], dir);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+TYPE\s+STATUS\s+REQUESTED\s+ASSIGNED\s+AGE/);
    expect(get.stdout).toMatch(/pyalgo\s+Succeeded\s+True\s+6\s+6\s/);
    const yaml = await katib(['get', 'suggestion', 'pyalgo', '-o', 'yaml'], dir);
    expect(yaml.stdout).toMatch(/kind: Suggestion/);
    expect(yaml.stdout).toMatch(/suggestionCount: 6/);
    expect(yaml.stdout).toMatch(/name: py_calls/);
    const described = await katib(['describe', 'suggestion', 'pyalgo'], dir);
    expect(described.stdout).toMatch(/Algorithm:\s+py-random/);
    expect(described.stdout).toMatch(/DeploymentReady\s+True/);
  });

  it('starts the service again when it dies, and the experiment still succeeds', async () => {
    const dir = tempProject();
    const flag = path.join(dir, 'crashed');
    const file = writeExperiment(
      dir,
      // Each trial outlives the service's death (0.2 s after its second answer), so the third
      // call always finds it dead and must start it again.
      testExperiment({
        name: 'pycrash',
        algorithm: 'py-random',
        maxTrialCount: 5,
        parallelTrialCount: 1,
        extraArgs: ['--sleep=600'],
      }),
    );
    const config = writeConfig(dir, [{ algorithmName: 'py-random', command: command('--crash-once', flag) }]);
    const r = await katibRun(dir, file, config);
    expect(r.code).toBe(0);
    expect(existsSync(flag)).toBe(true);
    expect(r.stderr).toMatch(/exited with code 3; it is started again/);
    const log = readFileSync(path.join(dir, '.katib', 'suggestions', 'py-random.log'), 'utf8');
    expect(log.match(/katib starts/g)).toHaveLength(2);
    expect(log).toMatch(/crashing on purpose/);
    const { trials } = await readState(dir, 'pycrash');
    expect(trials).toHaveLength(5);
    expect(trials.every((t) => trialPhase(t.status) === 'Succeeded')).toBe(true);
  });

  it("rejects settings the service's ValidateAlgorithmSettings refuses, before creating the experiment", async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({ name: 'pybad', algorithm: 'py-random', settings: { gamma: '0.5' }, maxTrialCount: 2 }),
    );
    const config = writeConfig(dir, [{ algorithmName: 'py-random', command: command() }]);
    const r = await katibRun(dir, file, config);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rejected experiment pybad/);
    expect(r.stderr).toMatch(/spec\.algorithm: unknown setting gamma for algorithm py-random/);
    const { experiment } = await readState(dir, 'pybad');
    expect(experiment).toBeUndefined();
  });
});

describe('an algorithm service that cannot be reached', () => {
  it('ends the experiment Failed (ExperimentFailed) naming the endpoint, in bounded time', async () => {
    const dir = tempProject();
    const port = await freePort(); // nobody listens there
    const file = writeExperiment(
      dir,
      testExperiment({ name: 'deadsvc', algorithm: 'tpe', maxTrialCount: 2 }),
    );
    const config = writeConfig(dir, [{ algorithmName: 'tpe', endpoint: `127.0.0.1:${port}` }]);
    const started = Date.now();
    const r = await katibRun(dir, file, config);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    expect(elapsed).toBeLessThan(60_000);
    expect(r.stdout).toMatch(/Experiment deadsvc Failed \(ExperimentFailed: Suggestion has failed: /);
    expect(r.stdout).toContain(`127.0.0.1:${port}`);
    const { experiment, algo } = await readState(dir, 'deadsvc');
    const failed = experiment?.status?.conditions.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('ExperimentFailed');
    expect(failed?.message).toContain(`127.0.0.1:${port}`);
    const suggestionFailed = algo?.conditions?.find((c) => c.type === 'Failed');
    expect(suggestionFailed?.status).toBe('True');
    expect(suggestionFailed?.reason).toBe('SuggestionFailed');
    expect(suggestionFailed?.message).toContain(`127.0.0.1:${port}`);
    expect(algo?.conditions?.find((c) => c.type === 'Running')?.status).toBe('False');
  });
});
