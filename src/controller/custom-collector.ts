/**
 * Katib's `Custom` metrics collector in embedded mode: the user's collector container
 * (`metricsCollectorSpec.collector.customCollector`) runs as a local sidecar process next to the
 * trial, as Katib runs it as a sidecar container:
 *
 * - started with the trial, without a shell, in its own process group, with the container's
 *   literal env plus `KATIB_TRIAL_NAME`, the trial's environment (`KATIB_DB_MANAGER_ADDRESS`,
 *   `KATIB_API_URL` …) and the metrics path mapped into the trial directory like the trial's own;
 *   its output goes to `<trialDir>/collector.log`;
 * - its process group id is written to `<trialDir>/collector.pid`, so that an engine restarted
 *   after a crash stops a sidecar the previous one left running (as it stops the trial's group);
 * - it reports the metrics itself (DBManager or REST push, as Katib requires of Custom collectors);
 * - when the trial's process ends, `completed` is written to `<metrics dir>/<pid>.pid` (Katib's
 *   wrapper writes the same marker for collectors that wait on it) and the sidecar gets
 *   `graceMs` to finish before its group is terminated; the trial's end is recorded after that, so
 *   everything the sidecar pushed counts in the trial's observation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerSpec } from '../api/index.js';

/** What starts a sidecar. */
export interface CustomCollectorSpec {
  /** The collector container, with paths already mapped for the local run. */
  readonly container: ContainerSpec;
  readonly trialName: string;
  /** The trial's directory: default working directory and home of `collector.log`. */
  readonly trialDir: string;
  /** Base for a relative `workingDir`. */
  readonly baseDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Directory for the completion marker (the mapped metrics directory), if any. */
  readonly markerDir?: string;
}

/** The file in the trial directory holding the sidecar's process group id. */
const PID_FILE = 'collector.pid';

/** A running custom-collector sidecar. */
export class CustomCollectorProcess {
  private readonly exited: Promise<void>;
  private done = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: CustomCollectorSpec,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.done = true;
        resolve();
      });
      child.once('error', () => {
        this.done = true;
        resolve();
      });
    });
  }

  /**
   * Starts the sidecar. A container without `command` cannot run locally (its image's entrypoint is
   * unknown): that is reported in `collector.log` and nothing is started.
   */
  static start(spec: CustomCollectorSpec): CustomCollectorProcess | undefined {
    const c = spec.container;
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    mkdirSync(spec.trialDir, { recursive: true });
    const log = openSync(path.join(spec.trialDir, 'collector.log'), 'a');
    try {
      const program = argv[0];
      if (program === undefined) {
        writeFileSync(
          log,
          `katib: custom collector ${c.name} has no command; an image's entrypoint cannot run locally\n`,
        );
        return undefined;
      }
      const env: Record<string, string> = {};
      for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      const cwd = c.workingDir ? path.resolve(spec.baseDir, c.workingDir) : spec.trialDir;
      const child = spawn(program, argv.slice(1), {
        shell: false,
        detached: true,
        cwd,
        env: { ...process.env, ...env, ...spec.env, KATIB_TRIAL_NAME: spec.trialName },
        stdio: ['ignore', log, log],
      });
      child.on('error', (err) => {
        try {
          writeFileSync(
            path.join(spec.trialDir, 'collector.log'),
            `katib: cannot run ${program}: ${err.message}\n`,
            {
              flag: 'a',
            },
          );
        } catch {
          // the trial directory went away
        }
      });
      if (child.pid !== undefined) writeFileSync(path.join(spec.trialDir, PID_FILE), `${child.pid}\n`);
      return new CustomCollectorProcess(child, spec);
    } finally {
      closeSync(log);
    }
  }

  /** The process group id a sidecar of the trial in `trialDir` recorded, if any. */
  static async recordedPgid(trialDir: string): Promise<number | undefined> {
    const text = await readFile(path.join(trialDir, PID_FILE), 'utf8').catch(() => undefined);
    const n = text === undefined ? NaN : Number(text.trim());
    return Number.isSafeInteger(n) && n > 1 ? n : undefined;
  }

  /**
   * The trial ended: writes Katib's completion marker, waits up to `graceMs` for the sidecar to
   * exit, then terminates its process group.
   */
  async finish(graceMs: number): Promise<void> {
    if (this.spec.markerDir !== undefined && this.child.pid !== undefined) {
      try {
        mkdirSync(this.spec.markerDir, { recursive: true });
        writeFileSync(path.join(this.spec.markerDir, `${this.child.pid}.pid`), 'completed\n');
      } catch {
        // best effort: a collector that does not wait on the marker still ends by the grace period
      }
    }
    if (!this.done) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.stop();
  }

  /** Terminates the sidecar's process group (SIGTERM) if it still runs. */
  stop(): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
