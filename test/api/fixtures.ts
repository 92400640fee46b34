/**
 * Shared Experiment fixtures for the api tests: a valid random-search experiment whose trials are
 * a batch/v1 Job running `python3 train.py --lr=${trialParameters.lr} …`.
 */

/** A JSON object as the tests build them. */
export type JsonObject = Record<string, unknown>;

/** A fresh copy of a valid Experiment (before defaulting), as a user would write it in YAML. */
export function validExperiment(): JsonObject {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'random-example', namespace: 'kubeflow' },
    spec: {
      objective: {
        type: 'maximize',
        goal: 0.99,
        objectiveMetricName: 'accuracy',
        additionalMetricNames: ['loss'],
      },
      algorithm: { algorithmName: 'random' },
      parallelTrialCount: 3,
      maxTrialCount: 12,
      maxFailedTrialCount: 3,
      parameters: [
        { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.01', max: '0.05' } },
        { name: 'num-layers', parameterType: 'int', feasibleSpace: { min: '2', max: '5' } },
        { name: 'optimizer', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'ftrl'] } },
      ],
      trialTemplate: {
        primaryContainerName: 'training-container',
        trialParameters: [
          { name: 'lr', description: 'Learning rate', reference: 'lr' },
          { name: 'numLayers', description: 'Number of layers', reference: 'num-layers' },
          { name: 'optimizer', description: 'Optimizer', reference: 'optimizer' },
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
                    image: 'docker.io/kubeflowkatib/mxnet-mnist:latest',
                    command: [
                      'python3',
                      'train.py',
                      '--lr=${trialParameters.lr}',
                      '--num-layers=${trialParameters.numLayers}',
                      '--optimizer=${trialParameters.optimizer}',
                    ],
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

/** A PyTorchJob trial template (training-operator v1) with Master and Worker replicas. */
export function pytorchJobTemplate(): JsonObject {
  const replica = (replicas: number) => ({
    replicas,
    restartPolicy: 'OnFailure',
    template: {
      spec: {
        containers: [
          {
            name: 'pytorch',
            image: 'docker.io/kubeflowkatib/pytorch-mnist-cpu:latest',
            command: [
              'python3',
              '/opt/pytorch-mnist/mnist.py',
              '--epochs=1',
              '--lr=${trialParameters.learningRate}',
            ],
          },
        ],
      },
    },
  });
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    spec: { pytorchReplicaSpecs: { Worker: replica(2), Master: replica(1) } },
  };
}

/** A Kubeflow Trainer TrainJob trial template (platform-reference.md §1.2). */
export function trainJobTemplate(): JsonObject {
  return {
    apiVersion: 'trainer.kubeflow.org/v1alpha1',
    kind: 'TrainJob',
    spec: {
      runtimeRef: { name: 'torch-distributed' },
      trainer: {
        numNodes: 2,
        image: 'docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727',
        command: [
          'python3',
          '/opt/pytorch-mnist/mnist.py',
          '--epochs=1',
          '--lr=${trialParameters.learningRate}',
        ],
        env: [{ name: 'EPOCHS', value: '1' }],
      },
    },
  };
}

/** Splits `spec.parameters[0].feasibleSpace.min` into `['spec','parameters',0,'feasibleSpace','min']`. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
  }
  return out;
}

/** The value at a dotted path, or undefined. */
export function getAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of splitPath(path)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** True for arrays and plain (or null-prototype) objects, the values `edit` descends into. */
function isContainer(v: unknown): boolean {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Marks a path to delete in `edit`. */
export const DELETE = Symbol('delete');

/** A copy of `base` with each path set to its value (or deleted for `DELETE`); parents are created. */
export function edit(base: JsonObject, changes: Record<string, unknown>): JsonObject {
  const copy = structuredClone(base);
  for (const [path, value] of Object.entries(changes)) {
    const segs = splitPath(path);
    let cur = copy as Record<string | number, unknown>;
    segs.slice(0, -1).forEach((seg, i) => {
      if (!isContainer(cur[seg])) cur[seg] = typeof segs[i + 1] === 'number' ? [] : {};
      cur = cur[seg] as Record<string | number, unknown>;
    });
    const last = segs[segs.length - 1]!;
    if (value === DELETE) {
      if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
      else delete cur[last];
    } else {
      cur[last] = value;
    }
  }
  return copy;
}
