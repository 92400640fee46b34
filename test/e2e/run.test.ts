/**
 * End-to-end: the real `katib` binary runs Katib Experiment files with real processes and the real
 * SQLite file in a temp project folder.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { trialPhase } from '../../src/api/index.js';
import { katib, tempProject, testExperiment, writeExperiment } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests mutate plain experiment objects freely
type Mutable = any;

async function readState(dir: string, name: string) {
  const store = await openStore(path.join(dir, '.katib', 'katib.db'));
  try {
    const e = await store.read.getExperiment(name);
    const trials = await store.read.listTrials(name);
    const logs = new Map<string, Awaited<ReturnType<typeof store.read.getObservationLog>>>();
    for (const t of trials)
      logs.set(t.trial.metadata.name, await store.read.getObservationLog(t.trial.metadata.name));
    return { experiment: e?.experiment, trials, logs };
  } finally {
    await store.close();
  }
}

describe('katib run', () => {
  it('runs a random-search experiment to maxTrialCount with at most parallelTrialCount trials at once', async () => {
    const dir = tempProject();
    const events = path.join(dir, 'events.log');
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'quad',
        maxTrialCount: 6,
        parallelTrialCount: 2,
        extraArgs: ['--sleep=300', `--events=${events}`],
      }),
    );
    const r = await katib(['run', file], dir);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Experiment quad Succeeded \(ExperimentMaxTrialsReached/);
    expect(r.stdout).toMatch(/Best trial: quad-[bcdfghjklmnpqrstvwxz2456789]{8}/);
    expect(r.stdout).toMatch(/x = -?\d/);

    const { experiment, trials, logs } = await readState(dir, 'quad');
    expect(trials).toHaveLength(6);
    expect(trials.every((t) => trialPhase(t.trial.status) === 'Succeeded')).toBe(true);
    expect(experiment?.status?.trialsSucceeded).toBe(6);
    // The optimal trial is the one with the smallest minimum loss.
    const minLoss = (n: string) =>
      Math.min(
        ...logs
          .get(n)!
          .filter((l) => l.metricName === 'loss')
          .map((l) => Number(l.value)),
      );
    const best = [...trials].sort(
      (a, b) => minLoss(a.trial.metadata.name) - minLoss(b.trial.metadata.name),
    )[0]!;
    expect(experiment?.status?.currentOptimalTrial?.bestTrialName).toBe(best.trial.metadata.name);
    // Each trial logged 3 epochs of loss with steps 1..3.
    for (const t of trials) {
      const l = logs.get(t.trial.metadata.name)!.filter((x) => x.metricName === 'loss');
      expect(l.map((x) => x.step)).toEqual([1, 2, 3]);
    }
    // Concurrency never exceeded parallelTrialCount.
    let running = 0;
    let peak = 0;
    const lines = readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    lines.sort((a, b) => Number(a[2]) - Number(b[2]) || (a[0] === 'end' ? -1 : 1));
    for (const [kind] of lines) {
      running += kind === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
    // stdout kept per trial.
    const first = trials[0]!;
    expect(readFileSync(path.join(first.runtime!.workDir!, 'stdout.log'), 'utf8')).toMatch(/loss=/);
  });

  it('refuses an invalid file with every error and its field path, and validate exits non-zero', async () => {
    const dir = tempProject();
    const bad = testExperiment({ name: 'Bad_Name', maxTrialCount: 0 }) as Mutable;
    bad.spec.parameters[0].feasibleSpace = { min: '5', max: '1' };
    bad.spec.objective.type = 'maximise';
    const file = writeExperiment(dir, bad);
    for (const cmd of ['validate', 'run']) {
      const r = await katib([cmd, file], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/metadata\.name/);
      expect(r.stderr).toMatch(/spec\.objective\.type: .*minimize or maximize/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(existsSync(path.join(dir, '.katib', 'trials'))).toBe(false);
  });

  it('marks a trial that never prints its objective MetricsUnavailable and fails the experiment at maxFailedTrialCount', async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'silent',
        maxTrialCount: 5,
        parallelTrialCount: 1,
        maxFailedTrialCount: 2,
        extraArgs: ['--silent'],
      }),
    );
    const r = await katib(['run', file], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Failed \(ExperimentFailed/);
    const { trials, experiment } = await readState(dir, 'silent');
    expect(trials).toHaveLength(2);
    expect(trials.map((t) => trialPhase(t.trial.status))).toEqual([
      'MetricsUnavailable',
      'MetricsUnavailable',
    ]);
    expect(experiment?.status?.trialMetricsUnavailable).toBe(2);
    expect(trials[0]!.trial.status.observation?.metrics.find((m) => m.name === 'loss')?.latest).toBe(
      'unavailable',
    );
  });

  it('ends with ExperimentGoalReached when the goal is met', async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'goal',
        maxTrialCount: 30,
        parallelTrialCount: 1,
        goal: 100, // every trial's loss is below 100
      }),
    );
    const r = await katib(['run', file], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ExperimentGoalReached/);
    const { trials } = await readState(dir, 'goal');
    expect(trials).toHaveLength(1);
  });

  it('ends a grid search that exhausts its space with ExperimentSuggestionEndReached', async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'grid',
        algorithm: 'grid',
        settings: {},
        parallelTrialCount: 3,
        parameters: [
          { name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1', step: '0.5' } },
          { name: 'y', parameterType: 'int', feasibleSpace: { min: '1', max: '2' } },
        ],
      }),
    );
    const r = await katib(['run', file], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ExperimentSuggestionEndReached/);
    const { trials } = await readState(dir, 'grid');
    expect(trials).toHaveLength(6);
    const points = trials.map((t) => t.trial.spec.parameterAssignments.map((a) => a.value).join(',')).sort();
    expect(points).toEqual(['0,1', '0,2', '0.5,1', '0.5,2', '1,1', '1,2']);
  });

  it('fails a trial whose process exits non-zero, with the exit code in its condition', async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'crash',
        maxTrialCount: 2,
        parallelTrialCount: 1,
        maxFailedTrialCount: 1,
        extraArgs: ['--exit=3'],
      }),
    );
    const r = await katib(['run', file], dir);
    expect(r.code).toBe(1);
    const { trials } = await readState(dir, 'crash');
    expect(trialPhase(trials[0]!.trial.status)).toBe('Failed');
    const failed = trials[0]!.trial.status.conditions.find((c) => c.type === 'Failed');
    expect(failed?.message).toMatch(/exited with code 3/);
  });

  it('passes parameter values as argv elements, never through a shell', async () => {
    const dir = tempProject();
    const argvOut = path.join(dir, 'argv.json');
    const e = testExperiment({
      name: 'noshell',
      maxTrialCount: 1,
      parallelTrialCount: 1,
      parameters: [
        {
          name: 'x',
          parameterType: 'categorical',
          feasibleSpace: { list: ['$(touch pwned); echo hi', '`id`'] },
        },
        { name: 'y', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } },
      ],
      extraArgs: [`--argv-out=${argvOut}`],
    });
    const file = writeExperiment(dir, e);
    const r = await katib(['run', file], dir);
    expect(r.code).toBe(0);
    const argv = JSON.parse(readFileSync(argvOut, 'utf8')) as string[];
    expect(['--x=$(touch pwned); echo hi', '--x=`id`']).toContain(argv[0]);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });
});
