/**
 * Cross-language: a Python client, with stubs compiled from our proto/ by grpc_tools.protoc at test
 * time, pushes metrics to our db-manager the way Katib's `report_metrics` does and reads them back.
 * The server is the built `db-manager` command, running in its own process on a temp SQLite file.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsHttpServer } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';
import { ROOT } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
const pythonGrpcMissing =
  probe.status === 0
    ? undefined
    : `${PYTHON} -c "import grpc, grpc_tools" failed: ${probe.error?.message ?? probe.stderr.trim()}`;
if (pythonGrpcMissing) {
  console.warn(
    `skipping the Python DBManager test (install python3-grpcio and python3-grpc-tools): ${pythonGrpcMissing}`,
  );
}

const run = promisify(execFile);
const CLIENT = path.join(ROOT, 'test', 'e2e', 'fixtures', 'python_dbmanager_client.py');
const COMMAND_MODULE = path.join(ROOT, 'dist', 'cli', 'commands', 'db-manager.js');

/** A store at `db` holding experiment `experiment` with one Running trial `trial`. */
async function storeWithRunningTrial(db: string, experiment: string, trial: string): Promise<void> {
  const store = await openStore(db);
  try {
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture(experiment));
      await tx.createTrial(trialFixture(experiment, trial, 'Running'));
    });
  } finally {
    await store.close();
  }
}

/** The trial's stored observation log as `[metric, value, step]` rows, read as the engine reads it. */
async function storedLog(db: string, trial: string): Promise<[string, string, number | undefined][]> {
  const store = await openStore(db);
  try {
    return (await store.read.getObservationLog(trial)).map((l) => [l.metricName, l.value, l.step]);
  } finally {
    await store.close();
  }
}

