/** Builders and helpers shared by the runner tests. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Trial } from '../../src/api/trial.js';
import type { RunnerEvent, TrialRunner } from '../../src/runners/index.js';

/** A unique trial name. */
export function uniqueTrialName(prefix = 'trial'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A Trial with the given manifest and assignments. */
export function makeTrial(
  name: string,
  opts: {
    readonly runSpec?: Record<string, unknown>;
    readonly primaryContainerName?: string;
    readonly params?: Readonly<Record<string, string>>;
    readonly objectiveMetricName?: string;
  } = {},
): Trial {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: { name },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: opts.objectiveMetricName ?? 'loss' },
      parameterAssignments: Object.entries(opts.params ?? {}).map(([n, value]) => ({ name: n, value })),
      metricsCollector: { collector: { kind: 'StdOut' } },
      primaryContainerName: opts.primaryContainerName ?? 'training',
      ...(opts.runSpec !== undefined && { runSpec: opts.runSpec }),
    },
    status: { conditions: [] },
  };
}

/** A batch/v1 Job manifest whose one container is `container`. */
export function batchJob(container: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } },
  };
}

/** Temporary directories, removed by `cleanup()`. */
export class TempDirs {
  readonly #dirs: string[] = [];
  /** A new empty directory. */
  async make(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'katib-runner-'));
    this.#dirs.push(dir);
    return dir;
  }
  /** Removes every directory made so far. */
  async cleanup(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

type Exited = Extract<RunnerEvent, { type: 'exited' }>;

/** Records a runner's events from now on. */
export class EventLog {
  readonly events: RunnerEvent[] = [];
  readonly #waiters: {
    readonly test: (e: RunnerEvent) => boolean;
    readonly resolve: (e: RunnerEvent) => void;
  }[] = [];
  readonly off: () => void;

  constructor(runner: TrialRunner) {
    this.off = runner.onEvent((e) => {
      this.events.push(e);
      for (const w of [...this.#waiters]) {
        if (w.test(e)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
  }

  /** Events of one trial. */
  of(trialName: string): RunnerEvent[] {
    return this.events.filter((e) => e.trialName === trialName);
  }

  /** Resolves with the first event (past or future) that passes `test`. */
  waitFor(test: (e: RunnerEvent) => boolean, timeoutMs = 15_000): Promise<RunnerEvent> {
    const seen = this.events.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a runner event')), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** The `exited` event of a trial. */
  async exited(trialName: string, timeoutMs?: number): Promise<Exited> {
    const e = await this.waitFor((x) => x.type === 'exited' && x.trialName === trialName, timeoutMs);
    return e as Exited;
  }

  /** Everything a trial wrote to one stream, as delivered by `output` events. */
  output(trialName: string, stream: 'stdout' | 'stderr'): string {
    return this.of(trialName)
      .map((e) => (e.type === 'output' && e.stream === stream ? e.chunk : ''))
      .join('');
  }
}

/**
 * True when `pid` no longer runs. A zombie counts as gone: on machines whose PID 1 does not
 * reap orphans, a killed grandchild stays a zombie forever.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Waits until `check` is true, polling every 25 ms. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
