import { spawn } from 'node:child_process';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRunnerConformance } from '../conformance/runner.conformance.js';
import {
  LocalProcessRunner,
  compileLocalProcessRunnerOptions,
  type LocalProcessRunnerOptions,
  type TrialRun,
} from '../../src/runners/index.js';
import { EventLog, TempDirs, batchJob, eventually, isGone, makeTrial, uniqueTrialName } from './fixtures.js';

const node = process.execPath;
const dirs = new TempDirs();
const runners: LocalProcessRunner[] = [];
const notices: string[] = [];

function newRunner(options: LocalProcessRunnerOptions = {}): LocalProcessRunner {
  const runner = new LocalProcessRunner({
    pollMs: 20,
    graceMs: 1000,
    log: (m) => notices.push(m),
    ...options,
  });
  runners.push(runner);
  return runner;
}

/** A run of `node -e script ...args` in the primary container `training`. */
async function nodeRun(
  script: string,
  opts: {
    readonly args?: readonly string[];
    readonly container?: Record<string, unknown>;
    readonly run?: Partial<TrialRun>;
    readonly name?: string;
  } = {},
): Promise<TrialRun> {
  const name = opts.name ?? uniqueTrialName();
  const workDir = await dirs.make();
  const container = {
    name: 'training',
    command: [node, '-e', script],
    args: opts.args ?? [],
    ...opts.container,
  };
  return { trial: makeTrial(name, { runSpec: batchJob(container) }), workDir, ...opts.run };
}

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close({ force: true })));
  await dirs.cleanup();
  notices.length = 0;
});

describeRunnerConformance(
  'LocalProcessRunner',
  () => new LocalProcessRunner({ pollMs: 20, graceMs: 1000, log: () => undefined }),
  (name, behaviour) =>
    nodeRun(behaviour === 'short' ? 'console.log("done")' : 'setTimeout(() => {}, 60_000)', { name }),
);

