/**
 * End-to-end: interrupt and resume. kill -9 of the engine loses no completed trial and re-runs the
 * trials that were running under the same names; Ctrl-C stops trials cleanly; LongRunning
 * experiments continue when maxTrialCount is raised.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trialPhase } from '../../src/api/index.js';
import { openStore } from '../../src/store/index.js';
import { katib, startKatib, tempProject, testExperiment, waitFor, writeExperiment } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests mutate plain experiment objects freely
type Mutable = any;

async function snapshot(dir: string, name: string) {
  const store = await openStore(path.join(dir, '.katib', 'katib.db'));
  try {
    const trials = await store.read.listTrials(name);
    const logs: Record<string, string[]> = {};
    for (const t of trials)
      logs[t.trial.metadata.name] = (await store.read.getObservationLog(t.trial.metadata.name)).map(
        (l) => `${l.metricName}=${l.value}@${l.step}`,
      );
    return { trials, logs, experiment: (await store.read.getExperiment(name))?.experiment };
  } finally {
    await store.close();
  }
}

/** True while `pid` is a live process; a zombie (exited, not yet reaped by PID 1 here) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('interrupt and resume', () => {
  it('kill -9 of the engine loses no completed trial; a second run re-runs the running ones under the same names', async () => {
    const dir = tempProject();
    const events = path.join(dir, 'events.log');
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'crashy',
        maxTrialCount: 6,
        parallelTrialCount: 2,
        extraArgs: ['--sleep=1500', `--events=${events}`],
      }),
    );
    const first = startKatib(['run', file], dir);
    // Wait until two trials completed and two more are running.
    const before = await waitFor(async () => {
      const s = await snapshot(dir, 'crashy').catch(() => undefined);
      if (!s) return undefined;
      const phases = s.trials.map((t) => trialPhase(t.trial.status));
      const done = phases.filter((p) => p === 'Succeeded').length;
      const running = s.trials.filter((t) => trialPhase(t.trial.status) === 'Running' && t.runtime?.pgid);
      return done >= 2 && running.length === 2 ? s : undefined;
    }, 60_000);
    first.kill('SIGKILL');
    await first.result;
    const completedBefore = before.trials.filter((t) => trialPhase(t.trial.status) === 'Succeeded');
    const runningBefore = before.trials.filter((t) => trialPhase(t.trial.status) === 'Running');
    // The orphaned trial processes survive the engine (they write straight to their files)…
    const orphanPids = runningBefore.map((t) => t.runtime!.pgid!);

    const second = await katib(['run', file], dir);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/resuming/);
    // …and the resumed engine stopped them before re-running the trials.
    for (const pid of orphanPids) expect(alive(pid)).toBe(false);

    const after = await snapshot(dir, 'crashy');
    expect(after.trials).toHaveLength(6);
    expect(after.trials.every((t) => trialPhase(t.trial.status) === 'Succeeded')).toBe(true);
    // Completed trials are untouched: same names, same logs, run once.
    for (const t of completedBefore) {
      const name = t.trial.metadata.name;
      const now = after.trials.find((x) => x.trial.metadata.name === name)!;
      expect(now.runtime?.attempt).toBe(1);
      expect(after.logs[name]).toEqual(await Promise.resolve(before.logs[name]));
      expect(now.trial.spec.parameterAssignments).toEqual(t.trial.spec.parameterAssignments);
    }
    // Running trials were re-run under the same names, with fresh logs (no duplicates).
    for (const t of runningBefore) {
      const now = after.trials.find((x) => x.trial.metadata.name === t.trial.metadata.name)!;
      expect(now.runtime?.attempt).toBe(2);
      expect(after.logs[t.trial.metadata.name]!.filter((l) => l.startsWith('loss=')).length).toBe(3);
    }
    // No assignment ran as two different trials.
    const assignments = after.trials.map((t) => JSON.stringify(t.trial.spec.parameterAssignments));
    expect(new Set(assignments).size).toBe(6);
    const started = readFileSync(events, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('start '));
    const names = new Set(started.map((l) => l.split(' ')[1]));
    expect(names.size).toBe(6);
  });

  it('a TPE experiment killed mid-way resumes by replaying its trials in the order it learned them', async () => {
    const dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'tpe-crash',
        algorithm: 'tpe',
        settings: { random_state: '3', n_startup_trials: '2' },
        maxTrialCount: 8,
        parallelTrialCount: 2,
        extraArgs: ['--sleep=800'],
      }),
    );
    const first = startKatib(['run', file], dir);
    const before = await waitFor(async () => {
      const s = await snapshot(dir, 'tpe-crash').catch(() => undefined);
      if (!s) return undefined;
      const done = s.trials.filter((t) => trialPhase(t.trial.status) === 'Succeeded').length;
      return done >= 4 ? s : undefined;
    }, 60_000);
    first.kill('SIGKILL');
    await first.result;

    const second = await katib(['run', file], dir);
    expect(second.code).toBe(0);
    const after = await snapshot(dir, 'tpe-crash');
    expect(after.trials).toHaveLength(8);
    expect(after.trials.every((t) => trialPhase(t.trial.status) === 'Succeeded')).toBe(true);
    expect(new Set(after.trials.map((t) => JSON.stringify(t.trial.spec.parameterAssignments))).size).toBe(8);
    for (const t of before.trials.filter((x) => trialPhase(x.trial.status) === 'Succeeded')) {
      const now = after.trials.find((x) => x.trial.metadata.name === t.trial.metadata.name)!;
      expect(now.trial.spec.parameterAssignments).toEqual(t.trial.spec.parameterAssignments);
    }
    // The saved state lists the trials in the order the designer learned them, with no copy of
    // their observations.
    const store = await openStore(path.join(dir, '.katib', 'katib.db'));
    try {
      const policy = (await store.read.getAlgorithmState('tpe-crash'))?.designer as {
        seen: string[];
        designer?: unknown;
      };
      expect(policy.designer).toBeUndefined();
      expect(new Set(policy.seen).size).toBe(policy.seen.length);
      expect(policy.seen.length).toBeGreaterThanOrEqual(6);
      const names = new Set(after.trials.map((t) => t.trial.metadata.name));
      for (const n of policy.seen) expect(names.has(n)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('Ctrl-C stops running trials cleanly and the next run finishes the experiment', async () => {
    const dir = tempProject();
    const events = path.join(dir, 'events.log');
    const file = writeExperiment(
      dir,
      testExperiment({
        name: 'ctrlc',
        maxTrialCount: 4,
        parallelTrialCount: 2,
        extraArgs: ['--sleep=3000', `--events=${events}`],
      }),
    );
    const first = startKatib(['run', file], dir);
    const s = await waitFor(async () => {
      const snap = await snapshot(dir, 'ctrlc').catch(() => undefined);
      // Both trials are running and their processes got as far as writing their start line.
      const startedLines = existsSync(events)
        ? readFileSync(events, 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('start '))
        : [];
      return snap &&
        snap.trials.filter((t) => trialPhase(t.trial.status) === 'Running').length === 2 &&
        startedLines.length === 2
        ? snap
        : undefined;
    }, 60_000);
    first.kill('SIGINT');
    const r = await first.result;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/run `katib run .*` again to resume/);
    // The trials got SIGTERM and are no longer running.
    expect(readFileSync(events, 'utf8')).toMatch(/^term /m);
    for (const t of s.trials) expect(alive(t.runtime!.pgid!)).toBe(false);
    const mid = await snapshot(dir, 'ctrlc');
    for (const t of mid.trials) {
      expect(trialPhase(t.trial.status)).toBe('Pending');
      expect(t.trial.status.conditions.find((c) => c.type === 'Running')?.reason).toBe('TrialInterrupted');
    }
    const second = await katib(['run', file], dir);
    expect(second.code).toBe(0);
    const after = await snapshot(dir, 'ctrlc');
    expect(after.trials).toHaveLength(4);
    expect(after.trials.every((t) => trialPhase(t.trial.status) === 'Succeeded')).toBe(true);
  });

  it('continues a LongRunning experiment when maxTrialCount is raised, and refuses other spec changes', async () => {
    const dir = tempProject();
    const e = testExperiment({
      name: 'longrun',
      maxTrialCount: 2,
      parallelTrialCount: 2,
      resumePolicy: 'LongRunning',
    }) as Mutable;
    const file = writeExperiment(dir, e);
    expect((await katib(['run', file], dir)).code).toBe(0);
    // Same file again: already completed, nothing new runs.
    const again = await katib(['run', file], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already completed/);
    expect((await snapshot(dir, 'longrun')).trials).toHaveLength(2);
    // A forbidden change is refused with its path.
    e.spec.parameters[0].feasibleSpace.max = '10';
    writeExperiment(dir, e);
    const refused = await katib(['run', file], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/spec\.parameters: .*only spec\.parallelTrialCount/);
    // Raising maxTrialCount continues it.
    e.spec.parameters[0].feasibleSpace.max = '4';
    e.spec.maxTrialCount = 4;
    writeExperiment(dir, e);
    const more = await katib(['run', file], dir);
    expect(more.code).toBe(0);
    const after = await snapshot(dir, 'longrun');
    expect(after.trials).toHaveLength(4);
    expect(after.experiment?.status?.conditions.find((c) => c.type === 'Succeeded')?.reason).toBe(
      'ExperimentMaxTrialsReached',
    );
  });

  it('does not restart a Never-policy experiment that completed', async () => {
    const dir = tempProject();
    const e = testExperiment({ name: 'never', maxTrialCount: 1, parallelTrialCount: 1 }) as Mutable;
    const file = writeExperiment(dir, e);
    expect((await katib(['run', file], dir)).code).toBe(0);
    e.spec.maxTrialCount = 3;
    writeExperiment(dir, e);
    const r = await katib(['run', file], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/spec\.resumePolicy: Experiment can be restarted/);
  });
});
