/**
 * Katib's Suggestion object (`kubeflow.org/v1beta1`, katib-reference.md §2.3), as a view: the
 * engine keeps no Suggestion of its own; it is rebuilt from the experiment, its stored
 * {@link AlgorithmState} and its trials, for `katib get suggestions` and `katib describe suggestion`.
 */
import type { AlgorithmState, SuggestionConditionType } from './algorithm-state.js';
import type { Condition } from './condition.js';
import type {
  AlgorithmSetting,
  AlgorithmSpec,
  EarlyStoppingSpec,
  Experiment,
  ObjectMeta,
  ParameterAssignment,
  ResumePolicy,
} from './experiment.js';
import { EXPERIMENT_LABEL, type Trial } from './trial.js';

/** One assignment the algorithm handed out (Katib's TrialAssignment). */
export interface TrialAssignment {
  readonly name: string;
  readonly parameterAssignments: readonly ParameterAssignment[];
  /** Labels the algorithm chose for the trial. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Katib's SuggestionSpec. */
export interface SuggestionSpec {
  readonly algorithm: AlgorithmSpec;
  readonly earlyStopping?: EarlyStoppingSpec;
  /** Assignments wanted in total so far. */
  readonly requests: number;
  readonly resumePolicy?: ResumePolicy;
}

/** Katib's SuggestionStatus. */
export interface SuggestionStatus {
  /** Settings the algorithm returned; they override the experiment's on later calls. */
  readonly algorithmSettings?: readonly AlgorithmSetting[];
  readonly suggestionCount: number;
  readonly suggestions?: readonly TrialAssignment[];
  readonly startTime?: string;
  readonly completionTime?: string;
  readonly conditions: readonly Condition<SuggestionConditionType>[];
}

/** A whole Suggestion object. */
export interface Suggestion {
  readonly apiVersion: 'kubeflow.org/v1beta1';
  readonly kind: 'Suggestion';
  readonly metadata: ObjectMeta;
  readonly spec: SuggestionSpec;
  readonly status: SuggestionStatus;
}

/**
 * The Suggestion of an experiment as Katib would show it: named after the experiment, with its
 * algorithm, `requests` and `suggestionCount` from the stored state (0 before the first call),
 * the assignments of its trials, and the conditions the controller recorded.
 */
export function toSuggestion(
  experiment: Experiment,
  state: AlgorithmState | undefined,
  trials: readonly Trial[] = [],
): Suggestion {
  const conditions = state?.conditions ?? [];
  const created = conditions.find((c) => c.type === 'Created');
  const done = conditions.find((c) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True');
  const count = state?.suggestionCount ?? 0;
  const inherited = experiment.metadata.labels ?? {};
  const suggestions = trials.map((t): TrialAssignment => {
    const own = Object.entries(t.spec.labels ?? t.metadata.labels ?? {}).filter(
      ([k, v]) => k !== EXPERIMENT_LABEL && inherited[k] !== v,
    );
    return {
      name: t.metadata.name,
      parameterAssignments: t.spec.parameterAssignments,
      ...(own.length > 0 ? { labels: Object.fromEntries(own) } : {}),
    };
  });
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Suggestion',
    metadata: {
      name: experiment.metadata.name,
      ...(experiment.metadata.namespace !== undefined ? { namespace: experiment.metadata.namespace } : {}),
      ...(experiment.metadata.labels !== undefined ? { labels: experiment.metadata.labels } : {}),
      ...(created ? { creationTimestamp: created.lastTransitionTime } : {}),
    },
    spec: {
      algorithm: experiment.spec.algorithm,
      ...(experiment.spec.earlyStopping !== undefined
        ? { earlyStopping: experiment.spec.earlyStopping }
        : {}),
      requests: Math.max(count, trials.length),
      resumePolicy: experiment.spec.resumePolicy,
    },
    status: {
      ...(state?.algorithmSettings?.length ? { algorithmSettings: state.algorithmSettings } : {}),
      suggestionCount: count,
      ...(suggestions.length > 0 ? { suggestions } : {}),
      ...(created ? { startTime: created.lastTransitionTime } : {}),
      ...(done ? { completionTime: done.lastTransitionTime } : {}),
      conditions,
    },
  };
}
