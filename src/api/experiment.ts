/**
 * Katib's `kubeflow.org/v1beta1` Experiment, field for field as its JSON/YAML is written
 * (katib-reference.md §2.1–2.2). Numbers in `feasibleSpace` stay strings, as in Katib; they are
 * parsed once, by `toSearchSpace`. Types describe an Experiment after defaulting and validation.
 */
import type { Condition } from './condition.js';

/** Katib's API group/version for every kind we speak. */
export const KATIB_API_VERSION = 'kubeflow.org/v1beta1';

/** Katib's parameter types. */
export type ParameterType = 'double' | 'int' | 'discrete' | 'categorical';
/** Katib's distributions (`unknown` is accepted and treated as uniform). */
export type Distribution = 'uniform' | 'logUniform' | 'normal' | 'logNormal';
/** Optimisation direction. */
export type ObjectiveType = 'minimize' | 'maximize';
/** Which of a metric's reported values is the trial's value. */
export type MetricStrategyType = 'min' | 'max' | 'latest';
/** How a trial's metrics are collected. */
export type CollectorKind =
  'StdOut' | 'File' | 'TensorFlowEvent' | 'PrometheusMetric' | 'Custom' | 'Push' | 'None';
/** Format of a metrics file. */
export type FileFormat = 'TEXT' | 'JSON';
/** Whether a metrics path names a file or a directory. */
export type FileSystemKind = 'File' | 'Directory';
/** What happens to an Experiment's algorithm when it completes (katib-reference.md §4.5). */
export type ResumePolicy = 'Never' | 'LongRunning' | 'FromVolume';

/** One tuned parameter. */
export interface ParameterSpec {
  readonly name: string;
  readonly parameterType: ParameterType;
  readonly feasibleSpace: FeasibleSpace;
}

/** The values a parameter may take; `min`, `max`, `step` and `list` are strings as in Katib. */
export interface FeasibleSpace {
  readonly min?: string;
  readonly max?: string;
  readonly step?: string;
  readonly list?: readonly string[];
  readonly distribution?: Distribution;
}

/** A metric and the strategy that picks the trial's value for it. */
export interface MetricStrategy {
  readonly name: string;
  readonly value: MetricStrategyType;
}

/** What to optimise. */
export interface ObjectiveSpec {
  readonly type: ObjectiveType;
  /** Stop when the best objective value reaches this (≤ for minimize, ≥ for maximize). */
  readonly goal?: number;
  readonly objectiveMetricName: string;
  readonly additionalMetricNames?: readonly string[];
  readonly metricStrategies?: readonly MetricStrategy[];
}

/** A name/value algorithm setting; values are strings, as in Katib. */
export interface AlgorithmSetting {
  readonly name: string;
  readonly value: string;
}

/** The search algorithm, by Katib name, with its settings. */
export interface AlgorithmSpec {
  readonly algorithmName: string;
  readonly algorithmSettings?: readonly AlgorithmSetting[];
}

/** The early-stopping algorithm, by Katib name, with its settings. */
export interface EarlyStoppingSpec {
  readonly algorithmName: string;
  readonly algorithmSettings?: readonly AlgorithmSetting[];
}

/** One `${trialParameters.name}` placeholder and what fills it. */
export interface TrialParameterSpec {
  readonly name: string;
  readonly description?: string;
  /** A parameter name, or a metadata reference like `${trialSpec.Name}`. */
  readonly reference: string;
}

/** Where a trial template comes from when it is not inline. */
export interface ConfigMapSource {
  readonly configMapName?: string;
  readonly configMapNamespace?: string;
  readonly templatePath?: string;
}

/** How each trial's workload is built. */
export interface TrialTemplate {
  readonly retain?: boolean;
  /** The workload manifest (batch/v1 Job, TrainJob, PyTorchJob, …), with placeholders. */
  readonly trialSpec?: Record<string, unknown>;
  readonly configMap?: ConfigMapSource;
  readonly trialParameters: readonly TrialParameterSpec[];
  readonly primaryPodLabels?: Readonly<Record<string, string>>;
  readonly primaryContainerName: string;
  /** GJSON expression on the workload's JSON; default depends on kind. */
  readonly successCondition?: string;
  readonly failureCondition?: string;
}

/** Kubernetes' HTTPGetAction, as used by the Prometheus collector. */
export interface HttpGetSource {
  readonly path?: string;
  readonly port?: number | string;
  readonly host?: string;
  readonly scheme?: string;
}

