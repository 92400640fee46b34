/**
 * pbt end to end with real checkpoints: examples/pbt.yaml trains a small model in 10-step
 * segments; every trial of generation g ≥ 1 must resume from its parent's checkpoint (step 10·g),
 * copied into its own directory before it started, and the population must improve.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, katib, tempProject } from './helpers.js';

const GENERATION = 'pbt.suggestion.katib.kubeflow.org/generation';
const PARENT = 'pbt.suggestion.katib.kubeflow.org/parent';

interface TrialJson {
  metadata: { name: string; labels?: Record<string, string> };
  status: { observation?: { metrics: { name: string; latest: string }[] } };
}

describe('pbt with checkpoints', () => {
  it('resumes every child from its parent checkpoint and improves generation by generation', async () => {
    const dir = tempProject();
    const r = await katib(['run', path.join(ROOT, 'examples', 'pbt.yaml')], dir);
    expect(r.code).toBe(0);
    const trials = JSON.parse((await katib(['get', 'trials', 'pbt-regression', '-o', 'json'], dir)).stdout)
      .items as TrialJson[];
    expect(trials).toHaveLength(30);
    const loss = (t: TrialJson) =>
      Number(t.status.observation!.metrics.find((m) => m.name === 'loss')!.latest);
    const byGeneration = new Map<number, TrialJson[]>();
    for (const t of trials) {
      const g = Number(t.metadata.labels![GENERATION]);
      byGeneration.set(g, [...(byGeneration.get(g) ?? []), t]);
    }
    expect([...byGeneration.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    for (const [g, members] of byGeneration) {
      expect(members).toHaveLength(6);
      for (const t of members) {
        const log = (await katib(['logs', t.metadata.name], dir)).stdout;
        if (g === 0) {
          expect(t.metadata.labels![PARENT]).toBeUndefined();
          expect(log).toContain('resuming at step 0 from scratch');
        } else {
          const parent = trials.find((p) => p.metadata.name === t.metadata.labels![PARENT])!;
          expect(Number(parent.metadata.labels![GENERATION])).toBe(g - 1);
          // The copy is the child's own: it resumes at the parent's step, from its own directory.
          expect(log).toMatch(new RegExp(`resuming at step ${10 * g} from .*${t.metadata.name}.*checkpoint`));
        }
      }
    }
    const best = (g: number) => Math.min(...byGeneration.get(g)!.map(loss));
    expect(best(4)).toBeLessThan(best(0));
    expect(best(4)).toBeLessThan(0.1);
  });
});
