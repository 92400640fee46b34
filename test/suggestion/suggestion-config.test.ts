/** Parsing and validating the `runtime.suggestions` config (KatibConfig shape). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/api/index.js';
import {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_STARTUP_TIMEOUT_MS,
  configBaseDir,
  endpointProblem,
  loadSuggestionConfig,
  parseSuggestionConfig,
  parseSuggestionConfigText,
  resolveSuggestionConfig,
  withPort,
} from '../../src/suggestion/index.js';

const BASE = '/project';

function config(...suggestions: unknown[]): unknown {
  return { apiVersion: 'config.kubeflow.org/v1beta1', kind: 'KatibConfig', runtime: { suggestions } };
}

function errorsOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseSuggestionConfig(raw, { baseDir: BASE });
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).errors.map((e) => ({ path: e.path, message: e.message }));
  }
  throw new Error('expected a SpecError');
}

describe('parseSuggestionConfig', () => {
  it('reads endpoint and command entries with their defaults', () => {
    const c = parseSuggestionConfig(
      config(
        { algorithmName: 'tpe', endpoint: '127.0.0.1:6789' },
        {
          algorithmName: 'my-random',
          command: ['python3', 'my_server.py', '--port', '{port}'],
          deadlineSeconds: 600,
        },
        {
          algorithmName: 'fixed',
          command: ['python3', 'main.py'],
          args: ['--verbose', 3],
          port: 6789,
          env: [{ name: 'PORT', value: '{port}' }],
          workingDir: 'services',
          startupTimeoutSeconds: 5,
          maxRestarts: 0,
        },
      ),
      { baseDir: BASE, source: 'katib.yaml' },
    );
    expect(c.source).toBe('katib.yaml');
    expect(c.suggestions).toEqual([
      { kind: 'endpoint', algorithmName: 'tpe', path: 'runtime.suggestions[0]', endpoint: '127.0.0.1:6789' },
      {
        kind: 'command',
        algorithmName: 'my-random',
        path: 'runtime.suggestions[1]',
        argv: ['python3', 'my_server.py', '--port', '{port}'],
        env: {},
        workingDir: BASE,
        startupTimeoutMs: DEFAULT_STARTUP_TIMEOUT_MS,
        maxRestarts: DEFAULT_MAX_RESTARTS,
        deadlineMs: 600_000,
      },
      {
        kind: 'command',
        algorithmName: 'fixed',
        path: 'runtime.suggestions[2]',
        argv: ['python3', 'main.py', '--verbose', '3'],
        port: 6789,
        env: { PORT: '{port}' },
        workingDir: path.join(BASE, 'services'),
        startupTimeoutMs: 5000,
        maxRestarts: 0,
      },
    ]);
  });

  it('accepts an empty config, a config without runtime, and env as a map', () => {
    expect(parseSuggestionConfig({}).suggestions).toEqual([]);
    expect(parseSuggestionConfig({ init: { controller: { webhookPort: 8443 } } }).suggestions).toEqual([]);
    const c = parseSuggestionConfig(
      config({ algorithmName: 'a', command: ['x', '{port}'], env: { A: 1, B: 'two' } }),
    );
    expect(c.suggestions[0]).toMatchObject({ env: { A: '1', B: 'two' } });
  });

  it("accepts Katib's own katib-config.yaml shape, ignoring cluster-only fields", () => {
    const c = parseSuggestionConfig({
      apiVersion: 'config.kubeflow.org/v1beta1',
      kind: 'KatibConfig',
      init: { controller: { trialResources: ['Job.v1.batch'] } },
      runtime: {
        suggestions: [
          {
            algorithmName: 'tpe',
            image: 'docker.io/kubeflowkatib/suggestion-hyperopt:latest',
            endpoint: 'localhost:6789',
            imagePullPolicy: 'IfNotPresent',
            resources: { limits: { memory: '100Mi' } },
            volumeMountPath: '/opt/katib/data',
          },
        ],
        earlyStoppings: [{ algorithmName: 'medianstop', image: 'x' }],
        metricsCollectors: [{ kind: 'StdOut', image: 'y' }],
      },
    });
    expect(c.suggestions).toMatchObject([
      { kind: 'endpoint', algorithmName: 'tpe', endpoint: 'localhost:6789' },
    ]);
  });

  const cases: {
    name: string;
    raw: unknown;
    want: { path: string; message: RegExp }[];
  }[] = [
    {
      name: 'endpoint that is not host:port',
      raw: config({ algorithmName: 'a', endpoint: 'x' }, { algorithmName: 'b', endpoint: 'http://h:1' }),
      want: [
        { path: 'runtime.suggestions[0].endpoint', message: /must be host:port/ },
        { path: 'runtime.suggestions[1].endpoint', message: /must be host:port/ },
      ],
    },
    {
      name: 'endpoint port out of range',
      raw: config({ algorithmName: 'a', endpoint: '127.0.0.1:70000' }),
      want: [{ path: 'runtime.suggestions[0].endpoint', message: /port from 1 to 65535/ }],
    },
    {
      name: 'neither endpoint nor command',
      raw: config({ algorithmName: 'a' }),
      want: [
        { path: 'runtime.suggestions[0]', message: /exactly one of endpoint .* or command \(algorithm a\)/ },
      ],
    },
    {
      name: 'both endpoint and command',
      raw: config({ algorithmName: 'a', endpoint: 'h:1', command: ['x', '{port}'] }),
      want: [{ path: 'runtime.suggestions[0]', message: /not both/ }],
    },
    {
      name: 'an image-only Katib entry',
      raw: config({ algorithmName: 'tpe', image: 'docker.io/kubeflowkatib/suggestion-hyperopt:v0.17.0' }),
      want: [
        {
          path: 'runtime.suggestions[0].image',
          message:
            /cannot run container image "docker.io\/kubeflowkatib\/suggestion-hyperopt:v0.17.0" \(algorithm tpe\)/,
        },
      ],
    },
    {
      name: 'command without {port} and without port',
      raw: config({ algorithmName: 'a', command: ['python3', 'server.py'] }),
      want: [{ path: 'runtime.suggestions[0].command', message: /\{port\} placeholder/ }],
    },
    {
      name: 'command as a shell string',
      raw: config({ algorithmName: 'a', command: 'python3 server.py --port {port}' }),
      want: [
        { path: 'runtime.suggestions[0].command', message: /list of strings \(argv, run without a shell\)/ },
      ],
    },
    {
      name: 'empty command, bad element',
      raw: config({ algorithmName: 'a', command: [] }, { algorithmName: 'b', command: ['x', { y: 1 }] }),
      want: [
        { path: 'runtime.suggestions[0].command', message: /must not be empty/ },
        { path: 'runtime.suggestions[1].command[1]', message: /must be a string/ },
      ],
    },
    {
      name: 'duplicate algorithm names',
      raw: config({ algorithmName: 'a', endpoint: 'h:1' }, { algorithmName: 'a', endpoint: 'h:2' }),
      want: [
        {
          path: 'runtime.suggestions[1].algorithmName',
          message: /duplicate .*"a" \(also at runtime.suggestions\[0\]\)/,
        },
      ],
    },
    {
      name: 'missing algorithm name',
      raw: config({ endpoint: 'h:1' }),
      want: [{ path: 'runtime.suggestions[0].algorithmName', message: /non-empty string/ }],
    },
    {
      name: 'bad numbers',
      raw: config({
        algorithmName: 'a',
        command: ['x', '{port}'],
        deadlineSeconds: 0,
        startupTimeoutSeconds: 'ten',
        maxRestarts: -1,
        port: 0,
      }),
      want: [
        { path: 'runtime.suggestions[0].deadlineSeconds', message: /positive number of seconds/ },
        { path: 'runtime.suggestions[0].port', message: /1 to 65535/ },
        { path: 'runtime.suggestions[0].startupTimeoutSeconds', message: /positive number of seconds/ },
        { path: 'runtime.suggestions[0].maxRestarts', message: /non-negative integer/ },
      ],
    },
    {
      name: 'command-only fields on an endpoint entry',
      raw: config({ algorithmName: 'a', endpoint: 'h:1', port: 5, maxRestarts: 1 }),
      want: [
        { path: 'runtime.suggestions[0].port', message: /only to an entry with a command/ },
        { path: 'runtime.suggestions[0].maxRestarts', message: /only to an entry with a command/ },
      ],
    },
    {
      name: 'env with valueFrom and a bad name',
      raw: config({
        algorithmName: 'a',
        command: ['x', '{port}'],
        env: [
          { name: 'OK', valueFrom: { secretKeyRef: {} } },
          { name: '1BAD', value: 'v' },
        ],
      }),
      want: [
        { path: 'runtime.suggestions[0].env[0]', message: /valueFrom is not supported/ },
        { path: 'runtime.suggestions[0].env[1]', message: /environment variable name/ },
      ],
    },
    {
      name: 'unknown fields (typos)',
      raw: {
        kind: 'KatibConfig',
        runtme: {},
        runtime: { suggestion: [], suggestions: [{ algorithmName: 'a', endpiont: 'h:1', endpoint: 'h:1' }] },
      },
      want: [
        { path: 'runtme', message: /unknown field/ },
        { path: 'runtime.suggestion', message: /unknown field/ },
        { path: 'runtime.suggestions[0].endpiont', message: /unknown field/ },
      ],
    },
    {
      name: 'wrong apiVersion, kind and shapes',
      raw: { apiVersion: 'v1', kind: 'Experiment', runtime: { suggestions: { a: 1 } } },
      want: [
        { path: 'apiVersion', message: /config.kubeflow.org\/v1beta1/ },
        { path: 'kind', message: /KatibConfig/ },
        { path: 'runtime.suggestions', message: /must be a list/ },
      ],
    },
    {
      name: 'an entry that is not an object',
      raw: config('tpe'),
      want: [{ path: 'runtime.suggestions[0]', message: /must be an object/ }],
    },
  ];

  it.each(cases)('rejects $name with every error at its path', ({ raw, want }) => {
    const got = errorsOf(raw);
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => {
      expect(got[i]?.path).toBe(w.path);
      expect(got[i]?.message).toMatch(w.message);
    });
  });

  it('unwraps a katib-config ConfigMap', () => {
    const c = parseSuggestionConfig({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'katib-config' },
      data: {
        'katib-config.yaml':
          'apiVersion: config.kubeflow.org/v1beta1\nkind: KatibConfig\nruntime:\n  suggestions:\n    - algorithmName: tpe\n      endpoint: 127.0.0.1:6789\n',
      },
    });
    expect(c.suggestions).toMatchObject([{ algorithmName: 'tpe', endpoint: '127.0.0.1:6789' }]);
  });
});

describe('parseSuggestionConfigText and files', () => {
  it('reports YAML syntax errors at line:col', () => {
    expect(() => parseSuggestionConfigText('runtime:\n  suggestions: [\n', { source: 'c.yaml' })).toThrow(
      /c\.yaml:\d+:\d+/,
    );
  });

  it('treats an empty file as no entries', () => {
    expect(parseSuggestionConfigText('', { source: 'c.yaml' }).suggestions).toEqual([]);
  });

  it('loads --config FILE, else .katib/config.yaml, else nothing; commands run from the project directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'katib-config-'));
    expect(await resolveSuggestionConfig(undefined, dir)).toBeUndefined();
    mkdirSync(path.join(dir, '.katib'));
    writeFileSync(
      path.join(dir, '.katib', 'config.yaml'),
      'runtime:\n  suggestions:\n    - algorithmName: s\n      command: [python3, s.py, --port, "{port}"]\n',
    );
    const found = await resolveSuggestionConfig(undefined, dir);
    expect(found?.source).toBe(path.join(dir, '.katib', 'config.yaml'));
    expect(found?.suggestions[0]).toMatchObject({ kind: 'command', workingDir: dir });
    writeFileSync(
      path.join(dir, 'other.yaml'),
      'runtime:\n  suggestions:\n    - {algorithmName: e, endpoint: "h:1"}\n',
    );
    expect((await resolveSuggestionConfig('other.yaml', dir))?.suggestions[0]).toMatchObject({
      endpoint: 'h:1',
    });
    await expect(loadSuggestionConfig(path.join(dir, 'missing.yaml'))).rejects.toThrow(/file not found/);
    expect(configBaseDir(path.join(dir, 'sub', 'c.yaml'))).toBe(path.join(dir, 'sub'));
  });
});

describe('helpers', () => {
  it('substitutes {port} everywhere in a string', () => {
    expect(withPort('--addr=127.0.0.1:{port}/{port}', 4321)).toBe('--addr=127.0.0.1:4321/4321');
  });

  it.each([
    ['127.0.0.1:6789', undefined],
    ['localhost:1', undefined],
    ['[::1]:6789', undefined],
    ['suggestion.kubeflow.svc:6789', undefined],
    ['127.0.0.1', /host:port/],
    [':6789', /host:port/],
    ['h:0', /1 to 65535/],
    ['h:port', /1 to 65535/],
  ])('endpointProblem(%s)', (endpoint, want) => {
    const p = endpointProblem(endpoint);
    if (want === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(want);
  });
});
