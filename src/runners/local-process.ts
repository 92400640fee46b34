/**
 * Embedded mode's trial runner: the primary container's `command` + `args` run as a local process
 * (DESIGN.md §6). POSIX only (process groups, /proc for orphan checks).
 *
 * - argv is an array handed to the OS as it is: no shell is ever added, so `$(rm -rf /)` or
 *   `; echo hi` in a parameter is one literal argument.
 * - Each trial is the leader of its own process group; stopping a trial signals the whole group
 *   (SIGTERM, then SIGKILL after the grace period), and when the leader exits whatever is left of
 *   its group is killed, as a container's processes die with its PID 1.
 * - stdout and stderr go straight from the child to `<workDir>/stdout.log` and `stderr.log`
 *   (opened for append), not through pipes: a crash of the engine neither kills nor blocks a
 *   trial. The runner follows those files, and `TrialRun.watchFiles`, by polling.
 * - The image is ignored, with one notice per runner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { findPrimaryContainer, type ContainerSpec } from '../api/trial-template.js';
import { FileTail } from './file-tail.js';
import { describeError, errnoCode, stderrNotice, type NoticeSink } from './runner-events.js';
import {
  TrialLifecycleRunner,
  newTrackedTrial,
  type TrackedTrial,
  type TrialExit,
} from './trial-lifecycle.js';
import { RunnerClosedError, type RunnerEvent, type StopReason, type TrialRun } from './trial-runner.js';

/** The environment variable every trial process gets: its trial's name. */
export const TRIAL_NAME_ENV = 'KATIB_TRIAL_NAME';
/** File in the trial's work directory that receives the process's stdout. */
export const STDOUT_FILE = 'stdout.log';
/** File in the trial's work directory that receives the process's stderr. */
export const STDERR_FILE = 'stderr.log';

/** Options of {@link LocalProcessRunner}; all optional. */
export interface LocalProcessRunnerOptions {
  /**
   * Milliseconds between SIGTERM and SIGKILL when a trial is stopped.
   * @default 5000
   */
  readonly graceMs?: number;
  /**
   * Milliseconds between two reads of a trial's output and watched files.
   * @default 150
   */
  readonly pollMs?: number;
  /**
   * Receives one-line notices (image ignored, a listener threw, a watched file unreadable).
   * @default one line on stderr
   */
  readonly log?: NoticeSink;
}

/** {@link LocalProcessRunnerOptions} with every default applied. */
export interface CompiledLocalProcessRunnerOptions {
  readonly graceMs: number;
  readonly pollMs: number;
  readonly log: NoticeSink;
}

/**
 * Applies the defaults of {@link LocalProcessRunnerOptions}.
 * @throws RangeError when `graceMs` or `pollMs` is negative or not finite
 */
