/**
 * Katib's validating-webhook rules (katib-reference.md §2.6) and our additions, as a `wantErr`
 * table: each case edits the valid fixture and lists every expected error (path and message).
 */
import { describe, expect, it, vi } from 'vitest';
import {
  parseExperiment,
  validateExperiment,
  type Experiment,
  type FieldError,
  type ValidationOptions,
} from '../../src/api/index.js';
import { DELETE, edit, validExperiment, type JsonObject } from './fixtures.js';

interface Case {
  readonly name: string;
  readonly changes: Record<string, unknown>;
  readonly opts?: ValidationOptions;
  /** Every expected error: [path, a fragment of the message], in order. */
  readonly want: readonly (readonly [string, string])[];
}

const JOB = 'spec.trialTemplate.trialSpec';
const POD = `${JOB}.spec.template.spec`;
const C0 = `${POD}.containers[0]`;
const CLUSTER: ValidationOptions = { mode: 'cluster' };

function expectErrors(errors: readonly FieldError[], want: Case['want']): void {
  expect(errors.map((e) => e.path)).toEqual(want.map((w) => w[0]));
  errors.forEach((e, i) => expect(e.message).toContain(want[i]![1]));
}

const cases: Case[] = [
  { name: 'the fixture is valid', changes: {}, want: [] },
  { name: 'the fixture is valid in cluster mode', changes: {}, opts: CLUSTER, want: [] },

  // apiVersion and kind (not checked by Katib's webhook, which is only called for its own kind).
  {
    name: 'wrong apiVersion',
    changes: { apiVersion: 'kubeflow.org/v1' },
    want: [['apiVersion', 'must be kubeflow.org/v1beta1']],
  },
  { name: 'missing apiVersion', changes: { apiVersion: DELETE }, want: [['apiVersion', 'Required value']] },
  { name: 'wrong kind', changes: { kind: 'Trial' }, want: [['kind', 'must be Experiment, got "Trial"']] },

  // Rule 1: metadata.name.
  {
    name: 'rule 1: name with capitals',
    changes: { 'metadata.name': 'Bad_Name' },
    want: [['metadata.name', 'name must consist of lower case alphanumeric characters']],
  },
  {
    name: 'rule 1: name ending with a dash (Katib quirk: unanchored)',
    changes: { 'metadata.name': 'abc-' },
    want: [['metadata.name', 'end with an alphanumeric character']],
  },
  {
    name: 'rule 1: name starting with a digit',
    changes: { 'metadata.name': '1abc' },
    want: [['metadata.name', 'start with an alphabetic character']],
  },
  {
    name: 'rule 1: name longer than 40',
    changes: { 'metadata.name': 'a'.repeat(41) },
    want: [['metadata.name', 'must be no more than 40 characters']],
  },
  { name: 'rule 1: name exactly 40', changes: { 'metadata.name': 'a'.repeat(40) }, want: [] },
  {
    name: 'rule 1: missing name',
    changes: { 'metadata.name': DELETE },
    want: [['metadata.name', 'Required value']],
  },
  { name: 'missing metadata', changes: { metadata: DELETE }, want: [['metadata', 'Required value']] },
  {
    name: 'label values are strings',
    changes: { 'metadata.labels': { team: 1 } },
    want: [['metadata.labels[team]', 'must be a string, got number']],
  },

  // Rule 2: counts.
  {
    name: 'rule 2: maxFailedTrialCount < 0',
    changes: { 'spec.maxFailedTrialCount': -1 },
    want: [['spec.maxFailedTrialCount', 'should not be less than 0']],
  },
  {
    name: 'rule 2: maxTrialCount <= 0 (and parallelTrialCount above it)',
    changes: { 'spec.maxTrialCount': 0, 'spec.maxFailedTrialCount': 0 },
    want: [
      ['spec.maxTrialCount', 'must be greater than 0'],
      ['spec.parallelTrialCount', 'should be less than or equal to spec.maxTrialCount'],
    ],
  },
  {
    name: 'rule 2: parallelTrialCount <= 0',
    changes: { 'spec.parallelTrialCount': 0 },
    want: [['spec.parallelTrialCount', 'must be greater than 0']],
  },
  {
    name: 'rule 2: maxFailedTrialCount > maxTrialCount',
    changes: { 'spec.maxFailedTrialCount': 13 },
    want: [['spec.maxFailedTrialCount', 'should be less than or equal to spec.maxTrialCount']],
  },
  {
    name: 'rule 2: parallelTrialCount > maxTrialCount',
    changes: { 'spec.parallelTrialCount': 13 },
    want: [['spec.parallelTrialCount', 'should be less than or equal to spec.maxTrialCount']],
  },
  {
    name: 'counts are integers',
    changes: { 'spec.maxTrialCount': 1.5 },
    want: [['spec.maxTrialCount', 'must be an integer, got 1.5']],
  },
  {
    name: 'counts are numbers',
    changes: { 'spec.parallelTrialCount': '3' },
    want: [['spec.parallelTrialCount', 'must be an integer, got "3"']],
  },
  {
    name: 'counts fit int32',
    changes: { 'spec.maxTrialCount': 2 ** 40 },
    want: [['spec.maxTrialCount', 'must be at most 2147483647']],
  },
  {
    name: 'unbounded maxTrialCount is fine',
    changes: { 'spec.maxTrialCount': DELETE, 'spec.maxFailedTrialCount': DELETE },
    want: [],
  },

  // Rule 4: objective (stops validation when it fails).
  {
    name: 'rule 4: missing objective stops validation',
    changes: { 'spec.objective': DELETE, 'spec.algorithm': DELETE },
    want: [['spec.objective', 'Required value']],
  },
  {
    name: 'rule 4: bad type',
    changes: { 'spec.objective.type': 'max' },
    want: [['spec.objective.type', 'must be minimize or maximize']],
  },
  {
    name: 'rule 4: missing objectiveMetricName',
    changes: { 'spec.objective.objectiveMetricName': '' },
    want: [['spec.objective.objectiveMetricName', 'Required value']],
  },
  {
    name: 'rule 4: additionalMetricNames contains the objective',
    changes: { 'spec.objective.additionalMetricNames': ['accuracy'] },
    want: [
      [
        'spec.objective.additionalMetricNames',
        'additionalMetricNames should not contain objective metric name',
      ],
    ],
  },
  {
    name: 'goal must be a finite number (does not stop)',
    changes: { 'spec.objective.goal': 'high', 'spec.algorithm': DELETE },
    want: [
      ['spec.objective.goal', 'must be a finite number, got "high"'],
      ['spec.algorithm', 'Required value'],
    ],
  },
  {
    name: 'additionalMetricNames unique',
    changes: { 'spec.objective.additionalMetricNames': ['loss', 'loss'] },
    want: [['spec.objective.additionalMetricNames[1]', 'Duplicate value: "loss"']],
  },
  {
    name: 'metricStrategies values',
    changes: { 'spec.objective.metricStrategies': [{ name: 'accuracy', value: 'median' }] },
    want: [['spec.objective.metricStrategies[0].value', 'must be min, max or latest']],
  },
  {
    name: 'metricStrategies names are known metrics',
    changes: { 'spec.objective.metricStrategies': [{ name: 'f1', value: 'max' }] },
    want: [
      [
        'spec.objective.metricStrategies[0].name',
        'must be spec.objective.objectiveMetricName or one of spec.objective.additionalMetricNames',
      ],
    ],
  },

  // Rule 5: algorithm.
  {
    name: 'rule 5: missing algorithm',
    changes: { 'spec.algorithm': DELETE },
    want: [['spec.algorithm', 'Required value']],
  },
  {
    name: 'rule 5: empty algorithmName',
    changes: { 'spec.algorithm.algorithmName': '' },
    want: [['spec.algorithm.algorithmName', 'Required value']],
  },
  {
    name: 'algorithmSettings names non-empty',
    changes: { 'spec.algorithm.algorithmSettings': [{ name: '', value: '1' }] },
    want: [['spec.algorithm.algorithmSettings[0].name', 'Required value']],
  },
  {
    name: 'algorithmSettings names unique',
    changes: {
      'spec.algorithm.algorithmSettings': [
        { name: 'seed', value: '1' },
        { name: 'seed', value: '2' },
      ],
    },
    want: [['spec.algorithm.algorithmSettings[1].name', 'Duplicate value: "seed"']],
  },
  {
    name: 'numeric setting values are normalised',
    changes: { 'spec.algorithm.algorithmSettings': [{ name: 'random_state', value: 10 }] },
    want: [],
  },

  // Rule 6: early stopping.
  {
    name: 'rule 6: empty early stopping name',
    changes: { 'spec.earlyStopping': {} },
    want: [['spec.earlyStopping.algorithmName', 'Required value']],
  },
  {
    name: 'rule 6: unknown early stopping algorithm',
    changes: { 'spec.earlyStopping': { algorithmName: 'meanstop' } },
    opts: { earlyStoppingAlgorithms: ['medianstop'] },
    want: [
      ['spec.earlyStopping.algorithmName', 'unknown early stopping algorithm "meanstop"; known: medianstop'],
    ],
  },
  {
    name: 'rule 6: known early stopping algorithm',
    changes: { 'spec.earlyStopping': { algorithmName: 'medianstop' } },
    opts: { earlyStoppingAlgorithms: ['medianstop'] },
    want: [],
  },

  // Rule 7: resumePolicy.
  {
    name: 'rule 7: bad resumePolicy',
    changes: { 'spec.resumePolicy': 'Sometimes' },
    want: [['spec.resumePolicy', 'invalid ResumePolicyType']],
  },
  { name: 'rule 7: LongRunning', changes: { 'spec.resumePolicy': 'LongRunning' }, want: [] },

  // Rule 8: trial template.
  {
    name: 'rule 8: missing trialTemplate',
    changes: { 'spec.trialTemplate': DELETE },
    want: [['spec.trialTemplate', 'Required value']],
  },
  {
    name: 'rule 8: missing primaryContainerName',
    changes: { 'spec.trialTemplate.primaryContainerName': DELETE },
    want: [['spec.trialTemplate.primaryContainerName', 'Required value']],
  },
  {
    name: 'rule 8: kinds without defaults need success and failure conditions',
    changes: {
      [JOB]: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        spec: {
          templates: [
            {
              name: 'main',
              container: {
                command: [
                  'python3',
                  '--lr=${trialParameters.lr}',
                  '${trialParameters.numLayers}',
                  '${trialParameters.optimizer}',
                ],
              },
            },
          ],
        },
      },
    },
    opts: CLUSTER,
    want: [['spec.trialTemplate', 'successCondition and failureCondition must be specified']],
  },
  {
    name: 'rule 8: missing trialParameters stops',
    changes: { 'spec.trialTemplate.trialParameters': DELETE },
    want: [['spec.trialTemplate.trialParameters', 'Required value']],
  },
  {
    name: 'rule 8: neither trialSpec nor configMap (so no condition defaults either)',
    changes: { [JOB]: DELETE },
    want: [
      ['spec.trialTemplate', 'successCondition and failureCondition must be specified'],
      ['spec.trialTemplate', 'Required value: trialSpec or configMap must be specified'],
    ],
  },
  {
    name: 'rule 8: both trialSpec and configMap',
    changes: {
      'spec.trialTemplate.configMap': { configMapName: 'c', configMapNamespace: 'n', templatePath: 't' },
    },
    opts: CLUSTER,
    want: [
      [
        'spec.trialTemplate',
        'only one of spec.trialTemplate.trialSpec or spec.trialTemplate.configMap can be specified',
      ],
    ],
  },
  {
    name: 'embedded mode: configMap templates are not supported',
    changes: {
      [JOB]: DELETE,
      'spec.trialTemplate.configMap': { configMapName: 'c', configMapNamespace: 'n', templatePath: 't' },
      'spec.trialTemplate.successCondition': 'a',
      'spec.trialTemplate.failureCondition': 'b',
    },
    want: [['spec.trialTemplate.configMap', 'configMap trial templates are not supported in embedded mode']],
  },
  {
    name: 'rule 8: configMap needs templatePath',
    changes: {
      [JOB]: DELETE,
      'spec.trialTemplate.configMap': { configMapName: 'c', configMapNamespace: 'n' },
      'spec.trialTemplate.successCondition': 'a',
      'spec.trialTemplate.failureCondition': 'b',
    },
    opts: CLUSTER,
    want: [['spec.trialTemplate.configMap.templatePath', 'Required value']],
  },
  {
    name: 'rule 8: complete configMap source (cluster)',
    changes: {
      [JOB]: DELETE,
      'spec.trialTemplate.configMap': { configMapName: 'c', configMapNamespace: 'n', templatePath: 't' },
      'spec.trialTemplate.successCondition': 'a',
      'spec.trialTemplate.failureCondition': 'b',
    },
    opts: CLUSTER,
    want: [],
  },
  {
    name: 'rule 8: trial parameter without name',
    changes: { 'spec.trialTemplate.trialParameters[0].name': '' },
    want: [
      ['spec.trialTemplate.trialParameters[0].name', 'Required value: name and reference must be specified'],
    ],
  },
  {
    name: 'rule 8: trial parameter without reference',
    changes: { 'spec.trialTemplate.trialParameters[0].reference': DELETE },
    want: [
      [
        'spec.trialTemplate.trialParameters[0].reference',
        'Required value: name and reference must be specified',
      ],
    ],
  },
  {
    name: 'rule 8: braces in a trial parameter name',
    changes: { 'spec.trialTemplate.trialParameters[0].name': 'l{r}' },
    want: [['spec.trialTemplate.trialParameters[0].name', "name can't contain '{' or '}'"]],
  },
  {
    name: 'rule 8: duplicate trial parameter name',
    changes: { 'spec.trialTemplate.trialParameters[1].name': 'lr' },
    want: [['spec.trialTemplate.trialParameters[1].name', 'Duplicate value: "lr"']],
  },
  {
    name: 'rule 8: duplicate trial parameter reference',
    changes: { 'spec.trialTemplate.trialParameters[1].reference': 'lr' },
    want: [['spec.trialTemplate.trialParameters[1].reference', 'Duplicate value: "lr"']],
  },
  {
    name: 'rule 8: reference not in spec.parameters',
    changes: { 'spec.trialTemplate.trialParameters[0].reference': 'learning_rate' },
    want: [
      [
        'spec.trialTemplate.trialParameters[0].reference',
        'parameter reference learning_rate does not exist in spec.parameters',
      ],
    ],
  },
  {
    name: 'rule 8: trial parameter unused by the template',
    changes: { [`${C0}.command[2]`]: '--lr=0.1' },
    want: [
      ['spec.trialTemplate.trialParameters[0].name', 'parameter name lr not found in spec.trialTemplate'],
    ],
  },
  {
    name: 'rule 8: placeholder without trial parameter',
    changes: { [`${C0}.command[5]`]: '--momentum=${trialParameters.momentum}' },
    want: [
      [
        'spec.trialTemplate',
        'parameters: [${trialParameters.momentum}] in spec.trialTemplate not found in spec.trialParameters',
      ],
    ],
  },
  {
    name: 'a parameter no trial parameter references (every trial would fail)',
    changes: { 'spec.trialTemplate.trialParameters[2]': DELETE, [`${C0}.command[4]`]: DELETE },
    want: [
      [
        'spec.trialTemplate.trialParameters',
        'parameter "optimizer" of spec.parameters is referenced by no trial parameter',
      ],
    ],
  },
  {
    name: 'rule 8: metadata references',
    changes: {
      'spec.trialTemplate.trialParameters[3]': { name: 'trialName', reference: '${trialSpec.Name}' },
      'spec.trialTemplate.trialParameters[4]': { name: 'team', reference: '${trialSpec.Labels[team]}' },
      [`${JOB}.metadata.labels`]: { team: 'ml' },
      [`${C0}.env`]: [{ name: 'TRIAL', value: '${trialParameters.trialName}/${trialParameters.team}' }],
    },
    want: [],
  },
  {
    name: 'rule 8: unknown metadata reference',
    changes: {
      'spec.trialTemplate.trialParameters[3]': { name: 'x', reference: '${trialSpec.Foo}' },
      [`${C0}.command[5]`]: '${trialParameters.x}',
    },
    want: [
      [
        'spec.trialTemplate.trialParameters[3].reference',
        'unknown trial metadata reference ${trialSpec.Foo}',
      ],
    ],
  },
  {
    name: 'metadata reference to a missing label',
    changes: {
      'spec.trialTemplate.trialParameters[3]': { name: 'x', reference: '${trialSpec.Labels[team]}' },
      [`${C0}.command[5]`]: '${trialParameters.x}',
    },
    want: [
      [
        'spec.trialTemplate.trialParameters[3].reference',
        'illegal reference of trial metadata: spec.trialTemplate.trialSpec.metadata.labels has no key "team"',
      ],
    ],
  },
  {
    name: 'rule 8: template metadata.name must be omitted',
    changes: { [`${JOB}.metadata.name`]: 'job' },
    want: [
      [`${JOB}.metadata.name`, 'metadata.name and metadata.namespace in Trial template must be omitted'],
    ],
  },
  {
    name: 'rule 8: template kind required',
    changes: { [`${JOB}.kind`]: DELETE },
    want: [
      ['spec.trialTemplate', 'successCondition and failureCondition must be specified'],
      [`${JOB}.kind`, 'APIVersion and Kind in Trial template must be specified'],
    ],
  },
  {
    name: 'rule 8: batch/v1 Job unknown field',
    changes: { [`${C0}.comand`]: ['python3'] },
    want: [[`${C0}.comand`, 'unknown field "comand"; did you mean "command"?']],
  },
  {
    name: 'batch/v1 Job restartPolicy',
    changes: { [`${POD}.restartPolicy`]: 'Always' },
    want: [[`${POD}.restartPolicy`, 'must be Never or OnFailure']],
  },
  {
    name: 'cluster mode: a Job needs restartPolicy',
    changes: { [`${POD}.restartPolicy`]: DELETE },
    opts: CLUSTER,
    want: [[`${POD}.restartPolicy`, 'Required value']],
  },
  {
    name: 'a Job needs containers',
    changes: { [`${POD}.containers`]: [] },
    opts: CLUSTER,
    want: [
      ['spec.trialTemplate.trialParameters[0].name', 'parameter name lr not found in spec.trialTemplate'],
      ['spec.trialTemplate.trialParameters[1].name', 'parameter name numLayers not found'],
      ['spec.trialTemplate.trialParameters[2].name', 'parameter name optimizer not found'],
      [`${POD}.containers`, 'must not be empty'],
    ],
  },
  {
    name: 'embedded mode: primary container must exist',
    changes: { 'spec.trialTemplate.primaryContainerName': 'trainer' },
    want: [
      [
        'spec.trialTemplate.primaryContainerName',
        'container "trainer" not found in spec.trialTemplate.trialSpec; containers found: training-container',
      ],
    ],
  },
  {
    name: 'embedded mode: primary container needs a command',
    changes: {
      [`${C0}.command`]: DELETE,
      [`${C0}.args`]: [
        '--lr=${trialParameters.lr}',
        '${trialParameters.numLayers}',
        '${trialParameters.optimizer}',
      ],
    },
    want: [[`${C0}.command`, "cannot run an image's entrypoint"]],
  },
  {
    name: 'cluster mode: the image entrypoint may run',
    changes: {
      [`${C0}.command`]: DELETE,
      [`${C0}.args`]: [
        '--lr=${trialParameters.lr}',
        '${trialParameters.numLayers}',
        '${trialParameters.optimizer}',
      ],
    },
    opts: CLUSTER,
    want: [],
  },
  {
    name: 'args are strings',
    changes: { [`${C0}.args`]: ['--epochs', 5] },
    want: [[`${C0}.args[1]`, 'must be a string, got number 5 (quote it in YAML)']],
  },

  // Rule 9: parameters xor nasConfig.
  {
    name: 'rule 9: neither parameters nor nasConfig',
    changes: { 'spec.parameters': DELETE },
    want: [['spec.parameters', 'spec.parameters or spec.nasConfig must be specified']],
  },
  {
    name: 'rule 9: both parameters and nasConfig',
    changes: {
      'spec.nasConfig': { graphConfig: { numLayers: 2 }, operations: [{ operationType: 'skip_connection' }] },
    },
    want: [['spec', 'only one of spec.parameters and spec.nasConfig can be specified']],
  },

  // Rule 10: parameters.
  {
    name: 'rule 10: unsupported parameterType',
    changes: { 'spec.parameters[0].parameterType': 'float' },
    want: [['spec.parameters[0].parameterType', 'parameterType: float is not supported']],
  },
  {
    name: 'rule 10: unsupported distribution',
    changes: { 'spec.parameters[0].feasibleSpace.distribution': 'exponential' },
    want: [['spec.parameters[0].feasibleSpace.distribution', 'distribution: exponential is not supported']],
  },
  {
    name: 'rule 10: empty feasibleSpace',
    changes: { 'spec.parameters[0].feasibleSpace': {} },
    want: [['spec.parameters[0].feasibleSpace', 'feasibleSpace must be specified']],
  },
  {
    name: 'rule 10: list on a double',
    changes: { 'spec.parameters[0].feasibleSpace.list': ['0.1'] },
    want: [
      [
        'spec.parameters[0].feasibleSpace.list',
        'feasibleSpace.list is not supported for parameterType: double',
      ],
    ],
  },
  {
    name: 'rule 10: double without max',
    changes: { 'spec.parameters[0].feasibleSpace.max': DELETE },
    want: [
      ['spec.parameters[0].feasibleSpace.max', 'feasibleSpace.max or feasibleSpace.min must be specified'],
    ],
  },
  {
    name: 'rule 10: min on a categorical',
    changes: { 'spec.parameters[2].feasibleSpace.min': '1' },
    want: [
      [
        'spec.parameters[2].feasibleSpace',
        'feasibleSpace .max, .min and .step is not supported for parameterType: categorical',
      ],
    ],
  },
  {
    name: 'min must parse',
    changes: { 'spec.parameters[0].feasibleSpace.min': 'abc' },
    want: [['spec.parameters[0].feasibleSpace.min', 'must be a finite decimal number, got "abc"']],
  },
  {
    name: 'hexadecimal is not a Katib number',
    changes: { 'spec.parameters[0].feasibleSpace.max': '0x10' },
    want: [['spec.parameters[0].feasibleSpace.max', 'must be a finite decimal number']],
  },
  {
    name: 'int bounds are integers',
    changes: { 'spec.parameters[1].feasibleSpace.min': '2.5' },
    want: [['spec.parameters[1].feasibleSpace.min', 'must be an integer, got "2.5"']],
  },
  {
    name: 'int step is an integer',
    changes: { 'spec.parameters[1].feasibleSpace.step': '0.5' },
    want: [['spec.parameters[1].feasibleSpace.step', 'must be an integer']],
  },
  {
    name: 'min < max',
    changes: {
      'spec.parameters[0].feasibleSpace.min': '0.05',
      'spec.parameters[0].feasibleSpace.max': '0.01',
    },
    want: [['spec.parameters[0].feasibleSpace.min', 'must be less than max (0.01)']],
  },
  {
    name: 'min == max',
    changes: { 'spec.parameters[1].feasibleSpace.min': '5' },
    want: [['spec.parameters[1].feasibleSpace.min', 'must be less than max (5)']],
  },
  {
    name: 'step > 0',
    changes: { 'spec.parameters[0].feasibleSpace.step': '0' },
    want: [['spec.parameters[0].feasibleSpace.step', 'must be greater than 0']],
  },
  {
    name: 'step fits the range',
    changes: { 'spec.parameters[0].feasibleSpace.step': '1' },
    want: [['spec.parameters[0].feasibleSpace.step', 'step 1 must fit in the range [0.01, 0.05]']],
  },
  {
    name: 'step equal to the range is fine',
    changes: { 'spec.parameters[1].feasibleSpace.step': '3' },
    want: [],
  },
  {
    name: 'logUniform needs min > 0',
    changes: {
      'spec.parameters[0].feasibleSpace.min': '0',
      'spec.parameters[0].feasibleSpace.distribution': 'logUniform',
    },
    want: [['spec.parameters[0].feasibleSpace.min', 'must be greater than 0 for distribution logUniform']],
  },
  {
    name: 'lists are non-empty',
    changes: { 'spec.parameters[2].feasibleSpace.list': [] },
    want: [['spec.parameters[2].feasibleSpace.list', 'must not be empty']],
  },
  {
    name: 'list entries unique',
    changes: { 'spec.parameters[2].feasibleSpace.list[2]': 'sgd' },
    want: [['spec.parameters[2].feasibleSpace.list[2]', 'Duplicate value: "sgd"']],
  },
  {
    name: 'discrete entries are numbers',
    changes: {
      'spec.parameters[1]': {
        name: 'num-layers',
        parameterType: 'discrete',
        feasibleSpace: { list: ['2', 'x'] },
      },
    },
    want: [['spec.parameters[1].feasibleSpace.list[1]', 'must be a finite decimal number, got "x"']],
  },
  {
    name: 'discrete entries unique by value',
    changes: {
      'spec.parameters[1]': {
        name: 'num-layers',
        parameterType: 'discrete',
        feasibleSpace: { list: ['1', '1.0'] },
      },
    },
    want: [['spec.parameters[1].feasibleSpace.list[1]', 'Duplicate value: "1.0"']],
  },
  {
    name: 'parameter names unique',
    changes: { 'spec.parameters[1].name': 'lr' },
    want: [
      [
        'spec.trialTemplate.trialParameters[1].reference',
        'parameter reference num-layers does not exist in spec.parameters',
      ],
      ['spec.parameters[1].name', 'Duplicate value: "lr"'],
    ],
  },
  {
    name: 'YAML numbers in feasibleSpace are accepted',
    changes: { 'spec.parameters[0].feasibleSpace': { min: 0.01, max: 0.05, step: 0.01 } },
    want: [],
  },

  // Unknown fields (Katib's CRDs keep them silently; a typo there means a silent default).
  {
    name: 'unknown spec field, with a hint',
    changes: { 'spec.maxTrialCounts': 5 },
    want: [['spec.maxTrialCounts', 'unknown field "maxTrialCounts"; did you mean "maxTrialCount"?']],
  },
  {
    name: 'unknown feasibleSpace field',
    changes: { 'spec.parameters[0].feasibleSpace.Step': '0.01' },
    want: [['spec.parameters[0].feasibleSpace.Step', 'unknown field "Step"; did you mean "step"?']],
  },
  {
    name: 'unknown objective field',
    changes: { 'spec.objective.objectiveMetric': 'x' },
    want: [['spec.objective.objectiveMetric', 'did you mean "objectiveMetricName"?']],
  },
  {
    name: 'unknown metrics collector field',
    changes: { 'spec.metricsCollectorSpec': { collector: { kind: 'StdOut' }, sources: {} } },
    want: [['spec.metricsCollectorSpec.sources', 'unknown field "sources"; did you mean "source"?']],
  },

  // Rule 11: metrics collector.
  {
    name: 'rule 11: invalid collector kind',
    changes: { 'spec.metricsCollectorSpec': { collector: { kind: 'Stdout' } } },
    want: [['spec.metricsCollectorSpec.collector.kind', 'invalid metrics collector kind "Stdout"']],
  },
  {
    name: 'rule 11: File needs an absolute path',
    changes: {
      'spec.metricsCollectorSpec': {
        collector: { kind: 'File' },
        source: { fileSystemPath: { path: 'metrics.log' } },
      },
    },
    want: [['spec.metricsCollectorSpec.source.fileSystemPath.path', 'must be an absolute path']],
  },
  {
    name: 'rule 11: File needs kind File',
    changes: {
      'spec.metricsCollectorSpec': {
        collector: { kind: 'File' },
        source: { fileSystemPath: { kind: 'Directory', path: '/tmp/m' } },
      },
    },
    want: [['spec.metricsCollectorSpec.source.fileSystemPath.kind', 'must be File for collector kind File']],
  },
  {
    name: 'rule 11: File format',
    changes: {
      'spec.metricsCollectorSpec': {
        collector: { kind: 'File' },
        source: { fileSystemPath: { format: 'CSV' } },
      },
    },
    want: [['spec.metricsCollectorSpec.source.fileSystemPath.format', 'format must be TEXT or JSON']],
  },
  {
    name: 'rule 11: JSON files take no filter',
    changes: {
      'spec.metricsCollectorSpec': {
        collector: { kind: 'File' },
        source: { fileSystemPath: { format: 'JSON' }, filter: { metricsFormat: ['(\\w+)=(\\d+)'] } },
      },
    },
    want: [
      ['spec.metricsCollectorSpec.source.filter', 'filter must be nil when format of metrics file is json'],
    ],
  },
  {
    name: 'rule 11: TensorFlowEvent needs a Directory and no format',
    changes: {
      'spec.metricsCollectorSpec': {
        collector: { kind: 'TensorFlowEvent' },
        source: { fileSystemPath: { kind: 'File', format: 'TEXT' } },
      },
    },
    want: [
      [
        'spec.metricsCollectorSpec.source.fileSystemPath.kind',
        'must be Directory for collector kind TensorFlowEvent',
      ],
      [
        'spec.metricsCollectorSpec.source.fileSystemPath.format',
        'must be empty for collector kind TensorFlowEvent',
      ],
    ],
  },
  {
    name: 'rule 11: Prometheus port and path',
    changes: {
      'spec.metricsCollectorSpec': {
        collector: { kind: 'PrometheusMetric' },
        source: { httpGet: { port: 'metrics', path: 'metrics' } },
      },
    },
    want: [
      ['spec.metricsCollectorSpec.source.httpGet.port', 'must be a positive port number'],
      ['spec.metricsCollectorSpec.source.httpGet.path', "path must start with '/'"],
    ],
  },
  {
    name: 'rule 11: Custom needs customCollector',
    changes: { 'spec.metricsCollectorSpec': { collector: { kind: 'Custom' } } },
    want: [['spec.metricsCollectorSpec.collector.customCollector', 'Required value']],
  },
  {
    name: 'Push needs nothing',
    changes: { 'spec.metricsCollectorSpec': { collector: { kind: 'Push' } } },
    want: [],
  },
  {
    name: 'rule 11: filters must compile',
    changes: { 'spec.metricsCollectorSpec.source.filter.metricsFormat': ['([a-z]+=(\\d+)'] },
    want: [
      ['spec.metricsCollectorSpec.source.filter.metricsFormat[0]', 'must compile as a regular expression'],
    ],
  },
  {
    name: 'rule 11: filters need two groups',
    changes: { 'spec.metricsCollectorSpec.source.filter.metricsFormat': ['(\\w+)=\\d+'] },
    want: [
      ['spec.metricsCollectorSpec.source.filter.metricsFormat[0]', 'two top subexpressions are required'],
    ],
  },
  {
    name: "rule 11: Go's (?P<name>) groups are translated",
    changes: {
      'spec.metricsCollectorSpec.source.filter.metricsFormat': [
        '(?P<name>[\\w|-]+)\\s*=\\s*(?P<value>[+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)',
      ],
    },
    want: [],
  },
];

