/** Helpers for end-to-end tests: temp project folders, experiment files, the real `katib` binary. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KATIB_BIN = path.join(ROOT, 'bin', 'katib.js');
export const TRIAL_SCRIPT = path.join(ROOT, 'test', 'e2e', 'fixtures', 'trial.mjs');

/** A fresh directory to run `katib` in. */
export function tempProject(prefix = 'katib-e2e-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Options for a test experiment running fixtures/trial.mjs. */
export interface TestExperimentOptions {
  name: string;
  algorithm?: string;
  settings?: Record<string, string>;
  maxTrialCount?: number;
  parallelTrialCount?: number;
  maxFailedTrialCount?: number;
  goal?: number;
  extraArgs?: string[];
  parameters?: unknown[];
  resumePolicy?: string;
  metricsCollectorSpec?: unknown;
}

/** A Katib v1beta1 Experiment (batch/v1 Job trial) that runs fixtures/trial.mjs. */
export function testExperiment(o: TestExperimentOptions): Record<string, unknown> {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: o.name },
    spec: {
      objective: {
        type: 'minimize',
        objectiveMetricName: 'loss',
        ...(o.goal !== undefined ? { goal: o.goal } : {}),
      },
      algorithm: {
        algorithmName: o.algorithm ?? 'random',
        algorithmSettings: Object.entries(o.settings ?? { random_state: '7' }).map(([name, value]) => ({
          name,
          value,
        })),
      },
      ...(o.maxTrialCount !== undefined ? { maxTrialCount: o.maxTrialCount } : {}),
      parallelTrialCount: o.parallelTrialCount ?? 2,
      ...(o.maxFailedTrialCount !== undefined ? { maxFailedTrialCount: o.maxFailedTrialCount } : {}),
      ...(o.resumePolicy ? { resumePolicy: o.resumePolicy } : {}),
      ...(o.metricsCollectorSpec ? { metricsCollectorSpec: o.metricsCollectorSpec } : {}),
      parameters: o.parameters ?? [
        { name: 'x', parameterType: 'double', feasibleSpace: { min: '-2', max: '4' } },
        { name: 'y', parameterType: 'double', feasibleSpace: { min: '-3', max: '3' } },
      ],
      trialTemplate: {
        primaryContainerName: 'training-container',
        trialParameters: [
          { name: 'x', reference: 'x' },
          { name: 'y', reference: 'y' },
        ],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'training-container',
                    image: 'node:20',
                    command: [process.execPath, TRIAL_SCRIPT],
                    args: ['--x=${trialParameters.x}', '--y=${trialParameters.y}', ...(o.extraArgs ?? [])],
                  },
                ],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
    },
  };
}

/** Writes an experiment as YAML into `dir`; returns the file path. */
export function writeExperiment(dir: string, experiment: unknown, file = 'experiment.yaml'): string {
  const p = path.join(dir, file);
  writeFileSync(p, stringify(experiment));
  return p;
}

/** The result of a finished `katib` process. */
export interface KatibResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `katib ARGS` in `cwd`; the caller owns the process. */
export function startKatib(args: string[], cwd: string): ChildProcess & { result: Promise<KatibResult> } {
  const child = spawn(process.execPath, [KATIB_BIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KATIB_DB: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<KatibResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(child, { result });
}

/** Runs `katib ARGS` in `cwd` to completion. */
export function katib(args: string[], cwd: string): Promise<KatibResult> {
  return startKatib(args, cwd).result;
}

/** Polls `check` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
