/**
 * What importing the package loads: the libraries that only some paths need (gRPC and its
 * protobuf loader, the YAML parser, ml-matrix) must stay unloaded until used, so `tune()` and
 * every `katib` command start without them (see src/lazy-require.ts).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const DEFERRED = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'yaml', 'ml-matrix'];

/** Packages under node_modules that a fresh Node process has loaded after running `script`. */
function loadedPackages(script: string): string[] {
  const probe = `${script}
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
const names = new Set(Object.keys(cache).map((f) => {
  const rest = f.split('node_modules/').pop();
  const parts = rest.split('/');
  return parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0];
}));
console.log(JSON.stringify([...names]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[];
}

describe('start-up', () => {
  it('importing the package loads none of the deferred libraries', () => {
    const index = path.join(ROOT, 'dist', 'index.js');
    const loaded = loadedPackages(`await import(${JSON.stringify(index)});`);
    expect(loaded).toContain('better-sqlite3');
    for (const name of DEFERRED) expect(loaded).not.toContain(name);
  });

  it('a tune() run with random search loads none of them either', () => {
    const index = path.join(ROOT, 'dist', 'index.js');
    const loaded = loadedPackages(`const { tune, search } = await import(${JSON.stringify(index)});
const r = await tune({ objective: (p) => Number(p.x) ** 2, parameters: { x: search.double(-1, 1) },
  maxTrialCount: 3, store: ':memory:' });
if (r.status.trialsSucceeded !== 3) throw new Error('tune failed');`);
    for (const name of DEFERRED) expect(loaded).not.toContain(name);
  });

  it('the CLI module loads none of them until a command needs one', () => {
    const cli = path.join(ROOT, 'dist', 'cli', 'index.js');
    const loaded = loadedPackages(`await import(${JSON.stringify(cli)});`);
    expect(loaded).toContain('commander');
    for (const name of DEFERRED) expect(loaded).not.toContain(name);
  });

  it('loads them when used: a YAML experiment parses and a gRPC server starts', () => {
    const index = path.join(ROOT, 'dist', 'index.js');
    const grpcIndex = path.join(ROOT, 'dist', 'grpc', 'index.js');
    const loaded = loadedPackages(`const { parseExperimentText } = await import(${JSON.stringify(index)});
const doc = parseExperimentText('kind: Experiment\\nmetadata: {name: a}\\n', 'inline');
if (doc.kind !== 'Experiment') throw new Error('not parsed');
const { createGrpcServer } = await import(${JSON.stringify(grpcIndex)});
createGrpcServer().forceShutdown();`);
    expect(loaded).toContain('yaml');
    expect(loaded).toContain('@grpc/grpc-js');
  });
});
