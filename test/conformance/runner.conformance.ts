/**
 * The TrialRunner contract (src/runners/trial-runner.ts) as a suite: call
 * `describeRunnerConformance` once per implementation, from that implementation's test file.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  RunnerClosedError,
  type RunnerEvent,
  type TrialRun,
  type TrialRunner,
} from '../../src/runners/index.js';

/** How the workload of a conformance run behaves. */
export type ConformanceBehaviour =
  /** Finishes on its own within a second or two, successfully (exit code 0). */
  | 'short'
  /** Runs for at least a minute unless stopped, and stops promptly when asked. */
  | 'long';

type Exited = Extract<RunnerEvent, { type: 'exited' }>;

/**
 * Checks that `makeRunner()`'s runners keep the TrialRunner contract: idempotent start and stop,
 * exactly one `exited` per started trial, events in order, memoised close that drains or forces.
 * `makeRun(name, behaviour)` builds a run of a trial named `name` (its directories are the
 * caller's to clean up).
 */
export function describeRunnerConformance(
  name: string,
  makeRunner: () => TrialRunner,
  makeRun: (trialName: string, behaviour: ConformanceBehaviour) => TrialRun | Promise<TrialRun>,
): void {
  describe(`TrialRunner conformance: ${name}`, () => {
    const runners: TrialRunner[] = [];
    const fresh = (): { runner: TrialRunner; events: RunnerEvent[] } => {
      const runner = makeRunner();
      runners.push(runner);
      const events: RunnerEvent[] = [];
      runner.onEvent((e) => events.push(e));
      return { runner, events };
    };
    const trialName = (): string => `conf-${randomUUID().slice(0, 8)}`;
    const exitedOf = (events: readonly RunnerEvent[], trial: string): Exited[] =>
      events.filter((e): e is Exited => e.type === 'exited' && e.trialName === trial);
    const waitExited = async (events: readonly RunnerEvent[], trial: string): Promise<Exited> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const [e] = exitedOf(events, trial);
        if (e !== undefined) return e;
        if (Date.now() > deadline) throw new Error(`no exited event for ${trial}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const settle = (ms = 300): Promise<void> => new Promise((r) => setTimeout(r, ms));

    afterEach(async () => {
      await Promise.all(runners.splice(0).map((r) => r.close({ force: true })));
    });

    it('is running when new', () => {
      expect(fresh().runner.getState()).toBe('running');
    });

    it('emits started, then exactly one exited, for a trial that finishes', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'short'));
      const exited = await waitExited(events, trial);
      expect(exited.exitCode).toBe(0);
      expect(exited.error).toBeUndefined();
      expect(exited.stopReason).toBeUndefined();
      await settle();
      const mine = events.filter((e) => e.trialName === trial);
      expect(mine[0]?.type).toBe('started');
      expect(mine.at(-1)?.type).toBe('exited');
      expect(mine.filter((e) => e.type === 'started')).toHaveLength(1);
      expect(exitedOf(events, trial)).toHaveLength(1);
      expect(runner.active()).not.toContain(trial);
    });

    it('starts a trial once however often start is called', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      const run = await makeRun(trial, 'short');
      await Promise.all([runner.start(run), runner.start(run)]);
      await waitExited(events, trial);
      await runner.start(run); // after it finished: still a no-op
      await settle();
      expect(events.filter((e) => e.trialName === trial && e.type === 'started')).toHaveLength(1);
      expect(exitedOf(events, trial)).toHaveLength(1);
    });

    it('lists a running trial as active until it is stopped', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'long'));
      expect(runner.active()).toContain(trial);
      await runner.stop(trial, 'Killed');
      expect(exitedOf(events, trial)).toHaveLength(1);
      expect(runner.active()).not.toContain(trial);
    });

    it('stops idempotently, with one exited event carrying the first reason', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'long'));
      await Promise.all([runner.stop(trial, 'EarlyStopped'), runner.stop(trial, 'Deleted')]);
      await runner.stop(trial, 'Killed');
      await settle();
      const exited = exitedOf(events, trial);
      expect(exited).toHaveLength(1);
      expect(exited[0]?.stopReason).toBe('EarlyStopped');
    });

    it('stops a trial whose start is still in flight', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      const started = runner.start(await makeRun(trial, 'long'));
      await runner.stop(trial, 'Deleted');
      await started;
      await settle();
      const exited = exitedOf(events, trial);
      expect(exited).toHaveLength(1);
      expect(exited[0]?.stopReason).toBe('Deleted');
    });

    it('treats stop of a trial it never started as a no-op', async () => {
      const { runner, events } = fresh();
      await runner.stop(trialName(), 'Killed');
      expect(events).toEqual([]);
      expect(runner.getState()).toBe('running');
    });

    it('stops delivering events to an unsubscribed listener', async () => {
      const { runner, events } = fresh();
      const late: RunnerEvent[] = [];
      const off = runner.onEvent((e) => late.push(e));
      off();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'short'));
      await waitExited(events, trial);
      expect(late).toEqual([]);
    });

    it('keeps delivering to other listeners when one throws', async () => {
      const { runner, events } = fresh();
      runner.onEvent(() => {
        throw new Error('listener bug');
      });
      const trial = trialName();
      await runner.start(await makeRun(trial, 'short'));
      expect((await waitExited(events, trial)).exitCode).toBe(0);
    });

    it('drains on close: running trials finish, new starts are refused', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'short'));
      const closing = runner.close();
      expect(runner.getState()).toBe('draining');
      await expect(runner.start(await makeRun(trialName(), 'short'))).rejects.toBeInstanceOf(
        RunnerClosedError,
      );
      await closing;
      expect(runner.getState()).toBe('closed');
      const exited = exitedOf(events, trial);
      expect(exited).toHaveLength(1);
      expect(exited[0]?.exitCode).toBe(0);
      expect(exited[0]?.stopReason).toBeUndefined();
    });

    it('memoises close, and force stops running trials as Interrupted', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'long'));
      const first = runner.close({ force: true });
      const second = runner.close();
      expect(second).toBe(first);
      await first;
      expect(runner.close({ force: true })).toBe(first);
      expect(runner.getState()).toBe('closed');
      const exited = exitedOf(events, trial);
      expect(exited).toHaveLength(1);
      expect(exited[0]?.stopReason).toBe('Interrupted');
      expect(runner.active()).toEqual([]);
      await expect(runner.start(await makeRun(trialName(), 'short'))).rejects.toBeInstanceOf(
        RunnerClosedError,
      );
    });

    it('lets a forced close overtake a drain in progress', async () => {
      const { runner, events } = fresh();
      const trial = trialName();
      await runner.start(await makeRun(trial, 'long'));
      const draining = runner.close();
      expect(runner.close({ force: true })).toBe(draining);
      await draining;
      expect(exitedOf(events, trial)[0]?.stopReason).toBe('Interrupted');
    });
  });
}
