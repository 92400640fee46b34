/** The live progress line: redrawn in place on a terminal, one line per finished trial elsewhere. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { emptyExperimentStatus, type Experiment } from '../../src/api/index.js';
import { ProgressLine } from '../../src/cli/progress.js';

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

function snapshot(succeeded: number, running: number, best?: string): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'demo' },
    spec: {
      objective: {
        type: 'maximize',
        objectiveMetricName: 'accuracy',
        metricStrategies: [{ name: 'accuracy', value: 'max' }],
      },
      algorithm: { algorithmName: 'random' },
      parallelTrialCount: 2,
      maxTrialCount: 10,
      metricsCollectorSpec: {},
      resumePolicy: 'Never',
    },
    status: {
      ...emptyExperimentStatus(),
      trials: succeeded + running,
      trialsSucceeded: succeeded,
      trialsRunning: running,
      ...(best
        ? {
            currentOptimalTrial: {
              bestTrialName: 'demo-abc',
              parameterAssignments: [],
              observation: { metrics: [{ name: 'accuracy', min: '0.1', max: best, latest: '0.5' }] },
            },
          }
        : {}),
    },
  };
}

describe('ProgressLine', () => {
  it('shows done/total, running and the best value by the metric strategy', () => {
    const p = new ProgressLine({ stream: sink(), interactive: false, startedAt: Date.now() });
    expect(p.text(snapshot(3, 2, '0.93'))).toMatch(
      /^\[demo\] 3\/10 trials done \(3 succeeded\) · 2 running · best accuracy=0\.93 \(demo-abc\) · 0s$/,
    );
    p.stop();
  });

  it('prints one line per change of finished trials when not on a terminal', () => {
    const out = sink();
    const p = new ProgressLine({ stream: out, interactive: false, startedAt: Date.now() });
    p.update(snapshot(0, 2));
    p.update(snapshot(0, 2));
    p.update(snapshot(1, 2, '0.5'));
    p.update(snapshot(1, 1, '0.5'));
    p.stop();
    expect(out.text.trim().split('\n')).toHaveLength(2);
  });

  it('redraws one line in place on a terminal and clears it on stop', () => {
    const out = sink();
    const p = new ProgressLine({ stream: out, interactive: true, startedAt: Date.now() });
    p.update(snapshot(1, 2, '0.5'));
    p.update(snapshot(2, 2, '0.6'));
    p.stop();
    expect(out.text).not.toContain('\n');
    expect(out.text.split('\r\x1b[2K').filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(out.text.endsWith('\r\x1b[2K')).toBe(true);
  });
});