/** Where metrics are read. */
export interface MetricsSource {
  readonly httpGet?: HttpGetSource;
  readonly fileSystemPath?: {
    readonly path?: string;
    readonly kind?: FileSystemKind;
    readonly format?: FileFormat;
  };
  readonly filter?: { readonly metricsFormat?: readonly string[] };
}

/** How metrics are collected. */
export interface MetricsCollectorSpec {
  readonly source?: MetricsSource;
  readonly collector?: { readonly kind: CollectorKind; readonly customCollector?: Record<string, unknown> };
}

/** Neural architecture search configuration (used by enas/darts). */
export interface NasConfig {
  readonly graphConfig?: {
    readonly numLayers?: number;
    readonly inputSizes?: readonly number[];
    readonly outputSizes?: readonly number[];
  };
  readonly operations?: readonly {
    readonly operationType: string;
    readonly parameters?: readonly ParameterSpec[];
  }[];
}

/** Katib's ExperimentSpec after defaulting. */
export interface ExperimentSpec {
  readonly parameters?: readonly ParameterSpec[];
  readonly objective: ObjectiveSpec;
  readonly algorithm: AlgorithmSpec;
  readonly earlyStopping?: EarlyStoppingSpec;
  readonly trialTemplate?: TrialTemplate;
  /** Default 3. */
  readonly parallelTrialCount: number;
  /** Unset means unbounded. */
  readonly maxTrialCount?: number;
  readonly maxFailedTrialCount?: number;
  readonly metricsCollectorSpec: MetricsCollectorSpec;
  readonly nasConfig?: NasConfig;
  /** Default `Never`. */
  readonly resumePolicy: ResumePolicy;
}

/** Object metadata (the subset we keep). */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** Experiment condition types. */
export type ExperimentConditionType = 'Created' | 'Running' | 'Restarting' | 'Succeeded' | 'Failed';

/** Katib's reasons for experiment conditions. */
export const ExperimentReason = {
  Created: 'ExperimentCreated',
  Running: 'ExperimentRunning',
  Restarting: 'ExperimentRestarting',
  GoalReached: 'ExperimentGoalReached',
  MaxTrialsReached: 'ExperimentMaxTrialsReached',
  SuggestionEndReached: 'ExperimentSuggestionEndReached',
  Failed: 'ExperimentFailed',
} as const;

/** The best trial so far. */
export interface OptimalTrial {
  readonly bestTrialName: string;
  readonly parameterAssignments: readonly ParameterAssignment[];
  readonly observation: Observation;
}

/** A parameter's value for one trial; values are strings, as in Katib. */
export interface ParameterAssignment {
  readonly name: string;
  readonly value: string;
}

/** A metric's summary over a trial's observation log (strings, as in Katib; "unavailable" when none). */
export interface Metric {
  readonly name: string;
  readonly min: string;
  readonly max: string;
  readonly latest: string;
}

/** A trial's metrics. */
export interface Observation {
  readonly metrics: readonly Metric[];
}

/** Katib's ExperimentStatus. */
export interface ExperimentStatus {
  readonly startTime?: string;
  readonly completionTime?: string;
  readonly lastReconcileTime?: string;
  readonly conditions: readonly Condition<ExperimentConditionType>[];
  readonly currentOptimalTrial?: OptimalTrial;
  readonly runningTrialList?: readonly string[];
  readonly pendingTrialList?: readonly string[];
  readonly failedTrialList?: readonly string[];
  readonly succeededTrialList?: readonly string[];
  readonly killedTrialList?: readonly string[];
  readonly earlyStoppedTrialList?: readonly string[];
  readonly metricsUnavailableTrialList?: readonly string[];
  readonly trials: number;
  readonly trialsSucceeded: number;
  readonly trialsFailed: number;
  readonly trialsKilled: number;
  readonly trialsPending: number;
  readonly trialsRunning: number;
  readonly trialsEarlyStopped: number;
  /** Katib spells this one without the "s". */
  readonly trialMetricsUnavailable: number;
}

/** A whole Experiment object. */
export interface Experiment {
  readonly apiVersion: typeof KATIB_API_VERSION;
  readonly kind: 'Experiment';
  readonly metadata: ObjectMeta;
  readonly spec: ExperimentSpec;
  readonly status?: ExperimentStatus;
}

/** A fresh, empty status. */
export function emptyExperimentStatus(): ExperimentStatus {
  return {
    conditions: [],
    trials: 0,
    trialsSucceeded: 0,
    trialsFailed: 0,
    trialsKilled: 0,
    trialsPending: 0,
    trialsRunning: 0,
    trialsEarlyStopped: 0,
    trialMetricsUnavailable: 0,
  };
}
