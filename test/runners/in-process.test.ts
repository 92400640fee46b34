import { afterEach, describe, expect, it } from 'vitest';
import { describeRunnerConformance } from '../conformance/runner.conformance.js';
import type { Trial } from '../../src/api/trial.js';
import {
  InProcessRunner,
  compileInProcessRunnerOptions,
  paramsFromAssignments,
  type InProcessRunnerOptions,
  type Objective,
  type RunnerEvent,
  type TrialRun,
} from '../../src/runners/index.js';
import { EventLog, makeTrial, uniqueTrialName } from './fixtures.js';

const runners: InProcessRunner[] = [];
const notices: string[] = [];

function newRunner(objective: Objective, options: InProcessRunnerOptions = {}): InProcessRunner {
  const runner = new InProcessRunner(objective, { graceMs: 1000, log: (m) => notices.push(m), ...options });
  runners.push(runner);
  return runner;
}

function run(params: Record<string, string> = {}, opts: { objectiveMetricName?: string } = {}): TrialRun {
  return { trial: makeTrial(uniqueTrialName(), { params, ...opts }), workDir: '/nonexistent' };
}

function observations(
  events: readonly RunnerEvent[],
): { metricName: string; value: string; step: number | undefined }[] {
  return events.flatMap((e) =>
    e.type === 'observations'
      ? e.logs.map(({ metricName, value, step }) => ({ metricName, value, step }))
      : [],
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close({ force: true })));
  notices.length = 0;
});

describeRunnerConformance(
  'InProcessRunner',
  () =>
    new InProcessRunner(
      async ({ mode }, { signal }) => {
        if (mode === 'short') {
          await sleep(20);
          return 0.5;
        }
        signal.throwIfAborted();
        await new Promise((_, reject) => {
          const timer = setTimeout(() => reject(new Error('not stopped')), 60_000);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason as Error);
          });
        });
        return undefined;
      },
      { log: () => undefined },
    ),
  (name, behaviour) => ({ trial: makeTrial(name, { params: { mode: behaviour } }), workDir: '/nonexistent' }),
);

