/**
 * `tune()`: Katib experiments over an in-process objective function, with the same store and the
 * same reconciler as `katib run` — only the trial runner differs.
 *
 * ```ts
 * const result = await tune({
 *   objective: (p) => (Number(p.x) - 2) ** 2,
 *   parameters: { x: search.double(-5, 5) },
 *   maxTrialCount: 20,
 * });
 * console.log(result.bestTrial?.parameters);
 * ```
 */
import { randomBytes } from 'node:crypto';
import {
  emptyExperimentStatus,
  fromParameterAssignments,
  metricValue,
  toSearchSpace,
  trialPhase,
  type Experiment,
  type ExperimentStatus,
  type ObjectiveType,
  type Trial,
  type TrialPhase,
} from '../api/index.js';
import { Controller, admitExperiment, submitExperiment } from '../controller/index.js';
import { InProcessRunner } from '../runners/index.js';
import { openStore, type ExperimentStore } from '../store/index.js';
import { InProcessSuggestionService } from '../suggestion/index.js';
import type { ParameterDefinition } from './search.js';

/** Reports intermediate or final metrics: `report({ loss: 0.3, step: 5 })` or `report({ loss: 0.3 }, 5)`. */
export type Report = (metrics: Readonly<Record<string, number>>, step?: number) => void;

/** What an objective function is given besides the parameters. */
export interface ObjectiveContext {
  /** Aborted when the trial is stopped (experiment completed, interrupted). */
  readonly signal: AbortSignal;
  readonly trialName: string;
}

/**
 * The function to tune: returns the objective metric's value, an object of metrics, or nothing
 * (when it reported through `report`).
 */
export type Objective = (
  params: Readonly<Record<string, number | string>>,
  report: Report,
  context: ObjectiveContext,
) =>
  | number
  | Readonly<Record<string, number>>
  | void
  | Promise<number | Readonly<Record<string, number>> | void>;

/** Options of `tune()`. */
export interface TuneOptions {
  readonly objective: Objective;
  /** Parameters by name (see `search`). */
  readonly parameters: Readonly<Record<string, ParameterDefinition>>;
  /** Experiment name (lowercase, ≤ 40 chars). @default `tune-<random>` */
  readonly name?: string;
  /** @default 'objective' */
  readonly objectiveMetricName?: string;
  /** @default 'minimize' */
  readonly objectiveType?: ObjectiveType;
  readonly goal?: number;
  readonly additionalMetricNames?: readonly string[];
  /** Katib algorithm name, optionally with settings. @default 'random' */
  readonly algorithm?:
    string | { readonly name: string; readonly settings?: Readonly<Record<string, string | number>> };
  /** @default 10 */
  readonly maxTrialCount?: number;
  /** @default 1 (in-process trials share this process) */
  readonly parallelTrialCount?: number;
  readonly maxFailedTrialCount?: number;
  /** A store, or a SQLite path; the same experiment name resumes. @default ':memory:' */
  readonly store?: ExperimentStore | string;
  /**
   * Whether each trial's bookkeeping (creation, start, metrics, end) waits for the disk before the
   * run goes on. By default only the experiment's completion does: every write is still a
   * committed transaction, so a crash of this process loses nothing, but a power cut can lose
   * about the last 10 ms of trial bookkeeping (such commits share one background disk sync started
   * at most 10 ms after them), which a resumed run redoes (in-process trials die with the process
   * anyway). `true` syncs every write, at the cost of a disk sync per write.
   * @default false
   */
  readonly syncEveryWrite?: boolean;
  /** Called whenever a trial changes state. */
  readonly onTrial?: (trial: TunedTrial) => void;
}

/** One trial of a tune() run. */
export interface TunedTrial {
  readonly name: string;
  readonly phase: TrialPhase;
  readonly parameters: Readonly<Record<string, number | string>>;
  /** The objective value (by the metric's strategy), when reported. */
  readonly value?: number;
}

/** What `tune()` found. */
export interface TuneResult {
  readonly experiment: Experiment;
  readonly status: ExperimentStatus;
  readonly bestTrial?: TunedTrial;
  readonly trials: readonly TunedTrial[];
}

/**
 * Runs a Katib experiment over an in-process function until it completes.
 * @throws SpecError when the options break a Katib rule (every rule, with its field path).
 */
