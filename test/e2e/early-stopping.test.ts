/**
 * medianstop in the embedded engine: `katib run` stops running trials whose best loss after
 * `start_step` reports is worse than the median of the finished trials, kills their process, and
 * records them EarlyStopped with their observation; good trials run to the end.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, katib, tempProject, writeExperiment } from './helpers.js';

const QUADRATIC = path.join(ROOT, 'examples', 'trials', 'quadratic.mjs');

describe('medianstop in katib run', () => {
  it('stops the deliberately bad trials early and keeps their observation; the good ones finish', async () => {
    const dir = tempProject();
    // Grid visits the list in order: three good x values first (loss ~0), then two bad ones
    // (loss > 12). Every trial reports 10 epochs, 100 ms apart.
    const file = writeExperiment(dir, {
      apiVersion: 'kubeflow.org/v1beta1',
      kind: 'Experiment',
      metadata: { name: 'median' },
      spec: {
        objective: { type: 'minimize', objectiveMetricName: 'loss' },
        algorithm: { algorithmName: 'grid' },
        earlyStopping: {
          algorithmName: 'medianstop',
          algorithmSettings: [
            { name: 'min_trials_required', value: '3' },
            { name: 'start_step', value: '4' },
          ],
        },
        parallelTrialCount: 1,
        maxTrialCount: 5,
        parameters: [
          {
            name: 'x',
            parameterType: 'categorical',
            feasibleSpace: { list: ['1.5', '1.6', '1.4', '5', '-4'] },
          },
        ],
        trialTemplate: {
          primaryContainerName: 'main',
          trialParameters: [{ name: 'x', reference: 'x' }],
          trialSpec: {
            apiVersion: 'batch/v1',
            kind: 'Job',
            spec: {
              template: {
                spec: {
                  containers: [
                    {
                      name: 'main',
                      image: 'node:20',
                      command: [
                        process.execPath,
                        QUADRATIC,
                        '--x=${trialParameters.x}',
                        '--y=-0.5',
                        '--epochs=10',
                        '--sleep-ms=150',
                        '--noise=0',
                      ],
                    },
                  ],
                },
              },
            },
          },
        },
      },
    });
    const r = await katib(['run', file], dir);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const trials = JSON.parse((await katib(['get', 'trials', 'median', '-o', 'json'], dir)).stdout).items as {
      spec: { parameterAssignments: { name: string; value: string }[] };
      status: {
        conditions: { type: string; status: string; message?: string }[];
        observation?: { metrics: { name: string; latest: string; min: string }[] };
      };
    }[];
    const byX = new Map(trials.map((t) => [t.spec.parameterAssignments[0]!.value, t]));
    const phase = (x: string) =>
      byX
        .get(x)!
        .status.conditions.filter((c) => c.status === 'True')
        .map((c) => c.type)
        .at(-1);
    for (const good of ['1.5', '1.6', '1.4']) expect(phase(good)).toBe('Succeeded');
    for (const bad of ['5', '-4']) {
      expect(phase(bad)).toBe('EarlyStopped');
      const t = byX.get(bad)!;
      const stopped = t.status.conditions.find((c) => c.type === 'EarlyStopped');
      expect(stopped?.message).toMatch(
        /^Trial is early stopped: best loss so far \([\d.]+ after \d+ reports\) is greater than the early-stopping threshold/,
      );
      // The observation is kept, and the trial did not get to its last epochs (loss falls to the end).
      const loss = t.status.observation!.metrics.find((m) => m.name === 'loss')!;
      expect(Number(loss.min)).toBeGreaterThan(Number(bad === '5' ? 12.5 : 30.5));
      const logs = (
        await katib(['logs', `${(t as unknown as { metadata: { name: string } }).metadata.name}`], dir)
      ).stdout;
      expect(logs).not.toMatch(/epoch 10\/10/);
    }
    expect(r.stdout).toMatch(/Best trial: /);
  });
});
