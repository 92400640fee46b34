/**
 * Builds Trial objects from suggestions (Katib's experiment controller, §4.1 step 4): labels,
 * objective, assignments, the substituted workload manifest and the collector spec. Every value is
 * checked against the feasible space before it is substituted into the manifest.
 */
import {
  EXPERIMENT_LABEL,
  InternalError,
  TrialReason,
  fromParameterAssignments,
  infeasibilities,
  setCondition,
  substituteTrialTemplate,
  toSearchSpace,
  type Experiment,
  type Trial,
  type TrialSpec,
} from '../api/index.js';
import type { SuggestedTrial } from '../suggestion/index.js';

/**
 * The Trial for one suggestion, in status Created.
 * @throws InternalError when the algorithm returned a value outside the feasible space.
 */
export function buildTrial(e: Experiment, suggestion: SuggestedTrial, name: string, now: Date): Trial {
  const spec = e.spec;
  if (spec.parameters && spec.parameters.length > 0) {
    const space = toSearchSpace(spec.parameters);
    const problems = infeasibilities(space, fromParameterAssignments(space, suggestion.parameterAssignments));
    if (problems.length > 0)
      throw new InternalError(
        `algorithm ${spec.algorithm.algorithmName} suggested an infeasible assignment: ${problems.join('; ')}`,
      );
  }
  const labels: Record<string, string> = {
    ...(e.metadata.labels ?? {}),
    [EXPERIMENT_LABEL]: e.metadata.name,
    ...(suggestion.labels ?? {}),
  };
  const template = spec.trialTemplate;
  const runSpec =
    template?.trialSpec !== undefined
      ? substituteTrialTemplate({
          template: template.trialSpec,
          trialParameters: template.trialParameters,
          assignments: suggestion.parameterAssignments,
          trialName: name,
          namespace: e.metadata.namespace ?? 'default',
        })
      : undefined;
  const trialSpec: TrialSpec = {
    objective: spec.objective,
    parameterAssignments: suggestion.parameterAssignments,
    metricsCollector: spec.metricsCollectorSpec,
    labels,
    ...(runSpec !== undefined ? { runSpec } : {}),
    ...(template?.retain !== undefined ? { retainRun: template.retain } : {}),
    ...(template?.primaryPodLabels !== undefined ? { primaryPodLabels: template.primaryPodLabels } : {}),
    ...(template?.primaryContainerName !== undefined
      ? { primaryContainerName: template.primaryContainerName }
      : {}),
    ...(template?.successCondition !== undefined ? { successCondition: template.successCondition } : {}),
    ...(template?.failureCondition !== undefined ? { failureCondition: template.failureCondition } : {}),
  };
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: {
      name,
      ...(e.metadata.namespace !== undefined ? { namespace: e.metadata.namespace } : {}),
      labels,
      creationTimestamp: now.toISOString(),
    },
    spec: trialSpec,
    status: {
      conditions: setCondition([], 'Created', 'True', TrialReason.Created, 'Trial is created', now),
    },
  };
}