describe('validateExperiment: rules', () => {
  it.each(cases)('$name', ({ changes, opts, want }) => {
    expectErrors(validateExperiment(edit(validExperiment(), changes), opts), want);
  });

  it('names unknown top-level fields when spec is missing', () => {
    const raw = edit(validExperiment(), { spec: DELETE, spc: {} });
    expectErrors(validateExperiment(raw), [['spec', 'Required value: found unknown top-level fields "spc"']]);
  });

  it('survives cycles (YAML aliases can make them)', () => {
    const raw = validExperiment();
    const trialSpec = (raw['spec'] as JsonObject)['trialTemplate'] as JsonObject;
    (trialSpec['trialSpec'] as JsonObject)['self'] = trialSpec['trialSpec'];
    (raw['spec'] as JsonObject)['loop'] = raw;
    expectErrors(validateExperiment(raw), [
      ['spec.loop', 'unknown field "loop"'],
      [`${JOB}.self`, 'unknown field "self"'],
    ]);
    expect(() => parseExperiment(raw)).toThrow('invalid Experiment');
  });

  it('reports a non-object document at kind', () => {
    expectErrors(validateExperiment('hello'), [['kind', 'must be an Experiment object']]);
    expectErrors(validateExperiment(null), [['kind', 'must be an Experiment object']]);
  });

  it('returns every error at once', () => {
    const errors = validateExperiment(
      edit(validExperiment(), {
        'metadata.name': 'X',
        'spec.parallelTrialCount': 0,
        'spec.algorithm.algorithmName': '',
        'spec.parameters[0].feasibleSpace.min': 'abc',
        'spec.metricsCollectorSpec': { collector: { kind: 'Nope' } },
      }),
    );
    expect(errors.map((e) => e.path)).toEqual([
      'metadata.name',
      'spec.parallelTrialCount',
      'spec.algorithm.algorithmName',
      'spec.parameters[0].feasibleSpace.min',
      'spec.metricsCollectorSpec.collector.kind',
    ]);
  });

  it('does not change its input', () => {
    const raw = validExperiment();
    const before = structuredClone(raw);
    validateExperiment(raw);
    expect(raw).toEqual(before);
  });

  it('accepts a NAS experiment', () => {
    const e = edit(validExperiment(), {
      'spec.parameters': DELETE,
      'spec.algorithm.algorithmName': 'enas',
      'spec.nasConfig': {
        graphConfig: { numLayers: 8, inputSizes: [32, 32, 3], outputSizes: [10] },
        operations: [
          {
            operationType: 'convolution',
            parameters: [
              { name: 'filter_size', parameterType: 'categorical', feasibleSpace: { list: ['3', '5'] } },
            ],
          },
          {
            operationType: 'reduction',
            parameters: [
              {
                name: 'reduction_type',
                parameterType: 'categorical',
                feasibleSpace: { list: ['max_pooling'] },
              },
            ],
          },
        ],
      },
      'spec.trialTemplate.trialParameters': [
        { name: 'neuralNetworkArchitecture', reference: 'architecture' },
        { name: 'neuralNetworkConfig', reference: 'nn_config' },
      ],
      [`${C0}.command`]: [
        'python3',
        'run.py',
        '--architecture="${trialParameters.neuralNetworkArchitecture}"',
        '--nn_config="${trialParameters.neuralNetworkConfig}"',
      ],
    });
    expect(validateExperiment(e)).toEqual([]);
    const bad = edit(e, {
      'spec.nasConfig.graphConfig.numLayers': 0,
      'spec.nasConfig.operations[1].parameters[0].feasibleSpace.list': [],
    });
    expectErrors(validateExperiment(bad), [
      ['spec.nasConfig.graphConfig.numLayers', 'must be a positive integer'],
      ['spec.nasConfig.operations[1].parameters[0].feasibleSpace.list', 'must not be empty'],
    ]);
  });
});