export async function tune(options: TuneOptions): Promise<TuneResult> {
  const raw = toExperimentObject(options);
  const experiment = admitExperiment(raw);
  const space = toSearchSpace(experiment.spec.parameters ?? []);
  const objectiveName = experiment.spec.objective.objectiveMetricName;
  const store =
    typeof options.store === 'object' ? options.store : await openStore(options.store ?? ':memory:');
  const ownStore = typeof options.store !== 'object';
  try {
    await submitExperiment(store, experiment);
    const runner = new InProcessRunner(
      (params, ctx) =>
        options.objective(params, (m, step) => ctx.report(m, step), {
          signal: ctx.signal,
          trialName: ctx.trialName,
        }),
      {
        objectiveMetricName: objectiveName,
        toParams: (trial) => ({ ...fromParameterAssignments(space, trial.spec.parameterAssignments) }),
      },
    );
    const controller = Controller.create({
      store,
      suggestions: new InProcessSuggestionService(),
      runner,
      deferDurability: options.syncEveryWrite !== true,
    });
    const tuned = (t: { trial: Trial }): TunedTrial => {
      const value = metricValue(t.trial.status.observation, experiment.spec.objective, objectiveName);
      return {
        name: t.trial.metadata.name,
        phase: trialPhase(t.trial.status),
        parameters: fromParameterAssignments(space, t.trial.spec.parameterAssignments),
        ...(value !== undefined ? { value } : {}),
      };
    };
    if (options.onTrial) {
      const onTrial = options.onTrial;
      controller.on((e) => {
        if (e.type === 'trial') onTrial(tuned({ trial: e.trial }));
      });
    }
    let final;
    try {
      final = await controller.runUntilComplete(experiment.metadata.name);
    } finally {
      await controller.shutdown({ interrupt: true });
    }
    const trials = (await store.read.listTrials(experiment.metadata.name)).map(tuned);
    const bestName = final.experiment.status?.currentOptimalTrial?.bestTrialName;
    const bestTrial = trials.find((t) => t.name === bestName);
    return {
      experiment: final.experiment,
      status: final.experiment.status ?? emptyExperimentStatus(),
      trials,
      ...(bestTrial ? { bestTrial } : {}),
    };
  } finally {
    if (ownStore) await store.close();
  }
}

/**
 * The Katib Experiment object `tune()` runs. Its trial template is a placeholder workload of kind
 * `InProcessTrial` (the function runs in this process), kept so the experiment reads like any other.
 */
export function toExperimentObject(options: TuneOptions): Record<string, unknown> {
  const names = Object.keys(options.parameters ?? {});
  const algorithm =
    typeof options.algorithm === 'string' || options.algorithm === undefined
      ? { algorithmName: options.algorithm ?? 'random' }
      : {
          algorithmName: options.algorithm.name,
          algorithmSettings: Object.entries(options.algorithm.settings ?? {}).map(([name, value]) => ({
            name,
            value: String(value),
          })),
        };
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: options.name ?? `tune-${randomBytes(4).toString('hex')}` },
    spec: {
      objective: {
        type: options.objectiveType ?? 'minimize',
        objectiveMetricName: options.objectiveMetricName ?? 'objective',
        ...(options.goal !== undefined ? { goal: options.goal } : {}),
        ...(options.additionalMetricNames ? { additionalMetricNames: options.additionalMetricNames } : {}),
      },
      algorithm,
      parameters: names.map((name) => ({ name, ...options.parameters[name] })),
      maxTrialCount: options.maxTrialCount ?? 10,
      parallelTrialCount: options.parallelTrialCount ?? 1,
      ...(options.maxFailedTrialCount !== undefined
        ? { maxFailedTrialCount: options.maxFailedTrialCount }
        : {}),
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      trialTemplate: {
        primaryContainerName: 'objective',
        trialParameters: names.map((name) => ({ name, reference: name })),
        successCondition: 'status.succeeded',
        failureCondition: 'status.failed',
        trialSpec: {
          apiVersion: 'katib-ts.dev/v1alpha1',
          kind: 'InProcessTrial',
          spec: {
            containers: [
              {
                name: 'objective',
                command: ['in-process'],
                args: names.map((n) => `--${n}=\${trialParameters.${n}}`),
              },
            ],
          },
        },
      },
    },
  };
}
