// Drives katib-ts's algorithms the way the engine does: the in-process Suggestion service (registry
// → DesignerPolicy → designer, with its cache of live designers), every call given the whole trial
// list and the AlgorithmState the previous call returned, as the controller stores and passes it.
import { builtinAlgorithms } from '../dist/algorithms/index.js';
import { InProcessSuggestionService } from '../dist/suggestion/index.js';
import { parseValue } from './problems.js';

/** Katib names registered in this build (the harness skips the others with a note). */
export function registeredAlgorithms() {
  return builtinAlgorithms.names();
}

/** A minimal Experiment minimising metric `loss` over `parameters` with `algorithm`. */
export function benchExperiment({ name, algorithm, parameters, settings = [], parallel = 1, maxTrialCount }) {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name, namespace: 'bench', uid: `bench-${name}` },
    spec: {
      parameters,
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: algorithm, algorithmSettings: settings },
      parallelTrialCount: parallel,
      ...(maxTrialCount !== undefined ? { maxTrialCount } : {}),
      metricsCollectorSpec: {},
      resumePolicy: 'Never',
    },
  };
}

/** A trial the designer sees as running. */
export function runningTrial(name, parameterAssignments) {
  return { name, parameterAssignments, labels: {}, phase: 'Running' };
}

/** The same trial, succeeded with objective value `value`. */
export function succeededTrial(trial, value) {
  const v = String(value);
  return {
    ...trial,
    phase: 'Succeeded',
    observation: { metrics: [{ name: 'loss', min: v, max: v, latest: v }] },
  };
}

/**
 * A client of one experiment on one service, holding the AlgorithmState between calls as the
 * controller does. `ask(count, trials)` returns the service's assignments (Katib ParameterAssignment lists).
 * `handedOut` is the number of assignments handed out before the first call (the size of a prefilled
 * history: an engine that has n trials has handed out at least n).
 */
export class EngineSession {
  constructor(experiment, { seed, service, handedOut = 0 } = {}) {
    this.experiment = experiment;
    this.handedOut = handedOut;
    this.service = service ?? new InProcessSuggestionService({ seedSource: () => seed ?? 1 });
    this.state = undefined;
  }

  async ask(count, trials) {
    const reply = await this.service.getSuggestions({
      experiment: this.experiment,
      trials,
      currentRequestNumber: count,
      totalRequestNumber: (this.state?.suggestionCount ?? this.handedOut) + count,
      ...(this.state ? { state: this.state } : {}),
    });
    if (reply.state) this.state = reply.state;
    return reply.assignments.map((a) => a.parameterAssignments);
  }
}

/**
 * One optimisation run of `trials` trials with `parallel` trials outstanding: first a request for
 * `parallel` suggestions, then one request each time a trial finishes, in order of simulated finish
 * time (`durations[i]` for the i-th trial; ties by index). Returns the objective values in
 * suggestion order, the best, and the time spent in the suggestion service.
 */
export async function runOurs({ problem, algorithm, seed, trials, parallel = 1, durations }) {
  const experiment = benchExperiment({
    name: `${problem.name}-${algorithm}-${seed}-${parallel}`,
    algorithm,
    parameters: problem.parameters,
    parallel,
    maxTrialCount: trials,
  });
  const session = new EngineSession(experiment, { seed });
  const specs = new Map(problem.parameters.map((p) => [p.name, p]));
  const views = [];
  const values = [];
  const running = []; // { finish, index }
  let suggestMs = 0;
  let calls = 0;

  const launch = async (count, now) => {
    const t0 = performance.now();
    const assignments = await session.ask(count, views);
    suggestMs += performance.now() - t0;
    calls++;
    for (const pa of assignments) {
      const index = views.length;
      const point = {};
      for (const a of pa) point[a.name] = parseValue(specs.get(a.name), a.value);
      values.push(problem.objective(point));
      views.push(runningTrial(`t${index}`, pa));
      running.push({ finish: now + (durations?.[index] ?? 1), index });
    }
    return assignments.length;
  };

  const t0 = performance.now();
  let exhausted = (await launch(Math.min(parallel, trials), 0)) === 0;
  while (running.length > 0) {
    running.sort((a, b) => a.finish - b.finish || a.index - b.index);
    const { finish, index } = running.shift();
    views[index] = succeededTrial(views[index], values[index]);
    if (!exhausted && views.length < trials) exhausted = (await launch(1, finish)) === 0;
  }
  const best = Math.min(...values);
  return {
    best,
    regret: best - problem.optimum,
    seconds: (performance.now() - t0) / 1000,
    suggestMsPerCall: suggestMs / Math.max(1, calls),
    values,
  };
}