/** The built `db-manager` command in its own process on a free port, serving the store at `db`. */
async function startDbManager(
  db: string,
): Promise<{ address: string; kill: () => void; exited: Promise<number | null> }> {
  const server = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { dbManagerCommand } = await import(${JSON.stringify(COMMAND_MODULE)});
       process.exitCode = await dbManagerCommand({ port: '0', db: ${JSON.stringify(db)} });`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /db-manager listening on (\S+) \(store (.+)\)\n/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`db-manager exited (${code}) before listening: ${stderr}`)));
  });
  expect(stdout).toContain(`(store ${db})`);
  return { address, kill: () => server.kill('SIGTERM'), exited };
}

describe.skipIf(pythonGrpcMissing !== undefined)('Python client ↔ katib-ts db-manager', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-pydbm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('report_metrics-style pushes land in the store and read back through GetObservationLog', async () => {
    const db = path.join(dir, 'katib.db');
    const trial = 'pyexp-abc123';
    await storeWithRunningTrial(db, 'pyexp', trial);

    // Python stubs from our proto, compiled now.
    const generated = path.join(dir, 'generated');
    mkdirSync(generated, { recursive: true }); // protoc does not create its output folder
    await run(PYTHON, [
      '-m',
      'grpc_tools.protoc',
      `-I${path.join(ROOT, 'proto')}`,
      `--python_out=${generated}`,
      `--grpc_python_out=${generated}`,
      'api.proto',
      'health.proto',
    ]);

    const server = await startDbManager(db);
    try {
      const address = server.address;
      const { stdout: json } = await run(PYTHON, [CLIENT, generated, address], {
        env: { ...process.env, KATIB_TRIAL_NAME: trial },
      });
      const out = JSON.parse(json);

      expect(out.health).toBe('SERVING');
      const first: string = out.first_stamp;
      const second: string = out.second_stamp;
      expect(first).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      // Stamps come back exactly as Katib's SDK wrote them; ordered by time, then arrival.
      expect(out.all).toEqual([
        [first, 'loss', '0.25'],
        [first, 'accuracy', '0.875'],
        [second, 'loss', '0.125'],
        [second, 'lr', '1e-05'],
      ]);
      expect(out.loss).toEqual([
        [first, 'loss', '0.25'],
        [second, 'loss', '0.125'],
      ]);
      expect(out.from_second).toEqual(
        first === second
          ? out.all
          : [
              [second, 'loss', '0.125'],
              [second, 'lr', '1e-05'],
            ],
      );
      expect(out.nan_error.code).toBe('INVALID_ARGUMENT');
      expect(out.nan_error.details).toContain('observation_log.metric_logs[0].metric.value');
      expect(out.nan_error.details).toContain('"nan"');
      expect(out.unknown_trial_error.code).toBe('NOT_FOUND');
      expect(out.bad_time_error.code).toBe('INVALID_ARGUMENT');
      expect(out.bad_time_error.details).toContain('start_time');
      expect(out.health_after_errors).toBe('SERVING');
    } finally {
      server.kill();
    }
    expect(await server.exited).toBe(0);

    // What the engine reads: the same logs, with steps per metric.
    expect(await storedLog(db, trial)).toEqual([
      ['loss', '0.25', 1],
      ['accuracy', '0.875', 1],
      ['loss', '0.125', 2],
      ['lr', '1e-05', 1],
    ]);
  });
  it("katib-ts's own Python helper (grpcio only, no stubs) reports for KATIB_TRIAL_NAME, with clear errors", async () => {
    const db = path.join(dir, 'helper.db');
    const trial = 'pyhelper-xyz';
    await storeWithRunningTrial(db, 'pyhelper', trial);
    const server = await startDbManager(db);
    const script = `
import json, sys
from katib_ts import report_metrics, ReportMetricsError
report_metrics({"loss": 0.5, "accuracy": 0.75})
report_metrics({"loss": 0.25})
errors = {}
for key, call in {
    "nan": lambda: report_metrics({"loss": float("nan")}),
    "text": lambda: report_metrics({"loss": "high"}),
    "empty": lambda: report_metrics({}),
    "unknown_trial": lambda: report_metrics({"loss": 1}, trial_name="nobody"),
}.items():
    try:
        call()
    except ReportMetricsError as e:
        errors[key] = str(e)
print(json.dumps(errors))
`;
    try {
      const { stdout } = await run(PYTHON, ['-c', script], {
        env: {
          ...process.env,
          PYTHONPATH: path.join(ROOT, 'sdk', 'python'),
          KATIB_TRIAL_NAME: trial,
          KATIB_DB_MANAGER_ADDRESS: server.address,
        },
      });
      const errors = JSON.parse(stdout);
      expect(errors.nan).toBe('metrics.loss: must be a finite number, got nan');
      expect(errors.text).toBe("metrics.loss: must be a number, got 'high'");
      expect(errors.empty).toBe('metrics: report at least one metric');
      expect(errors.unknown_trial).toMatch(/^ReportObservationLog to \S+ failed: NOT_FOUND: .*nobody/);
    } finally {
      server.kill();
    }
    expect(await server.exited).toBe(0);
    expect(await storedLog(db, trial)).toEqual([
      ['loss', '0.5', 1],
      ['accuracy', '0.75', 1],
      ['loss', '0.25', 2],
    ]);
  });
  it('the Python helper reports over the REST endpoint with the standard library only', async () => {
    const db = path.join(dir, 'rest.db');
    const trial = 'pyrest-xyz';
    await storeWithRunningTrial(db, 'pyrest', trial);
    const script = `
import json
from katib_ts import report_metrics, ReportMetricsError
report_metrics({"loss": 0.5}, transport="http")
report_metrics({"loss": 0.25, "accuracy": 0.9}, transport="http")
errors = {}
try:
    report_metrics({"loss": 1}, trial_name="nobody", transport="http")
except ReportMetricsError as e:
    errors["unknown_trial"] = str(e)
print(json.dumps(errors))
`;
    const store = await openStore(db);
    const rest = await MetricsHttpServer.start({ store });
    try {
      const { stdout } = await run(
        PYTHON,
        [
          '-I',
          '-c',
          `import sys; sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'sdk', 'python'))})\n${script}`,
        ],
        { env: { ...process.env, KATIB_TRIAL_NAME: trial, KATIB_API_URL: rest.url } },
      );
      expect(JSON.parse(stdout).unknown_trial).toMatch(
        /^POST http:\/\/127\.0\.0\.1:\d+\/api\/v1beta1\/trials\/nobody\/observations failed: 404: trial "nobody" not found/,
      );
    } finally {
      await rest.close();
      await store.close();
    }
    expect(await storedLog(db, trial)).toEqual([
      ['loss', '0.5', 1],
      ['loss', '0.25', 2],
      ['accuracy', '0.9', 1],
    ]);
  });
});
