/**
 * A Katib-compatible Suggestion service the engine runs itself (a config entry with `command`):
 * started on a free port without a shell, in its own process group, its output appended to
 * `<logDir>/<algorithm>.log`; ready once its health service reports SERVING for
 * `manager.v1beta1.Suggestion`; started again (a bounded number of times) after it dies; stopped
 * with its whole process group on close or when the engine exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { InternalError, UnavailableError } from '../api/index.js';
import type { ServingStatus } from '../grpc/index.js';
import { SUGGESTION_HEALTH_SERVICE } from './grpc-server.js';
import { withPort, type CommandSuggestionEntry } from './suggestion-config.js';
import type { SuggestionDeployment, SuggestionService } from './suggestion-service.js';

/** A client of an external Suggestion service (GrpcSuggestionService has this shape). */
export interface ExternalSuggestionClient extends SuggestionService {
  /** The serving status the service reports for `service`; rejects when it cannot be asked. */
  checkHealth(service?: string, deadlineMs?: number): Promise<ServingStatus | void>;
  /** Releases the connection. */
  close(): void;
}

/** Makes a client for a service at `address` (`host:port`). */
export type ConnectSuggestionService = (opts: {
  readonly address: string;
  readonly deadlineMs?: number;
}) => ExternalSuggestionClient;

/** Options of {@link SuggestionProcess}. */
export interface SuggestionProcessOptions {
  readonly entry: CommandSuggestionEntry;
  /** Where `<algorithm>.log` goes (created when missing). */
  readonly logDir: string;
  readonly connect: ConnectSuggestionService;
  /** Address the service is reached at (and, via `{port}`, told to listen on). @default '127.0.0.1' */
  readonly host?: string;
  /** Sink for notices (a restart, an exit). @default none */
  readonly log?: (line: string) => void;
  /** Pause between health checks while starting, in ms. @default 150 */
  readonly healthIntervalMs?: number;
  /** How long a stopped process group may take to exit before SIGKILL, in ms. @default 3000 */
  readonly stopGraceMs?: number;
}

/** A started process and its client. */
interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly address: string;
  readonly client: ExternalSuggestionClient;
  /** Size of the log file when this process started (its own output follows). */
  readonly logOffset: number;
  ready: boolean;
  exit: string | undefined;
  readonly exited: Promise<void>;
}

/** Lifecycle of a {@link SuggestionProcess}. */
export type SuggestionProcessState = 'idle' | 'starting' | 'ready' | 'exited' | 'failed' | 'closed';

/** One engine-started Suggestion service (see the module comment). */
export class SuggestionProcess {
  /** File receiving the process's stdout and stderr. */
  readonly logFile: string;
  private readonly entry: CommandSuggestionEntry;
  private readonly opts: SuggestionProcessOptions;
  private readonly host: string;
  private current: Running | undefined;
  private starting: Promise<Running> | undefined;
  private starts = 0;
  private lastProblem: string | undefined;
  private closed = false;
  private readonly onEngineExit = (): void => this.killGroup('SIGTERM');

  constructor(opts: SuggestionProcessOptions) {
    this.opts = opts;
    this.entry = opts.entry;
    this.host = opts.host ?? '127.0.0.1';
    this.logFile = path.join(opts.logDir, `${safeFileName(opts.entry.algorithmName)}.log`);
  }

  /** Where the process stands. */
  getState(): SuggestionProcessState {
    if (this.closed) return 'closed';
    if (this.starting) return 'starting';
    if (this.current?.ready && this.current.exit === undefined) return 'ready';
    if (this.current) return 'exited';
    return this.lastProblem !== undefined ? 'failed' : 'idle';
  }

  /** Katib's DeploymentReady for this process; undefined before the first start. */
  deployment(): SuggestionDeployment | undefined {
    const cur = this.current;
    if (this.getState() === 'ready' && cur)
      return {
        ready: true,
        message: `Deployment is ready: ${this.describe()} serving on ${cur.address} (pid ${cur.pid}); log ${this.logFile}`,
      };
    if (this.starts === 0) return undefined;
    return {
      ready: false,
      message: `Deployment is not ready: ${this.lastProblem ?? (this.starting ? 'starting' : 'not running')}`,
    };
  }

  /**
   * The client of the running, healthy service; starts (or restarts) the process first when
   * needed. The start goes on when `signal` aborts (a later call picks it up).
   * @throws UnavailableError when the process does not start or become healthy (retry).
   * @throws InternalError when it has been started `1 + maxRestarts` times already (give up).
   */
  async ready(
    signal?: AbortSignal,
  ): Promise<{ readonly client: ExternalSuggestionClient; readonly address: string }> {
    if (this.closed) throw new UnavailableError(`${this.what()} is stopped`);
    const cur = this.current;
    if (cur?.ready && cur.exit === undefined) return cur;
    if (!this.starting) {
      const p = this.start().finally(() => {
        if (this.starting === p) this.starting = undefined;
      });
      p.catch(() => undefined); // awaited below; a caller that aborted must not leave it unhandled
      this.starting = p;
    }
    return abortable(this.starting, signal);
  }

