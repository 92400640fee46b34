/** Loading Experiment files (YAML/JSON) and parseExperiment. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadExperimentFile,
  parseExperiment,
  parseExperimentText,
  SpecError,
  toSearchSpace,
} from '../../src/api/index.js';
import { edit, validExperiment } from './fixtures.js';

const YAML_EXPERIMENT = `apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: quadratic
spec:
  objective:
    type: minimize
    goal: 0.001
    objectiveMetricName: loss
  algorithm:
    algorithmName: random
    algorithmSettings:
      - name: random_state
        value: 42
  maxTrialCount: 10
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace:
        min: 0.01
        max: 0.05
    - name: layers
      parameterType: discrete
      feasibleSpace:
        list: [1, 2, 4]
  trialTemplate:
    primaryContainerName: training
    trialParameters:
      - name: lr
        reference: lr
      - name: layers
        reference: layers
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: training
                command: [python3, train.py, "--lr=\${trialParameters.lr}", "--layers=\${trialParameters.layers}"]
`;

function specErrorOf(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('parseExperimentText', () => {
  it('reads YAML with unquoted numbers, which parseExperiment turns into strings', () => {
    const e = parseExperiment(parseExperimentText(YAML_EXPERIMENT, 'q.yaml'));
    expect(e.spec.parameters?.[0]?.feasibleSpace).toEqual({
      min: '0.01',
      max: '0.05',
      distribution: 'uniform',
    });
    expect(e.spec.parameters?.[1]?.feasibleSpace.list).toEqual(['1', '2', '4']);
    expect(e.spec.algorithm.algorithmSettings).toEqual([{ name: 'random_state', value: '42' }]);
    expect(e.spec.objective.goal).toBe(0.001);
    expect(toSearchSpace(e.spec.parameters ?? [])).toEqual([
      { type: 'double', name: 'lr', min: 0.01, max: 0.05, distribution: 'uniform' },
      { type: 'discrete', name: 'layers', values: [1, 2, 4], labels: ['1', '2', '4'] },
    ]);
  });

  it('reads JSON', () => {
    expect(parseExperimentText(JSON.stringify(validExperiment(), null, '\t'), 'e.json')).toEqual(
      validExperiment(),
    );
  });

  it('reports YAML syntax errors at source:line:col with the parser message', () => {
    const e = specErrorOf(() =>
      parseExperimentText('kind: Experiment\nspec:\n  objective: {type: minimize\n  x: 1\n', 'bad.yaml'),
    );
    expect(e.errors.length).toBeGreaterThan(0);
    expect(e.errors[0]!.path).toMatch(/^bad\.yaml:\d+:\d+$/);
    expect(e.message).toContain('bad.yaml:');
    expect(e.message).not.toMatch(/\n\s+at /);
  });

  it('reports duplicate keys', () => {
    const e = specErrorOf(() => parseExperimentText('kind: Experiment\nkind: Trial\n', 'dup.yaml'));
    expect(e.errors).toEqual([
      { path: 'dup.yaml:2:1', message: expect.stringContaining('Map keys must be unique') },
    ]);
  });

  it('picks the Experiment of a multi-document file', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${YAML_EXPERIMENT}---\n`;
    expect(parseExperimentText(text, 'multi.yaml')).toMatchObject({
      kind: 'Experiment',
      metadata: { name: 'quadratic' },
    });
  });

  it('rejects a multi-document file without, or with two, Experiments', () => {
    const none = specErrorOf(() => parseExperimentText('kind: A\n---\nkind: B\n', 'none.yaml'));
    expect(none.errors).toEqual([
      { path: 'none.yaml', message: 'none of the 2 documents has kind: Experiment' },
    ]);
    const two = specErrorOf(() =>
      parseExperimentText('kind: Experiment\n---\nkind: Experiment\n', 'two.yaml'),
    );
    expect(two.errors[0]).toMatchObject({
      path: 'two.yaml',
      message: expect.stringContaining('2 documents have kind: Experiment'),
    });
  });

  it('rejects an empty file', () => {
    const e = specErrorOf(() => parseExperimentText('# nothing\n', 'empty.yaml'));
    expect(e.errors).toEqual([{ path: 'empty.yaml', message: 'the file is empty; expected an Experiment' }]);
  });

  it('returns a single document whatever its kind (validation reports it)', () => {
    expect(parseExperimentText('kind: Trial\n', 't.yaml')).toEqual({ kind: 'Trial' });
  });
});

describe('loadExperimentFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'katib-api-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a YAML file', async () => {
    const path = join(dir, 'experiment.yaml');
    await writeFile(path, YAML_EXPERIMENT);
    expect(await loadExperimentFile(path)).toMatchObject({ metadata: { name: 'quadratic' } });
  });

  it('reports a missing file clearly', async () => {
    const path = join(dir, 'missing.yaml');
    const e = await loadExperimentFile(path).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SpecError);
    expect((e as SpecError).errors).toEqual([{ path, message: 'file not found' }]);
  });

  it('reports a directory', async () => {
    await expect(loadExperimentFile(dir)).rejects.toMatchObject({
      errors: [{ path: dir, message: expect.stringContaining('is a directory') }],
    });
  });
});

describe('parseExperiment', () => {
  it('defaults, validates and strips status and nulls', () => {
    const e = parseExperiment(
      edit(validExperiment(), { status: { trials: 3 }, 'spec.objective.goal': null }),
    );
    expect(e).not.toHaveProperty('status');
    expect(e.spec.objective).not.toHaveProperty('goal');
    expect(e.spec.parallelTrialCount).toBe(3);
    expect(e.spec.resumePolicy).toBe('Never');
    expect(e.spec.metricsCollectorSpec).toEqual({ collector: { kind: 'StdOut' } });
    expect(e.spec.trialTemplate?.successCondition).toContain('Complete');
  });

  it('throws a SpecError with every error', () => {
    const e = specErrorOf(() =>
      parseExperiment(edit(validExperiment(), { 'spec.maxTrialCount': 0, 'metadata.name': 'Bad' })),
    );
    expect(e.errors.map((x) => x.path)).toEqual([
      'metadata.name',
      'spec.maxTrialCount',
      'spec.maxFailedTrialCount',
      'spec.parallelTrialCount',
    ]);
    expect(e.message).toMatch(/^invalid Experiment "Bad":\n {2}metadata\.name: /);
  });
});
