/** Trial template substitution (katib-reference.md §3) and primary container lookup. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findPrimaryContainer,
  SpecError,
  substituteTrialTemplate,
  trialTemplatePlaceholders,
  type ParameterAssignment,
  type TrialParameterSpec,
} from '../../src/api/index.js';
import { deepFreeze } from '../../src/store/snapshot.js';
import { getAt, pytorchJobTemplate, trainJobTemplate, validExperiment, type JsonObject } from './fixtures.js';

const jobTemplate = (): JsonObject => getAt(validExperiment(), 'spec.trialTemplate.trialSpec') as JsonObject;
const jobParameters = (): TrialParameterSpec[] =>
  getAt(validExperiment(), 'spec.trialTemplate.trialParameters') as TrialParameterSpec[];
const assignments: ParameterAssignment[] = [
  { name: 'lr', value: '0.03' },
  { name: 'num-layers', value: '4' },
  { name: 'optimizer', value: 'adam' },
];

function specErrorOf(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('substituteTrialTemplate', () => {
  it('fills a batch/v1 Job and names it after the trial', () => {
    const template = jobTemplate();
    const before = structuredClone(template);
    const run = substituteTrialTemplate({
      template,
      trialParameters: jobParameters(),
      assignments,
      trialName: 'random-example-abc123',
      namespace: 'kubeflow',
    });
    expect(getAt(run, 'spec.template.spec.containers[0].command')).toEqual([
      'python3',
      'train.py',
      '--lr=0.03',
      '--num-layers=4',
      '--optimizer=adam',
    ]);
    expect(run['metadata']).toEqual({ name: 'random-example-abc123', namespace: 'kubeflow' });
    expect(template).toEqual(before);
  });

  it('fills a TrainJob trainer command', () => {
    const run = substituteTrialTemplate({
      template: trainJobTemplate(),
      trialParameters: [{ name: 'learningRate', reference: 'lr' }],
      assignments: [{ name: 'lr', value: '0.1' }],
      trialName: 't1',
      namespace: 'ns',
    });
    expect(getAt(run, 'spec.trainer.command')).toEqual([
      'python3',
      '/opt/pytorch-mnist/mnist.py',
      '--epochs=1',
      '--lr=0.1',
    ]);
    expect(getAt(run, 'apiVersion')).toBe('trainer.kubeflow.org/v1alpha1');
    expect(getAt(run, 'metadata.name')).toBe('t1');
  });

  it('fills every replica of a PyTorchJob', () => {
    const run = substituteTrialTemplate({
      template: pytorchJobTemplate(),
      trialParameters: [{ name: 'learningRate', reference: 'lr' }],
      assignments: [{ name: 'lr', value: '0.2' }],
      trialName: 't2',
      namespace: 'ns',
    });
    for (const replica of ['Master', 'Worker']) {
      expect(getAt(run, `spec.pytorchReplicaSpecs.${replica}.template.spec.containers[0].command[3]`)).toBe(
        '--lr=0.2',
      );
    }
  });

  it('resolves metadata references from the trial and the template', () => {
    const template = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ana' } },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                command: [
                  'run',
                  '${trialParameters.name}',
                  '${trialParameters.ns}',
                  '${trialParameters.kind}/${trialParameters.apiVersion}',
                  '${trialParameters.team}',
                  '${trialParameters.owner}',
                ],
              },
            ],
          },
        },
      },
    };
    const run = substituteTrialTemplate({
      template,
      trialParameters: [
        { name: 'name', reference: '${trialSpec.Name}' },
        { name: 'ns', reference: '${trialSpec.Namespace}' },
        { name: 'kind', reference: '${trialSpec.Kind}' },
        { name: 'apiVersion', reference: '${trialSpec.APIVersion}' },
        { name: 'team', reference: '${trialSpec.Labels[team]}' },
        { name: 'owner', reference: '${trialSpec.Annotations[example.com/owner]}' },
      ],
      assignments: [],
      trialName: 'exp-x1',
      namespace: 'research',
    });
    expect(getAt(run, 'spec.template.spec.containers[0].command')).toEqual([
      'run',
      'exp-x1',
      'research',
      'Job/batch/v1',
      'ml',
      'ana',
    ]);
    expect(getAt(run, 'metadata')).toEqual({
      labels: { team: 'ml' },
      annotations: { 'example.com/owner': 'ana' },
      name: 'exp-x1',
      namespace: 'research',
    });
  });

  it('inserts values verbatim: quotes and backslashes cannot break the manifest (unlike Katib)', () => {
    const nasty = 'a"b\\c}{${trialParameters.numLayers}';
    const run = substituteTrialTemplate({
      template: jobTemplate(),
      trialParameters: jobParameters(),
      assignments: [{ name: 'lr', value: nasty }, ...assignments.slice(1)],
      trialName: 't',
      namespace: 'n',
    });
    expect(getAt(run, 'spec.template.spec.containers[0].command[2]')).toBe(`--lr=${nasty}`);
  });

  it('substitutes in object keys too', () => {
    const run = substituteTrialTemplate({
      template: { apiVersion: 'v1', kind: 'X', spec: { '${trialParameters.k}': '${trialParameters.k}' } },
      trialParameters: [{ name: 'k', reference: 'key' }],
      assignments: [{ name: 'key', value: 'v' }],
      trialName: 't',
      namespace: 'n',
    });
    expect(run['spec']).toEqual({ v: 'v' });
  });

  it('any assignment string lands unchanged in its argument (property)', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const run = substituteTrialTemplate({
          template: jobTemplate(),
          trialParameters: jobParameters(),
          assignments: [{ name: 'lr', value }, ...assignments.slice(1)],
          trialName: 't',
          namespace: 'n',
        });
        expect(getAt(run, 'spec.template.spec.containers[0].command[2]')).toBe(`--lr=${value}`);
      }),
    );
  });

  describe('errors', () => {
    it('a reference without assignment', () => {
      const e = specErrorOf(() =>
        substituteTrialTemplate({
          template: jobTemplate(),
          trialParameters: jobParameters(),
          assignments: assignments.slice(0, 2),
          trialName: 't',
          namespace: 'n',
        }),
      );
      expect(e.errors).toEqual([
        expect.objectContaining({
          path: 'spec.trialTemplate.trialParameters[2].reference',
          message: expect.stringContaining(
            'unable to find non-meta parameter from TrialParameters in ParameterAssignment',
          ),
        }),
      ]);
      expect(e.code).toBe('INVALID_SPEC');
    });

    it('a missing label', () => {
      const e = specErrorOf(() =>
        substituteTrialTemplate({
          template: jobTemplate(),
          trialParameters: [...jobParameters(), { name: 'team', reference: '${trialSpec.Labels[team]}' }],
          assignments,
          trialName: 't',
          namespace: 'n',
        }),
      );
      expect(e.errors[0]).toMatchObject({
        path: 'spec.trialTemplate.trialParameters[3].reference',
        message: expect.stringContaining('illegal reference of trial metadata'),
      });
    });

    it('an assignment no trial parameter references', () => {
      const e = specErrorOf(() =>
        substituteTrialTemplate({
          template: jobTemplate(),
          trialParameters: jobParameters(),
          assignments: [...assignments, { name: 'momentum', value: '0.9' }],
          trialName: 't',
          namespace: 'n',
        }),
      );
      expect(e.errors[0]).toMatchObject({
        path: 'spec.trialTemplate.trialParameters',
        message: expect.stringContaining(
          'unable to find parameter from ParameterAssignment in TrialParameters',
        ),
      });
    });

    it('an undeclared placeholder', () => {
      const e = specErrorOf(() =>
        substituteTrialTemplate({
          template: jobTemplate(),
          trialParameters: jobParameters().slice(0, 2),
          assignments: assignments.slice(0, 2),
          trialName: 't',
          namespace: 'n',
        }),
      );
      expect(e.errors[0]).toMatchObject({
        path: 'spec.trialTemplate',
        message:
          'parameters: [${trialParameters.optimizer}] in spec.trialTemplate not found in spec.trialParameters',
      });
    });

    it('an undeclared placeholder of a frozen template, on every call (its placeholder list is kept)', () => {
      const template = deepFreeze(jobTemplate());
      const input = {
        template,
        trialParameters: jobParameters(),
        assignments,
        trialName: 't',
        namespace: 'n',
      };
      const first = substituteTrialTemplate(input);
      expect(substituteTrialTemplate(input)).toEqual(first);
      for (let i = 0; i < 2; i++) {
        const e = specErrorOf(() =>
          substituteTrialTemplate({
            ...input,
            trialParameters: jobParameters().slice(0, 2),
            assignments: assignments.slice(0, 2),
          }),
        );
        expect(e.errors[0]?.message).toBe(
          'parameters: [${trialParameters.optimizer}] in spec.trialTemplate not found in spec.trialParameters',
        );
      }
    });
  });
});

describe('trialTemplatePlaceholders', () => {
  it('lists names in order, once', () => {
    expect(trialTemplatePlaceholders(jobTemplate())).toEqual(['lr', 'numLayers', 'optimizer']);
    expect(
      trialTemplatePlaceholders({
        a: ['${trialParameters.x}${trialParameters.y}', { '${trialParameters.z}': '${trialParameters.x}' }],
      }),
    ).toEqual(['x', 'y', 'z']);
    expect(trialTemplatePlaceholders('no')).toEqual([]);
  });

  it('survives cycles', () => {
    const a: JsonObject = { s: '${trialParameters.q}' };
    a['self'] = a;
    expect(trialTemplatePlaceholders(a)).toEqual(['q']);
  });
});

describe('findPrimaryContainer', () => {
  it('batch/v1 Job', () => {
    expect(findPrimaryContainer(jobTemplate(), 'training-container')).toEqual({
      name: 'training-container',
      image: 'docker.io/kubeflowkatib/mxnet-mnist:latest',
      command: [
        'python3',
        'train.py',
        '--lr=${trialParameters.lr}',
        '--num-layers=${trialParameters.numLayers}',
        '--optimizer=${trialParameters.optimizer}',
      ],
    });
    expect(findPrimaryContainer(jobTemplate(), 'other')).toBeUndefined();
  });

  it('TrainJob: spec.trainer is the node container', () => {
    expect(findPrimaryContainer(trainJobTemplate(), 'node')).toEqual({
      name: 'node',
      image: 'docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727',
      command: [
        'python3',
        '/opt/pytorch-mnist/mnist.py',
        '--epochs=1',
        '--lr=${trialParameters.learningRate}',
      ],
      env: [{ name: 'EPOCHS', value: '1' }],
    });
    expect(findPrimaryContainer(trainJobTemplate(), 'trainer')).toBeUndefined();
  });

  it('PyTorchJob: the Master replica first, whatever the key order', () => {
    const t = pytorchJobTemplate();
    (getAt(t, 'spec.pytorchReplicaSpecs.Worker.template.spec.containers[0]') as JsonObject)['command'] = [
      'worker',
    ];
    expect(findPrimaryContainer(t, 'pytorch')?.command?.[0]).toBe('python3');
  });

  it('any manifest with a containers list (deep walk)', () => {
    const jobSet = {
      apiVersion: 'jobset.x-k8s.io/v1alpha2',
      kind: 'JobSet',
      spec: {
        replicatedJobs: [
          {
            name: 'workers',
            template: {
              spec: {
                template: {
                  spec: {
                    initContainers: [{ name: 'main', command: ['init'] }],
                    containers: [
                      {
                        name: 'main',
                        command: ['python3'],
                        args: ['x.py'],
                        workingDir: '/w',
                        env: [
                          { name: 'A', value: '1' },
                          { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
                        ],
                      },
                    ],
                  },
                },
              },
            },
          },
        ],
      },
    };
    expect(findPrimaryContainer(jobSet, 'main')).toEqual({
      name: 'main',
      command: ['python3'],
      args: ['x.py'],
      workingDir: '/w',
      env: [{ name: 'A', value: '1' }, { name: 'B' }],
    });
  });
});
