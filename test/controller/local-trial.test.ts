/** Embedded mode's plan for a trial: working directory and the File collector's path mapping. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Trial } from '../../src/api/index.js';
import { planLocalTrial } from '../../src/controller/local-trial.js';

function trial(collector: Trial['spec']['metricsCollector'], container: Record<string, unknown>): Trial {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: { name: 't-1' },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      parameterAssignments: [],
      metricsCollector: collector,
      primaryContainerName: 'main',
      runSpec: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        spec: { template: { spec: { containers: [{ name: 'main', ...container }] } } },
      },
    },
    status: { conditions: [] },
  };
}

function container(t: Trial): Record<string, unknown> {
  const spec = t.spec.runSpec!['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } };
  return spec.template.spec.containers[0]!;
}

describe('planLocalTrial', () => {
  it('maps the File collector path into the trial directory and rewrites it in args and env', () => {
    const t = trial(
      {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: '/var/log/katib/m.json', kind: 'File', format: 'JSON' } },
      },
      {
        command: ['python3', 'train.py'],
        args: ['--metrics=/var/log/katib/m.json', '--other=/var/log/katib/m.json.bak'],
        env: [{ name: 'OUT', value: '/var/log/katib/m.json' }],
      },
    );
    const plan = planLocalTrial(t, '/work/.katib/trials/t-1', '/src');
    expect(plan.metricsFile).toBe('/work/.katib/trials/t-1/metrics/var/log/katib/m.json');
    expect(plan.run.watchFiles).toEqual([plan.metricsFile]);
    expect(plan.directories).toContain('/work/.katib/trials/t-1/metrics/var/log/katib');
    const c = container(plan.run.trial);
    expect(c['args']).toEqual([`--metrics=${plan.metricsFile}`, `--other=${plan.metricsFile}.bak`]);
    expect(c['env']).toEqual([{ name: 'OUT', value: plan.metricsFile }]);
    // The stored trial keeps Katib's manifest untouched.
    expect(container(t)['args']).toEqual([
      '--metrics=/var/log/katib/m.json',
      '--other=/var/log/katib/m.json.bak',
    ]);
  });

  it('resolves a relative workingDir against the experiment file directory, keeps absolute ones', () => {
    const rel = planLocalTrial(
      trial({ collector: { kind: 'StdOut' } }, { command: ['x'], workingDir: '.' }),
      '/t',
      '/exp/dir',
    );
    expect(container(rel.run.trial)['workingDir']).toBe(path.resolve('/exp/dir'));
    const sub = planLocalTrial(
      trial({ collector: { kind: 'StdOut' } }, { command: ['x'], workingDir: 'trials' }),
      '/t',
      '/exp',
    );
    expect(container(sub.run.trial)['workingDir']).toBe('/exp/trials');
    const abs = planLocalTrial(
      trial({ collector: { kind: 'StdOut' } }, { command: ['x'], workingDir: '/opt/app' }),
      '/t',
      '/exp',
    );
    expect(container(abs.run.trial)['workingDir']).toBe('/opt/app');
    expect(abs.metricsFile).toBeUndefined();
    expect(abs.run.env).toMatchObject({ KATIB_TRIAL_DIR: '/t', KATIB_EXPERIMENT_DIR: '/exp' });
  });
});