describe('InProcessRunner', () => {
  it('reports a returned number as the objective metric named by the trial', async () => {
    const runner = newRunner(() => 0.25);
    const log = new EventLog(runner);
    const r = run({}, { objectiveMetricName: 'val-loss' });
    await runner.start(r);
    const exited = await log.exited(r.trial.metadata.name);
    expect(exited).toMatchObject({ exitCode: 0, signal: null });
    expect(observations(log.events)).toEqual([{ metricName: 'val-loss', value: '0.25', step: 1 }]);
    expect(log.of(r.trial.metadata.name).map((e) => e.type)).toEqual(['started', 'observations', 'exited']);
  });

  it('uses objectiveMetricName from its options over the trial’s', async () => {
    const runner = newRunner(async () => Promise.resolve(3), { objectiveMetricName: 'score' });
    const log = new EventLog(runner);
    const r = run();
    await runner.start(r);
    await log.exited(r.trial.metadata.name);
    expect(observations(log.events)).toEqual([{ metricName: 'score', value: '3', step: 1 }]);
  });

  it('reports a returned object of metrics, and nothing for undefined', async () => {
    const runner = newRunner(({ kind }) => (kind === 'object' ? { loss: 0.1, accuracy: 0.9 } : undefined));
    const log = new EventLog(runner);
    const a = run({ kind: 'object' });
    const b = run({ kind: 'none' });
    await runner.start(a);
    await runner.start(b);
    await log.exited(a.trial.metadata.name);
    expect((await log.exited(b.trial.metadata.name)).exitCode).toBe(0);
    expect(observations(log.of(a.trial.metadata.name))).toEqual([
      { metricName: 'loss', value: '0.1', step: 1 },
      { metricName: 'accuracy', value: '0.9', step: 1 },
    ]);
    expect(observations(log.of(b.trial.metadata.name))).toEqual([]);
  });

  it('accepts step as the second argument or as a step key, and counts reports otherwise', async () => {
    const runner = newRunner((_, { report }) => {
      report({ loss: 0.5 }, 10);
      report({ loss: 0.4, step: 20 });
      report({ loss: 0.3, step: 99 }, 30); // the argument wins
      report({ loss: 0.2, accuracy: 0.8 });
    });
    const log = new EventLog(runner);
    const r = run();
    await runner.start(r);
    await log.exited(r.trial.metadata.name);
    expect(observations(log.events)).toEqual([
      { metricName: 'loss', value: '0.5', step: 10 },
      { metricName: 'loss', value: '0.4', step: 20 },
      { metricName: 'loss', value: '0.3', step: 30 },
      { metricName: 'loss', value: '0.2', step: 4 },
      { metricName: 'accuracy', value: '0.8', step: 1 },
    ]);
    for (const e of log.events) {
      if (e.type !== 'observations') continue;
      for (const l of e.logs) expect(new Date(l.timeStamp).toISOString()).toBe(l.timeStamp);
    }
  });

  it('skips non-finite values with a notice', async () => {
    const runner = newRunner((_, { report }) => {
      report({ loss: Number.NaN, accuracy: 0.5, other: Number.POSITIVE_INFINITY });
      report({ bad: 'x' as unknown as number });
      return Number.NaN;
    });
    const log = new EventLog(runner);
    const r = run();
    await runner.start(r);
    expect((await log.exited(r.trial.metadata.name)).exitCode).toBe(0);
    expect(observations(log.events)).toEqual([{ metricName: 'accuracy', value: '0.5', step: 1 }]);
    expect(notices.filter((n) => /not a finite number; skipped/.test(n))).toHaveLength(4);
  });

  it('fails the trial with exit code 1 when the function throws, sync or async', async () => {
    const runner = newRunner(({ how }) => {
      if (how === 'sync') throw new Error('diverged');
      return Promise.reject(new Error('out of memory'));
    });
    const log = new EventLog(runner);
    const sync = run({ how: 'sync' });
    const async_ = run({ how: 'async' });
    await expect(runner.start(sync)).resolves.toBeUndefined();
    await runner.start(async_);
    expect(await log.exited(sync.trial.metadata.name)).toMatchObject({ exitCode: 1, error: 'diverged' });
    expect(await log.exited(async_.trial.metadata.name)).toMatchObject({
      exitCode: 1,
      error: 'out of memory',
    });
  });

  it('passes parameters parsed as numbers where numeric', async () => {
    let seen: unknown;
    const runner = newRunner((params) => {
      seen = params;
    });
    const log = new EventLog(runner);
    const r = run({ lr: '0.01', layers: '3', tiny: '1e-5', activation: 'relu', blank: '', spaced: ' ' });
    await runner.start(r);
    await log.exited(r.trial.metadata.name);
    expect(seen).toEqual({ lr: 0.01, layers: 3, tiny: 1e-5, activation: 'relu', blank: '', spaced: ' ' });
  });

  it('uses a given toParams, and fails the start cleanly when it throws', async () => {
    let seen: unknown;
    const toParams = (trial: Trial): Record<string, string> => {
      if (trial.spec.parameterAssignments.length === 0) throw new Error('no assignments');
      return { custom: trial.metadata.name };
    };
    const runner = newRunner((p) => void (seen = p), { toParams });
    const log = new EventLog(runner);
    const good = run({ a: '1' });
    await runner.start(good);
    await log.exited(good.trial.metadata.name);
    expect(seen).toEqual({ custom: good.trial.metadata.name });
    const bad = run();
    await runner.start(bad);
    expect(log.of(bad.trial.metadata.name).map((e) => e.type)).toEqual(['exited']);
    expect((await log.exited(bad.trial.metadata.name)).error).toMatch(/no assignments/);
  });

  it('aborts the signal on stop and resolves when the function settles', async () => {
    let aborted = false;
    const runner = newRunner(async (_, { report, signal, trialName }) => {
      report({ loss: 1 });
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          setTimeout(resolve, 50);
        }),
      );
      expect(trialName).toMatch(/^trial-/);
      return 0.9; // reported: it arrived before the trial exited
    });
    const log = new EventLog(runner);
    const r = run();
    const name = r.trial.metadata.name;
    await runner.start(r);
    await log.waitFor((e) => e.type === 'observations');
    await runner.stop(name, 'EarlyStopped');
    expect(aborted).toBe(true);
    expect(await log.exited(name)).toMatchObject({ stopReason: 'EarlyStopped', exitCode: 0 });
    expect(observations(log.events).map((o) => o.value)).toEqual(['1', '0.9']);
  });

  it('gives up on a function that ignores its signal after graceMs, and drops its later reports', async () => {
    let report: ((m: Record<string, number>) => void) | undefined;
    let finish: (() => void) | undefined;
    const runner = newRunner(
      (_, ctx) =>
        new Promise<void>((resolve) => {
          report = ctx.report;
          finish = resolve;
        }),
      { graceMs: 100 },
    );
    const log = new EventLog(runner);
    const r = run();
    const name = r.trial.metadata.name;
    await runner.start(r);
    await sleep(10);
    const t0 = Date.now();
    await runner.stop(name, 'Killed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(await log.exited(name)).toMatchObject({ stopReason: 'Killed', exitCode: null });
    expect(notices.some((n) => /did not return within 100 ms/.test(n))).toBe(true);
    report!({ loss: 0.1 });
    finish!();
    await sleep(20);
    expect(log.of(name).map((e) => e.type)).toEqual(['started', 'exited']);
  });

  it('does not call a function whose trial was stopped before it began', async () => {
    let called = false;
    const runner = newRunner(() => {
      called = true;
    });
    const log = new EventLog(runner);
    const r = run();
    const started = runner.start(r);
    const stopped = runner.stop(r.trial.metadata.name, 'Deleted');
    await started;
    await stopped;
    expect(called).toBe(false);
    expect(await log.exited(r.trial.metadata.name)).toMatchObject({ exitCode: null, stopReason: 'Deleted' });
  });

  it('validates its options', () => {
    expect(compileInProcessRunnerOptions()).toMatchObject({ graceMs: 5000, toParams: paramsFromAssignments });
    expect(() => compileInProcessRunnerOptions({ graceMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
