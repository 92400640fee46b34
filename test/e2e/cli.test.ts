/** End-to-end: get / describe / logs / delete on a finished experiment, kubectl-style output. */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { katib, tempProject, testExperiment, writeExperiment } from './helpers.js';

describe('katib get / describe / logs / delete', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempProject();
    const file = writeExperiment(
      dir,
      testExperiment({ name: 'inspect', maxTrialCount: 3, parallelTrialCount: 3 }),
    );
    const r = await katib(['run', '--plain', file], dir);
    expect(r.code).toBe(0);
  });

  it('lists experiments as a table, json and yaml', async () => {
    const table = await katib(['get', 'experiments'], dir);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+TRIALS/m);
    expect(table.stdout).toMatch(/^inspect\s+Succeeded\s+3\s+3/m);
    const json = JSON.parse((await katib(['get', 'experiments', '-o', 'json'], dir)).stdout);
    expect(json.kind).toBe('List');
    expect(json.items[0].metadata.name).toBe('inspect');
    expect(json.items[0].status.trialsSucceeded).toBe(3);
    const yaml = parse((await katib(['get', 'experiment', 'inspect', '-o', 'yaml'], dir)).stdout);
    expect(yaml.apiVersion).toBe('kubeflow.org/v1beta1');
    expect(yaml.spec.parallelTrialCount).toBe(3);
  });

  it('lists trials with their objective and parameters', async () => {
    const r = await katib(['get', 'trials', 'inspect'], dir);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^inspect-\w{8}\s+Succeeded\s+loss=[\d.]+\s+x=-?[\d.e-]+, y=/);
    const json = JSON.parse((await katib(['get', 'trials', 'inspect', '-o', 'json'], dir)).stdout);
    expect(json.items).toHaveLength(3);
    expect(json.items[0].kind).toBe('Trial');
    expect(json.items[0].spec.runSpec.kind).toBe('Job');
    expect(json.items[0].spec.runSpec.metadata.name).toBe(json.items[0].metadata.name);
  });

  it('describes an experiment with its optimal trial and conditions', async () => {
    const r = await katib(['describe', 'experiment', 'inspect'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Status:\s+Succeeded/);
    expect(r.stdout).toMatch(/Best trial: inspect-/);
    expect(r.stdout).toMatch(/Created\s+True\s+ExperimentCreated/);
    expect(r.stdout).toMatch(/Succeeded\s+True\s+ExperimentMaxTrialsReached/);
    expect(r.stdout).toMatch(/Running\s+False/);
  });

  it("prints a trial's logs", async () => {
    const trials = JSON.parse((await katib(['get', 'trials', 'inspect', '-o', 'json'], dir)).stdout);
    const name = trials.items[0].metadata.name as string;
    const r = await katib(['logs', name], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/epoch=3 loss=/);
    const missing = await katib(['logs', 'nope'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/trial "nope" not found/);
  });

  it('reports unknown names without a stack trace', async () => {
    const r = await katib(['describe', 'experiment', 'nope'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: experiment "nope" not found\n');
  });

  it('deletes an experiment with its trials and directories', async () => {
    const trials = JSON.parse((await katib(['get', 'trials', 'inspect', '-o', 'json'], dir)).stdout);
    const r = await katib(['delete', 'experiment', 'inspect'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deleted \(3 trials\)/);
    expect((await katib(['get', 'experiments'], dir)).stdout).toMatch(/No experiments found/);
    for (const t of trials.items)
      expect(existsSync(`${dir}/.katib/trials/${t.metadata.name as string}`)).toBe(false);
  });
});
