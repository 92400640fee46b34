/**
 * hyperband end to end through `katib run`, with the engine killed mid-bracket: the resumed run
 * continues the same bracket (its state is derived from the trials), promoted trials get eta times
 * the epochs of their parent with the same other parameters, and the experiment ends by itself
 * after the last bracket (ExperimentSuggestionEndReached) with the paper's 22 trials for r_l=9, eta=3.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trialPhase } from '../../src/api/index.js';
import { openStore } from '../../src/store/index.js';
import { ROOT, katib, startKatib, tempProject, waitFor } from './helpers.js';

const RUNG = 'hyperband.katib-ts/rung';
const BRACKET = 'hyperband.katib-ts/bracket';
const PARENT = 'hyperband.katib-ts/parent';

describe('hyperband in katib run', () => {
  it('survives a kill mid-bracket and promotes the best with more epochs', async () => {
    const dir = tempProject();
    // The example, with slower epochs so that the kill lands inside the first bracket.
    const file = path.join(dir, 'hyperband.yaml');
    const yaml = readFileSync(path.join(ROOT, 'examples', 'hyperband.yaml'), 'utf8')
      .replace('--sleep-ms=20', '--sleep-ms=250')
      .replace('workingDir: .', `workingDir: ${path.join(ROOT, 'examples')}`);
    writeFileSync(file, yaml);
    const first = startKatib(['run', file], dir);
    await waitFor(async () => {
      const store = await openStore(path.join(dir, '.katib', 'katib.db')).catch(() => undefined);
      if (!store) return undefined;
      try {
        const trials = await store.read.listTrials('learning-curve-hyperband');
        return trials.some((t) => t.trial.metadata.labels?.[RUNG] === '1') ? true : undefined;
      } finally {
        await store.close();
      }
    }, 60_000);
    first.kill('SIGKILL');
    await first.result;

    const second = await katib(['run', file], dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/ExperimentSuggestionEndReached/);
    const store = await openStore(path.join(dir, '.katib', 'katib.db'));
    try {
      const trials = (await store.read.listTrials('learning-curve-hyperband')).map((t) => t.trial);
      expect(trials).toHaveLength(22);
      expect(trials.every((t) => trialPhase(t.status) === 'Succeeded')).toBe(true);
      const count = (b: string, r: string) =>
        trials.filter((t) => t.metadata.labels?.[BRACKET] === b && t.metadata.labels?.[RUNG] === r).length;
      expect([count('2', '0'), count('2', '1'), count('2', '2')]).toEqual([9, 3, 1]);
      expect([count('1', '0'), count('1', '1')]).toEqual([5, 1]);
      expect(count('0', '0')).toBe(3);
      const value = (t: (typeof trials)[number], name: string) =>
        t.spec.parameterAssignments.find((a) => a.name === name)!.value;
      const loss = (t: (typeof trials)[number]) =>
        Number(t.status.observation!.metrics.find((m) => m.name === 'loss')!.latest);
      for (const child of trials.filter((t) => t.metadata.labels?.[PARENT])) {
        const parent = trials.find((t) => t.metadata.name === child.metadata.labels![PARENT])!;
        expect(Number(value(child, 'epochs'))).toBe(3 * Number(value(parent, 'epochs')));
        expect(value(child, 'lr')).toBe(value(parent, 'lr'));
        expect(value(child, 'dropout')).toBe(value(parent, 'dropout'));
        // The parent was among the best third of its rung.
        const rung = trials.filter(
          (t) =>
            t.metadata.labels?.[BRACKET] === parent.metadata.labels?.[BRACKET] &&
            t.metadata.labels?.[RUNG] === parent.metadata.labels?.[RUNG],
        );
        const better = rung.filter((t) => loss(t) < loss(parent)).length;
        expect(better).toBeLessThan(Math.floor(rung.length / 3));
      }
    } finally {
      await store.close();
    }
  });
});
