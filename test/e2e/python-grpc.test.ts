/**
 * Cross-language: a Python client, with stubs compiled from our proto/ by grpc_tools.protoc at test
 * time, calls GetSuggestions and ValidateAlgorithmSettings on our suggestion server — the built
 * `suggestion-server` command, running in its own process — and gets Katib's answers.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
const pythonGrpcMissing =
  probe.status === 0
    ? undefined
    : `${PYTHON} -c "import grpc, grpc_tools" failed: ${probe.error?.message ?? probe.stderr.trim()}`;
if (pythonGrpcMissing) {
  console.warn(
    `skipping the Python Suggestion test (install python3-grpcio and python3-grpc-tools): ${pythonGrpcMissing}`,
  );
}

const run = promisify(execFile);

/** A gRPC error as the Python client reports it. */
interface RpcError {
  code: string;
  details: string;
}
const CLIENT = path.join(ROOT, 'test', 'e2e', 'fixtures', 'python_suggestion_client.py');
const COMMAND_MODULE = path.join(ROOT, 'dist', 'cli', 'commands', 'suggestion-server.js');

/** Starts the built `suggestion-server` command on a free port; resolves once it prints its address. */
async function startServer(args: Record<string, string>) {
  const server = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { suggestionServerCommand } = await import(${JSON.stringify(COMMAND_MODULE)});
       process.exitCode = await suggestionServerCommand(${JSON.stringify(args)});`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
  const line = await new Promise<RegExpExecArray>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^suggestion server for (.+) listening on (\S+)\n/.exec(stdout);
      if (m) resolve(m);
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`server did not start: ${stdout} ${stderr}`)), 20_000);
  });
  return { server, exited, what: line[1]!, address: line[2]!, stderr: () => stderr };
}

describe.skipIf(pythonGrpcMissing !== undefined)('Python client ↔ katib-ts suggestion server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-pysugg-'));
  const generated = path.join(dir, 'generated');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Python stubs from our proto, compiled now (protoc does not create its output folder).
  beforeAll(async () => {
    mkdirSync(generated, { recursive: true });
    await run(PYTHON, [
      '-m',
      'grpc_tools.protoc',
      `-I${path.join(ROOT, 'proto')}`,
      `--python_out=${generated}`,
      `--grpc_python_out=${generated}`,
      'api.proto',
      'health.proto',
    ]);
  });

  it('GetSuggestions and ValidateAlgorithmSettings answer a grpcio client as Katib would', async () => {
    const s = await startServer({ port: '0' });
    try {
      expect(s.what).toBe('all algorithms');
      expect(s.address).toMatch(/^127\.0\.0\.1:\d+$/);
      const { stdout } = await run(PYTHON, [CLIENT, generated, s.address], { timeout: 60_000 });
      const out = JSON.parse(stdout) as {
        health: string;
        random: Record<string, string>[];
        random_again: Record<string, string>[];
        random_algorithm: string;
        grid_first: Record<string, string>[];
        grid_rest: Record<string, string>[];
        validate_valid: null | RpcError;
        validate_invalid: null | RpcError;
        validate_grid_invalid: null | RpcError;
        unknown_algorithm: null | RpcError;
      };

      expect(out['health']).toBe('SERVING');

      const random = out.random;
      expect(random).toHaveLength(3);
      for (const a of random) {
        expect(Object.keys(a).sort()).toEqual(['layers', 'lr', 'optimizer']);
        expect(Number(a['lr'])).toBeGreaterThanOrEqual(0.0001);
        expect(Number(a['lr'])).toBeLessThanOrEqual(0.1);
        expect(['1', '2', '3', '4', '5']).toContain(a['layers']);
        expect(['sgd', 'adam', 'ftrl']).toContain(a['optimizer']);
      }
      expect(out['random_again']).toEqual(random);
      expect(out['random_algorithm']).toBe('random');

      const grid = [...out.grid_first, ...out.grid_rest];
      expect(out['grid_first']).toHaveLength(4);
      expect(out['grid_rest']).toHaveLength(2); // the grid has 6 points: exhausted
      expect(grid.map((a) => `${a['layers']}/${a['optimizer']}`).sort()).toEqual([
        '1/adam',
        '1/sgd',
        '2/adam',
        '2/sgd',
        '3/adam',
        '3/sgd',
      ]);

      expect(out['validate_valid']).toBeNull();
      expect(out['validate_invalid']).toEqual({
        code: 'INVALID_ARGUMENT',
        details:
          'experiment.spec.algorithm.algorithm_settings[0].value: random_state should be great or equal than zero',
      });
      expect(out['validate_grid_invalid']).toEqual({
        code: 'INVALID_ARGUMENT',
        details: 'experiment.spec.max_trial_count: Max Trial Count: 10 > all possible search combinations: 6',
      });
      expect(out.unknown_algorithm?.code).toBe('INVALID_ARGUMENT');
      expect(out.unknown_algorithm?.details).toMatch(
        /unknown algorithm name no-such-algorithm; known algorithms: ([a-z-]+, )*grid, ([a-z-]+, )*random/,
      );
    } finally {
      s.server.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
  });

  it('a single-algorithm server refuses other algorithms', async () => {
    const s = await startServer({ port: '0', algorithm: 'grid' });
    try {
      expect(s.what).toBe('grid');
      const script = `
import sys, grpc
sys.path.insert(0, sys.argv[1])
import api_pb2, api_pb2_grpc
with grpc.insecure_channel(sys.argv[2]) as ch:
    stub = api_pb2_grpc.SuggestionStub(ch)
    e = api_pb2.Experiment(name="e", spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=[api_pb2.ParameterSpec(
            name="x", parameter_type=api_pb2.INT, feasible_space=api_pb2.FeasibleSpace(min="1", max="3"))]),
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MINIMIZE, objective_metric_name="loss"),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name="random")))
    try:
        stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=e), timeout=10)
        print("accepted")
    except grpc.RpcError as err:
        print(err.code().name, err.details())
`;
      const { stdout } = await run(PYTHON, ['-c', script, generated, s.address]);
      expect(stdout.trim()).toBe(
        'INVALID_ARGUMENT experiment.spec.algorithm.algorithm_name: this suggestion server serves only algorithm grid, not random',
      );
    } finally {
      s.server.kill('SIGINT');
      expect(await s.exited).toBe(0);
    }
  });
});