describe('LocalProcessRunner', () => {
  it('passes argv without a shell: injection strings arrive as literal arguments', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const nasty = [
      '$(rm -rf /)',
      '; echo hi',
      '`id`',
      'a b  c',
      '*',
      '"quoted"',
      "it's",
      '$HOME',
      '| cat',
      '--lr=0.1',
    ];
    const run = await nodeRun('process.stdout.write(JSON.stringify(process.argv.slice(1)))', { args: nasty });
    await runner.start(run);
    const exited = await log.exited(run.trial.metadata.name);
    expect(exited.exitCode).toBe(0);
    expect(JSON.parse(await readFile(path.join(run.workDir, 'stdout.log'), 'utf8'))).toEqual(nasty);
  });

  it('passes argv without a shell to python3 -c as well', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const nasty = ['$(touch pwned)', '; echo hi > pwned', '&& exit 3'];
    const name = uniqueTrialName();
    const workDir = await dirs.make();
    const container = {
      name: 'training',
      command: ['python3', '-c', 'import json, sys; print(json.dumps(sys.argv[1:]))'],
      args: nasty,
    };
    await runner.start({ trial: makeTrial(name, { runSpec: batchJob(container) }), workDir });
    expect((await log.exited(name)).exitCode).toBe(0);
    expect(JSON.parse(log.output(name, 'stdout'))).toEqual(nasty);
    await expect(readFile(path.join(workDir, 'pwned'))).rejects.toThrow();
  });

  it('sets container env, run env and KATIB_TRIAL_NAME; valueFrom gets a notice in stderr.log', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun(
      'const e = process.env; console.log(JSON.stringify([e.FROM_CONTAINER, e.FROM_RUN, e.KATIB_TRIAL_NAME, e.SECRET, e.OVERRIDDEN]))',
      {
        container: {
          env: [
            { name: 'FROM_CONTAINER', value: 'c' },
            { name: 'OVERRIDDEN', value: 'container' },
            { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          ],
        },
        run: { env: { FROM_RUN: 'r', OVERRIDDEN: 'run' } },
      },
    );
    const name = run.trial.metadata.name;
    await runner.start(run);
    expect((await log.exited(name)).exitCode).toBe(0);
    expect(JSON.parse(log.output(name, 'stdout'))).toEqual(['c', 'r', name, null, 'run']);
    const stderr = await readFile(path.join(run.workDir, 'stderr.log'), 'utf8');
    expect(stderr).toMatch(/env SECRET of container training has no literal value \(valueFrom/);
    expect(log.output(name, 'stderr')).toBe(stderr);
  });

  it('runs in workDir by default, and in workingDir resolved against it', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const plain = await nodeRun('console.log(process.cwd())');
    const relative = await nodeRun('console.log(process.cwd())', { container: { workingDir: 'sub/dir' } });
    await mkdir(path.join(relative.workDir, 'sub/dir'), { recursive: true });
    const absoluteDir = await dirs.make();
    const absolute = await nodeRun('console.log(process.cwd())', { container: { workingDir: absoluteDir } });
    for (const run of [plain, relative, absolute]) await runner.start(run);
    const cwdOf = async (run: TrialRun): Promise<string> => {
      expect((await log.exited(run.trial.metadata.name)).exitCode).toBe(0);
      return log.output(run.trial.metadata.name, 'stdout').trim();
    };
    expect(await cwdOf(plain)).toBe(await realpath(plain.workDir));
    expect(await cwdOf(relative)).toBe(await realpath(path.join(relative.workDir, 'sub/dir')));
    expect(await cwdOf(absolute)).toBe(await realpath(absoluteDir));
  });

  it('fails clearly when workingDir does not exist', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun('0', { container: { workingDir: 'missing' } });
    await runner.start(run);
    const exited = await log.exited(run.trial.metadata.name);
    expect(exited.exitCode).toBeNull();
    expect(exited.error).toMatch(/working directory .*missing of container training does not exist/);
  });

  it('writes stdout and stderr to files and emits them as output events, in order', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun(
      `for (let i = 1; i <= 3; i++) { console.log('loss=' + i / 10); console.error('warn ' + i); }
       setTimeout(() => console.log('héllo ✓ last'), 100);`,
    );
    const name = run.trial.metadata.name;
    await runner.start(run);
    await log.exited(name);
    const stdout = await readFile(path.join(run.workDir, 'stdout.log'), 'utf8');
    expect(stdout).toBe('loss=0.1\nloss=0.2\nloss=0.3\nhéllo ✓ last\n');
    expect(await readFile(path.join(run.workDir, 'stderr.log'), 'utf8')).toBe('warn 1\nwarn 2\nwarn 3\n');
    expect(log.output(name, 'stdout')).toBe(stdout);
    expect(log.output(name, 'stderr')).toBe('warn 1\nwarn 2\nwarn 3\n');
    const types = log.of(name).map((e) => e.type);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('exited');
    expect(types.filter((t) => t === 'started' || t === 'exited')).toEqual(['started', 'exited']);
  });

  it('appends to existing log files and reports only the new output', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun('console.log("second run")');
    await writeFile(path.join(run.workDir, 'stdout.log'), 'first run\n');
    await runner.start(run);
    await log.exited(run.trial.metadata.name);
    expect(log.output(run.trial.metadata.name, 'stdout')).toBe('second run\n');
    expect(await readFile(path.join(run.workDir, 'stdout.log'), 'utf8')).toBe('first run\nsecond run\n');
  });

  it('tails watched files that appear after the start', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const workDir = await dirs.make();
    const metrics = path.join(workDir, 'metrics', 'metrics.log');
    await mkdir(path.dirname(metrics));
    const run = await nodeRun(
      `const fs = require('fs');
       const f = process.argv[1];
       setTimeout(() => fs.appendFileSync(f, 'accuracy=0.5\\n'), 150);
       setTimeout(() => fs.appendFileSync(f, 'accuracy=0.7\\n'), 300);
       setTimeout(() => fs.appendFileSync(f, 'accuracy=0.9\\n'), 450);`,
      { args: [metrics], run: { workDir, watchFiles: [metrics, path.join(workDir, 'never-written')] } },
    );
    const name = run.trial.metadata.name;
    await runner.start(run);
    const first = await log.waitFor((e) => e.type === 'file' && e.trialName === name);
    expect(first).toMatchObject({ type: 'file', path: metrics });
    await log.exited(name);
    const fileText = log
      .of(name)
      .map((e) => (e.type === 'file' ? e.chunk : ''))
      .join('');
    expect(fileText).toBe('accuracy=0.5\naccuracy=0.7\naccuracy=0.9\n');
    expect(log.of(name).filter((e) => e.type === 'file').length).toBeGreaterThan(1); // followed live
  });

  it('reports exit codes and signals', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const ok = await nodeRun('process.exit(0)');
    const failed = await nodeRun('process.exit(3)');
    const killed = await nodeRun('process.kill(process.pid, "SIGKILL")');
    for (const run of [ok, failed, killed]) await runner.start(run);
    expect(await log.exited(ok.trial.metadata.name)).toMatchObject({ exitCode: 0, signal: null });
    expect(await log.exited(failed.trial.metadata.name)).toMatchObject({ exitCode: 3, signal: null });
    expect(await log.exited(killed.trial.metadata.name)).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
  });

  it('carries the pgid (the child pid) in started', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun('console.log(process.pid)');
    const name = run.trial.metadata.name;
    await runner.start(run);
    const started = await log.waitFor((e) => e.type === 'started' && e.trialName === name);
    await log.exited(name);
    expect(started.type === 'started' && started.pgid).toBe(Number(log.output(name, 'stdout').trim()));
  });

  it('refuses to run an image without a command, and notes ignored images once per runner', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const noCommand = await nodeRun('0', {
      container: { command: undefined, args: ['--lr', '0.1'], image: 'a:1' },
    });
    const withImage = await nodeRun('0', { container: { image: 'b:2' } });
    const withImage2 = await nodeRun('0', { container: { image: 'c:3' } });
    for (const run of [noCommand, withImage, withImage2]) await runner.start(run);
    const exited = await log.exited(noCommand.trial.metadata.name);
    expect(exited.error).toBe(
      "primary container training has no command; embedded mode runs command+args, not an image's entrypoint",
    );
    expect(exited.exitCode).toBeNull();
    expect(log.of(noCommand.trial.metadata.name).map((e) => e.type)).toEqual(['exited']);
    expect((await log.exited(withImage.trial.metadata.name)).exitCode).toBe(0);
    expect((await log.exited(withImage2.trial.metadata.name)).exitCode).toBe(0);
    expect(notices.filter((n) => /images are ignored/.test(n))).toHaveLength(1);
  });

  it('reports an unknown executable or a missing container as exited with an error, without throwing', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const unknown = await nodeRun('0', { container: { command: ['katib-no-such-binary-xyz', '--flag'] } });
    await expect(runner.start(unknown)).resolves.toBeUndefined();
    const exited = await log.exited(unknown.trial.metadata.name);
    expect(exited).toMatchObject({ exitCode: null, signal: null });
    expect(exited.error).toMatch(/cannot run "katib-no-such-binary-xyz": no such executable/);
    expect(log.of(unknown.trial.metadata.name).map((e) => e.type)).toEqual(['exited']);

    const name = uniqueTrialName();
    const workDir = await dirs.make();
    const trial = makeTrial(name, { runSpec: batchJob({ name: 'other', command: ['true'] }) });
    await runner.start({ trial, workDir });
    expect((await log.exited(name)).error).toMatch(/primary container training not found/);
  });

  it('stops the whole process group: the grandchild dies too', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun(
      `const c = require('child_process').spawn('sleep', ['100'], { stdio: 'ignore' });
       console.log('grandchild ' + c.pid);
       setInterval(() => {}, 1000);`,
    );
    const name = run.trial.metadata.name;
    await runner.start(run);
    await log.waitFor((e) => e.type === 'output' && /grandchild \d+/.test(e.chunk));
    const grandchild = Number(/grandchild (\d+)/.exec(log.output(name, 'stdout'))![1]);
    expect(isGone(grandchild)).toBe(false);
    await runner.stop(name, 'EarlyStopped');
    const exited = await log.exited(name);
    expect(exited).toMatchObject({ stopReason: 'EarlyStopped', exitCode: null, signal: 'SIGTERM' });
    await eventually(() => isGone(grandchild));
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const runner = newRunner({ graceMs: 300 });
    const log = new EventLog(runner);
    const run = await nodeRun(
      `process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
       console.log('ready');
       setInterval(() => {}, 1000);`,
    );
    const name = run.trial.metadata.name;
    await runner.start(run);
    await log.waitFor((e) => e.type === 'output' && e.chunk.includes('ready'));
    const t0 = Date.now();
    await runner.stop(name, 'Killed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await log.exited(name)).toMatchObject({ signal: 'SIGKILL', stopReason: 'Killed' });
    expect(log.output(name, 'stdout')).toContain('ignoring SIGTERM');
  });

  it('kills what the leader leaves behind in its group when it exits', async () => {
    const runner = newRunner();
    const log = new EventLog(runner);
    const run = await nodeRun(
      `const c = require('child_process').spawn('sleep', ['100'], { stdio: 'ignore' });
       c.unref();
       console.log('grandchild ' + c.pid);`,
    );
    const name = run.trial.metadata.name;
    await runner.start(run);
    expect((await log.exited(name)).exitCode).toBe(0);
    const grandchild = Number(/grandchild (\d+)/.exec(log.output(name, 'stdout'))![1]);
    await eventually(() => isGone(grandchild));
  });

  describe('killOrphanedProcessGroup', () => {
    const sleepers: number[] = [];
    afterEach(() => {
      for (const pid of sleepers.splice(0)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    const sleeper = (env: NodeJS.ProcessEnv): number => {
      const child = spawn('sleep', ['100'], { detached: true, stdio: 'ignore', env });
      child.unref();
      sleepers.push(child.pid!);
      return child.pid!;
    };

    it('refuses a process group whose environment lacks the trial name', async () => {
      const { KATIB_TRIAL_NAME: _, ...env } = process.env;
      const pid = sleeper(env);
      await new Promise((r) => setTimeout(r, 100));
      expect(LocalProcessRunner.killOrphanedProcessGroup(pid, 'trial-x')).toBe(false);
      expect(isGone(pid)).toBe(false);
    });

    it('refuses another trial’s process group, and kills its own', async () => {
      const pid = sleeper({ ...process.env, KATIB_TRIAL_NAME: 'trial-a' });
      await new Promise((r) => setTimeout(r, 100));
      expect(LocalProcessRunner.killOrphanedProcessGroup(pid, 'trial-ab')).toBe(false);
      expect(LocalProcessRunner.killOrphanedProcessGroup(pid, 'trial')).toBe(false);
      expect(isGone(pid)).toBe(false);
      expect(LocalProcessRunner.killOrphanedProcessGroup(pid, 'trial-a')).toBe(true);
      await eventually(() => isGone(pid));
    });

    it('refuses nonsense pgids', () => {
      expect(LocalProcessRunner.killOrphanedProcessGroup(0, 'x')).toBe(false);
      expect(LocalProcessRunner.killOrphanedProcessGroup(1, 'x')).toBe(false);
      expect(LocalProcessRunner.killOrphanedProcessGroup(-5, 'x')).toBe(false);
      expect(LocalProcessRunner.killOrphanedProcessGroup(2 ** 22 + 12345, 'x')).toBe(false);
    });
  });

  it('validates its options', () => {
    expect(compileLocalProcessRunnerOptions()).toMatchObject({ graceMs: 5000, pollMs: 150 });
    expect(() => compileLocalProcessRunnerOptions({ graceMs: -1 })).toThrow(RangeError);
    expect(() => compileLocalProcessRunnerOptions({ pollMs: Number.NaN })).toThrow(RangeError);
  });
});