describe('validateExperiment: trial kinds', () => {
  it('accepts a PyTorchJob in cluster mode and finds its master container in embedded mode', () => {
    const e = edit(validExperiment(), {
      'spec.trialTemplate.primaryContainerName': 'pytorch',
      [JOB]: {
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        spec: {
          pytorchReplicaSpecs: {
            Master: {
              replicas: 1,
              template: {
                spec: {
                  containers: [
                    {
                      name: 'pytorch',
                      command: [
                        'python3',
                        'mnist.py',
                        '--lr=${trialParameters.lr}',
                        '${trialParameters.numLayers}',
                        '${trialParameters.optimizer}',
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
    expect(validateExperiment(e, CLUSTER)).toEqual([]);
    expect(validateExperiment(e)).toEqual([]);
  });

  it('requires the TrainJob primary container to be node, with spec.trainer.command in embedded mode', () => {
    const trainJob = {
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'TrainJob',
      spec: {
        runtimeRef: { name: 'torch-distributed' },
        trainer: {
          numNodes: 1,
          args: [
            '--lr=${trialParameters.lr}',
            '${trialParameters.numLayers}',
            '${trialParameters.optimizer}',
          ],
        },
      },
    };
    const e = edit(validExperiment(), { 'spec.trialTemplate.primaryContainerName': 'node', [JOB]: trainJob });
    expect(validateExperiment(e, CLUSTER)).toEqual([]);
    expectErrors(validateExperiment(e), [
      [`${JOB}.spec.trainer.command`, "cannot run an image's entrypoint"],
    ]);
    const wrong = edit(e, { 'spec.trialTemplate.primaryContainerName': 'trainer' });
    expectErrors(validateExperiment(wrong), [
      ['spec.trialTemplate.primaryContainerName', 'containers found: node'],
    ]);
  });
});

describe('validateExperiment: algorithm registry hook', () => {
  it('passes the spec and reports its errors', () => {
    const validateAlgorithm = vi.fn(() => [
      { path: 'spec.algorithm.algorithmName', message: 'unknown algorithm "random"' },
    ]);
    const errors = validateExperiment(validExperiment(), { validateAlgorithm });
    expect(validateAlgorithm).toHaveBeenCalledOnce();
    expect(validateAlgorithm.mock.calls[0]).toMatchObject([
      { algorithm: { algorithmName: 'random' }, parallelTrialCount: 3 },
    ]);
    expectErrors(errors, [['spec.algorithm.algorithmName', 'unknown algorithm "random"']]);
  });

  it('reports a throwing hook instead of throwing', () => {
    const errors = validateExperiment(validExperiment(), {
      validateAlgorithm: () => {
        throw new Error('boom');
      },
    });
    expectErrors(errors, [['spec.algorithm', 'algorithm validation failed: boom']]);
  });

  it('is not called when the algorithm or the search space is broken', () => {
    const validateAlgorithm = vi.fn(() => []);
    validateExperiment(edit(validExperiment(), { 'spec.algorithm.algorithmName': '' }), {
      validateAlgorithm,
    });
    validateExperiment(edit(validExperiment(), { 'spec.parameters[0].feasibleSpace.min': 'x' }), {
      validateAlgorithm,
    });
    validateExperiment(edit(validExperiment(), { 'spec.objective.type': 'x' }), { validateAlgorithm });
    expect(validateAlgorithm).not.toHaveBeenCalled();
  });
});

describe('validateExperiment: updates (rule 3)', () => {
  function stored(status: Record<string, unknown>, changes: Record<string, unknown> = {}): Experiment {
    const e = parseExperiment(edit(validExperiment(), changes));
    return { ...e, status: { ...status } } as unknown as Experiment;
  }
  const running = {
    trials: 5,
    conditions: [{ type: 'Running', status: 'True', reason: 'ExperimentRunning' }],
  };
  const maxReached = {
    trials: 12,
    conditions: [{ type: 'Succeeded', status: 'True', reason: 'ExperimentMaxTrialsReached' }],
  };

  const updates: {
    name: string;
    old: Experiment;
    changes: Record<string, unknown>;
    want: Case['want'];
  }[] = [
    { name: 'an unchanged spec', old: stored(running), changes: {}, want: [] },
    {
      name: 'null counts as absent: earlyStopping: null is no change, goal: null removes the goal',
      old: stored(running),
      changes: { 'spec.objective.goal': null, 'spec.earlyStopping': null },
      want: [['spec', 'changed: spec.objective']],
    },
    {
      name: 'editable counts while running',
      old: stored(running),
      changes: { 'spec.maxTrialCount': 20, 'spec.parallelTrialCount': 5 },
      want: [],
    },
    {
      name: 'other fields are not editable',
      old: stored(running),
      changes: { 'spec.objective.goal': 0.5, 'spec.algorithm.algorithmName': 'tpe' },
      want: [
        [
          'spec',
          'only spec.parallelTrialCount, spec.maxTrialCount and spec.maxFailedTrialCount are editable (changed: spec.objective, spec.algorithm)',
        ],
      ],
    },
    {
      name: 'maxTrialCount above the trials created',
      old: stored(running),
      changes: { 'spec.maxTrialCount': 5 },
      want: [['spec.maxTrialCount', 'must be greater than status.trials count (5)']],
    },
    {
      name: 'a completed experiment with resumePolicy Never',
      old: stored(maxReached),
      changes: { 'spec.maxTrialCount': 20 },
      want: [
        [
          'spec.resumePolicy',
          'Experiment can be restarted if it is in succeeded state by reaching max trials',
        ],
      ],
    },
    {
      name: 'a restartable experiment',
      old: stored(maxReached, { 'spec.resumePolicy': 'LongRunning' }),
      changes: { 'spec.maxTrialCount': 20, 'spec.resumePolicy': 'LongRunning' },
      want: [],
    },
  ];
  it.each(updates)('$name', ({ old, changes, want }) => {
    const next: JsonObject = edit(validExperiment(), {
      'spec.resumePolicy': old.spec.resumePolicy,
      ...changes,
    });
    expectErrors(validateExperiment(next, { oldExperiment: old }), want);
  });
});