export function compileLocalProcessRunnerOptions(
  options: LocalProcessRunnerOptions = {},
): CompiledLocalProcessRunnerOptions {
  const graceMs = options.graceMs ?? 5000;
  const pollMs = options.pollMs ?? 150;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be ≥ 0, got ${graceMs}`);
  if (!Number.isFinite(pollMs) || pollMs < 1) throw new RangeError(`pollMs must be ≥ 1, got ${pollMs}`);
  return { graceMs, pollMs, log: options.log ?? stderrNotice };
}

/** One trial's process and what follows it. */
interface LocalTrial extends TrackedTrial {
  /** Settles once `started` or a failure to start was emitted. */
  started: Promise<void>;
  /** Set once the group leader exited (no more polls are scheduled). */
  leaderExited: boolean;
  child: ChildProcess | undefined;
  pgid: number | undefined;
  tails: { readonly tail: FileTail; readonly emit: (chunk: string) => void }[];
  pollTimer: NodeJS.Timeout | undefined;
  polling: Promise<void> | undefined;
}

/** Sends `signal` to process group `pgid`; false when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Runs trials as local processes. See the module comment for what it guarantees.
 *
 * ```ts
 * const runner = new LocalProcessRunner({ graceMs: 2000 });
 * runner.onEvent((e) => e.type === 'exited' && console.log(e.trialName, e.exitCode));
 * await runner.start({ trial, workDir: '/tmp/exp/trial-1' });
 * ```
 */
export class LocalProcessRunner extends TrialLifecycleRunner<LocalTrial> {
  /** Always `'local-process'`. */
  readonly kind = 'local-process' as const;
  readonly #options: CompiledLocalProcessRunnerOptions;
  #imageNoticeGiven = false;

  /** @throws RangeError for invalid options (see {@link compileLocalProcessRunnerOptions}) */
  constructor(options: LocalProcessRunnerOptions = {}) {
    const compiled = compileLocalProcessRunnerOptions(options);
    super(compiled.log);
    this.#options = compiled;
  }

  /**
   * Kills what is left of a trial's process group after an engine restart, but only when it is
   * still that trial's: a member of group `pgid` must carry `KATIB_TRIAL_NAME=<trialName>` in its
   * initial environment (`/proc/<pid>/environ`), so a recycled pid is never killed.
   * Returns true when SIGKILL was sent. Linux only (false where /proc is missing).
   */
  static killOrphanedProcessGroup(pgid: number, trialName: string): boolean {
    if (!Number.isInteger(pgid) || pgid <= 1) return false;
    const expected = `${TRIAL_NAME_ENV}=${trialName}`;
    const carriesName = (pid: number): boolean => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(expected);
      } catch {
        return false;
      }
    };
    const members = carriesName(pgid) ? [pgid] : groupMembers(pgid).filter(carriesName);
    if (members.length === 0) return false;
    try {
      return signalGroup(pgid, 'SIGKILL');
    } catch {
      return false;
    }
  }

  /** {@inheritDoc TrialRunner.start} @throws RunnerClosedError once `close` was called */
  override start(run: TrialRun): Promise<void> {
    const name = run.trial.metadata.name;
    const existing = this.trackedTrial(name);
    if (existing !== undefined) return existing.started;
    if (this.getState() !== 'running') return Promise.reject(new RunnerClosedError(this.kind, name));
    const trial: LocalTrial = {
      ...newTrackedTrial(name),
      started: Promise.resolve(),
      leaderExited: false,
      child: undefined,
      pgid: undefined,
      tails: [],
      pollTimer: undefined,
      polling: undefined,
    };
    this.track(trial);
    trial.started = this.#launch(trial, run).catch((err: unknown) => {
      this.#finish(trial, { exitCode: null, signal: null, error: `could not start: ${describeError(err)}` });
    });
    return trial.started;
  }

  async #launch(trial: LocalTrial, run: TrialRun): Promise<void> {
    const spec = run.trial.spec;
    const containerName = spec.primaryContainerName;
    const container =
      spec.runSpec !== undefined && containerName !== undefined
        ? findPrimaryContainer(spec.runSpec, containerName)
        : undefined;
    if (container === undefined) {
      const where = spec.runSpec === undefined ? 'the trial has no runSpec' : 'it is not in the runSpec';
      this.#finish(trial, {
        exitCode: null,
        signal: null,
        error: `primary container ${containerName ?? '(unnamed)'} not found: ${where}`,
      });
      return;
    }
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    const program = argv[0];
    if (container.command === undefined || container.command.length === 0 || program === undefined) {
      this.#finish(trial, {
        exitCode: null,
        signal: null,
        error: `primary container ${container.name} has no command; embedded mode runs command+args, not an image's entrypoint`,
      });
      return;
    }
    if (container.image !== undefined && !this.#imageNoticeGiven) {
      this.#imageNoticeGiven = true;
      this.#options.log(
        `container images are ignored in embedded mode (first seen: ${container.image}); ` +
          'commands run on this machine',
      );
    }

    await mkdir(run.workDir, { recursive: true });
    const cwd = container.workingDir ? path.resolve(run.workDir, container.workingDir) : run.workDir;
    const cwdStat = await stat(cwd).catch(() => undefined);
    if (cwdStat === undefined || !cwdStat.isDirectory()) {
      this.#finish(trial, {
        exitCode: null,
        signal: null,
        error: `working directory ${cwd} of container ${container.name} does not exist`,
      });
      return;
    }

    const stdoutPath = path.join(run.workDir, STDOUT_FILE);
    const stderrPath = path.join(run.workDir, STDERR_FILE);
    const out = await open(stdoutPath, 'a');
    const errFile = await open(stderrPath, 'a').catch(async (e: unknown) => {
      await out.close();
      throw e;
    });
    let launched: Promise<void>;
    try {
      const stdoutStart = (await out.stat()).size;
      const stderrStart = (await errFile.stat()).size;
      const unresolved = (container.env ?? []).filter((e) => e.value === undefined).map((e) => e.name);
      if (unresolved.length > 0) {
        await errFile.write(
          `katib: env ${unresolved.join(', ')} of container ${container.name} has no literal value ` +
            '(valueFrom is not resolved in embedded mode); left unset\n',
        );
      }
      trial.tails = [
        this.#tail(new FileTail(stdoutPath, stdoutStart), (chunk) => ({
          type: 'output',
          trialName: trial.name,
          stream: 'stdout',
          chunk,
        })),
        this.#tail(new FileTail(stderrPath, stderrStart), (chunk) => ({
          type: 'output',
          trialName: trial.name,
          stream: 'stderr',
          chunk,
        })),
        ...(run.watchFiles ?? []).map((file) =>
          this.#tail(new FileTail(path.resolve(cwd, file)), (chunk) => ({
            type: 'file',
            trialName: trial.name,
            path: file,
            chunk,
          })),
        ),
      ];
      const child = spawn(program, argv.slice(1), {
        shell: false,
        detached: true,
        cwd,
        env: { ...process.env, ...containerEnv(container), ...run.env, [TRIAL_NAME_ENV]: trial.name },
        stdio: ['ignore', out.fd, errFile.fd],
      });
      // Listen at once: 'spawn' and 'error' come on the next tick.
      launched = this.#watchChild(trial, child, program);
    } finally {
      // The child holds its own copies of the descriptors (or never got them).
      await Promise.allSettled([out.close(), errFile.close()]);
    }
    await launched;
  }

  /** Follows `child` from the moment it was spawned; resolves once it started or failed to. */
  #watchChild(trial: LocalTrial, child: ChildProcess, program: string): Promise<void> {
    trial.child = child;
    return new Promise<void>((resolve) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        trial.pgid = child.pid;
        this.emit({
          type: 'started',
          trialName: trial.name,
          at: new Date(),
          ...(child.pid !== undefined && { pgid: child.pid }),
        });
        this.#schedulePoll(trial);
        resolve();
      });
      child.on('error', (err) => {
        if (spawned) {
          this.#options.log(`trial ${trial.name}: ${describeError(err)}`);
          return;
        }
        this.#finish(trial, { exitCode: null, signal: null, error: spawnErrorMessage(program, err) });
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (!spawned) return; // a failure to spawn is reported by 'error'
        trial.leaderExited = true;
        void this.#afterExit(trial, code, signal);
      });
    });
  }

  #tail(tail: FileTail, toEvent: (chunk: string) => RunnerEvent): LocalTrial['tails'][number] {
    return { tail, emit: (chunk) => this.emit(toEvent(chunk)) };
  }

  #schedulePoll(trial: LocalTrial): void {
    trial.pollTimer = setTimeout(() => {
      trial.pollTimer = undefined;
      trial.polling = this.#readTails(trial, false).finally(() => {
        trial.polling = undefined;
        if (!trial.finished && !trial.leaderExited) this.#schedulePoll(trial);
      });
    }, this.#options.pollMs);
  }

  async #readTails(trial: LocalTrial, final: boolean): Promise<void> {
    for (const entry of [...trial.tails]) {
      try {
        const chunk = final ? await entry.tail.end() : await entry.tail.read();
        if (chunk !== '') entry.emit(chunk);
      } catch (err) {
        this.#options.log(`trial ${trial.name}: cannot read ${entry.tail.path}: ${describeError(err)}`);
        trial.tails = trial.tails.filter((t) => t !== entry);
        await entry.tail.close().catch(() => undefined);
      }
    }
  }

  async #afterExit(trial: LocalTrial, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    // Whatever the leader left behind in its group dies with it.
    if (trial.pgid !== undefined) {
      try {
        signalGroup(trial.pgid, 'SIGKILL');
      } catch (err) {
        this.#options.log(
          `trial ${trial.name}: cannot kill process group ${trial.pgid}: ${describeError(err)}`,
        );
      }
    }
    if (trial.pollTimer !== undefined) clearTimeout(trial.pollTimer);
    trial.pollTimer = undefined;
    await trial.polling;
    await this.#readTails(trial, true);
    this.#finish(trial, { exitCode: code, signal });
  }

  /** Sends SIGTERM to the trial's process group, then SIGKILL after `graceMs`; resolves once it exited. */
  protected override async stopTrial(trial: LocalTrial, _reason: StopReason): Promise<void> {
    await trial.started;
    if (trial.finished || trial.pgid === undefined) {
      await trial.exited;
      return;
    }
    const pgid = trial.pgid;
    const send = (signal: NodeJS.Signals): void => {
      try {
        signalGroup(pgid, signal);
      } catch (err) {
        this.#options.log(
          `trial ${trial.name}: cannot send ${signal} to group ${pgid}: ${describeError(err)}`,
        );
      }
    };
    send('SIGTERM');
    const killTimer = setTimeout(() => send('SIGKILL'), this.#options.graceMs);
    try {
      await trial.exited;
    } finally {
      clearTimeout(killTimer);
    }
  }

  /** Closes the trial's files and emits its one `exited` event (later calls do nothing). */
  #finish(trial: LocalTrial, result: TrialExit): void {
    if (trial.finished) return;
    for (const { tail } of trial.tails) void tail.close().catch(() => undefined);
    trial.tails = [];
    trial.child = undefined;
    this.finishTrial(trial, result);
  }
}

/** The container's literal env values (entries without a value are left out). */
function containerEnv(container: ContainerSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

function spawnErrorMessage(program: string, err: unknown): string {
  const code = errnoCode(err);
  const what = JSON.stringify(program);
  if (code === 'ENOENT') return `cannot run ${what}: no such executable (not found on PATH or at that path)`;
  if (code === 'EACCES') return `cannot run ${what}: permission denied (is it executable?)`;
  return `cannot run ${what}: ${describeError(err)}`;
}

/** Pids of the live processes in process group `pgid` (from /proc; empty when unavailable). */
function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const statLine = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // Fields after the parenthesised command: state ppid pgrp …
      const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return members;
}