  /** Stops the process group (SIGTERM, then SIGKILL after the grace period) and closes the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onEngineExit);
    const cur = this.current;
    if (!cur) return;
    cur.client.close();
    if (cur.exit !== undefined) return;
    this.killGroup('SIGTERM');
    const grace = this.opts.stopGraceMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      cur.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), grace))),
    ]);
    if (timer) clearTimeout(timer);
    if (timedOut) {
      this.killGroup('SIGKILL');
      await cur.exited;
    }
  }

  private what(): string {
    return `suggestion service of algorithm ${this.entry.algorithmName} (${this.entry.path}: ${this.describe()})`;
  }

  private describe(): string {
    const shown = this.entry.argv.slice(0, 3).map((a) => (/\s/.test(a) ? JSON.stringify(a) : a));
    return `${shown.join(' ')}${this.entry.argv.length > 3 ? ' …' : ''}`;
  }

  private async start(): Promise<Running> {
    const allowed = 1 + this.entry.maxRestarts;
    if (this.starts >= allowed) {
      throw new InternalError(
        `${this.what()} was started ${this.starts} times (maxRestarts ${this.entry.maxRestarts}) and gave up` +
          `${this.lastProblem ? `; last problem: ${this.lastProblem}` : ''}; see ${this.logFile}`,
      );
    }
    const previous = this.current;
    if (previous) {
      previous.client.close();
      if (previous.exit === undefined) this.killGroup('SIGKILL');
    }
    this.starts++;
    if (this.starts > 1)
      this.opts.log?.(`starting ${this.what()} again (start ${this.starts} of ${allowed})`);
    const port = this.entry.port ?? (await freePort(this.host));
    if (this.closed) throw new UnavailableError(`${this.what()} is stopped`);
    const running = this.spawn(port);
    this.current = running;
    process.off('exit', this.onEngineExit);
    process.on('exit', this.onEngineExit);
    try {
      await this.waitHealthy(running);
    } catch (err) {
      this.lastProblem = err instanceof Error ? err.message : String(err);
      running.client.close();
      if (running.exit === undefined) {
        this.killGroup('SIGKILL');
        await running.exited;
      }
      throw err;
    }
    running.ready = true;
    this.lastProblem = undefined;
    return running;
  }

  private spawn(port: number): Running {
    mkdirSync(path.dirname(this.logFile), { recursive: true });
    const argv = this.entry.argv.map((a) => withPort(a, port));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(this.entry.env)) env[k] = withPort(v, port);
    env['KATIB_SUGGESTION_PORT'] = String(port);
    env['KATIB_SUGGESTION_ALGORITHM'] = this.entry.algorithmName;
    const fd = openSync(this.logFile, 'a');
    let logOffset = 0;
    let child: ChildProcess;
    try {
      logOffset = statSync(this.logFile).size;
      writeSync(
        fd,
        `--- ${new Date().toISOString()} katib starts ${JSON.stringify(argv)} in ${this.entry.workingDir} (port ${port})\n`,
      );
      child = spawn(argv[0] ?? '', argv.slice(1), {
        cwd: this.entry.workingDir,
        env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const address = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`;
    let resolveExited!: () => void;
    const exited = new Promise<void>((r) => (resolveExited = r));
    const running: Running = {
      child,
      pid: child.pid ?? -1,
      address,
      client: this.opts.connect({
        address,
        ...(this.entry.deadlineMs !== undefined ? { deadlineMs: this.entry.deadlineMs } : {}),
      }),
      logOffset,
      ready: false,
      exit: undefined,
      exited,
    };
    const onGone = (why: string): void => {
      if (running.exit !== undefined) return;
      running.exit = why;
      resolveExited();
      if (this.current === running && !this.closed) {
        process.off('exit', this.onEngineExit);
        this.lastProblem = `the process ${why}`;
        if (running.ready) {
          this.opts.log?.(
            `${this.what()} ${why}; it is started again at the next call (see ${this.logFile})`,
          );
        }
      }
    };
    child.on('error', (err) => onGone(`could not be started: ${err.message}`));
    child.on('exit', (code, signal) =>
      onGone(signal ? `was killed by signal ${signal}` : `exited with code ${String(code)}`),
    );
    return running;
  }

  private async waitHealthy(running: Running): Promise<void> {
    const end = Date.now() + this.entry.startupTimeoutMs;
    const interval = this.opts.healthIntervalMs ?? 150;
    let last = 'no answer yet';
    for (;;) {
      if (this.closed) throw new UnavailableError(`${this.what()} is stopped`);
      if (running.exit !== undefined) {
        const tail = this.logTail(running);
        throw new UnavailableError(
          `${this.what()} ${running.exit} before it was ready${tail ? `; its last output: ${tail}` : ''}; log ${this.logFile}`,
        );
      }
      const left = end - Date.now();
      if (left <= 0) {
        throw new UnavailableError(
          `${this.what()} did not report SERVING for ${SUGGESTION_HEALTH_SERVICE} on ${running.address} within ` +
            `${this.entry.startupTimeoutMs / 1000} s (last answer: ${last}); log ${this.logFile}`,
        );
      }
      try {
        const status = await running.client.checkHealth(
          SUGGESTION_HEALTH_SERVICE,
          Math.max(50, Math.min(1000, left)),
        );
        if (status === undefined || status === 'SERVING') {
          if (running.exit === undefined) return;
        } else last = `health status ${status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await Promise.race([running.exited, sleep(Math.min(interval, Math.max(0, end - Date.now())))]);
    }
  }

  private logTail(running: Running): string {
    try {
      const text = readFileSync(this.logFile, 'utf8').slice(running.logOffset);
      return text
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('--- '))
        .slice(-3)
        .join(' | ')
        .slice(-500);
    } catch {
      return '';
    }
  }

  private killGroup(signal: NodeJS.Signals): void {
    const cur = this.current;
    if (!cur || cur.exit !== undefined || cur.pid <= 0) return;
    try {
      process.kill(-cur.pid, signal);
    } catch {
      try {
        cur.child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}

/** A port nobody listens on right now at `host` (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `p`, or the signal's reason as soon as it aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error('aborted');
}
