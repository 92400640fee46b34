/**
 * `katib get experiments|experiment NAME|trials EXPERIMENT|trial NAME|suggestions [EXPERIMENT]`
 * with `-o json|yaml|wide|name`.
 */
import {
  NotFoundError,
  toSuggestion,
  type Experiment,
  type Suggestion,
  type Trial,
} from '../../api/index.js';
import type { ExperimentStore } from '../../store/index.js';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';
import { UsageError, age, formatObject, formatTable, parseOutputFormat } from '../output.js';
import { assignmentsText, experimentState, objectiveText, trialState } from '../summary.js';

/** Options of `katib get`. */
export interface GetOptions extends GlobalOptions {
  readonly output?: string;
}

/** Runs `katib get`. Returns the exit code. */
export async function getCommand(
  kind: string,
  name: string | undefined,
  opts: GetOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const store = await openContextStore(resolveContext(opts));
  try {
    switch (normaliseKind(kind)) {
      case 'experiment': {
        let items: Experiment[];
        if (name) {
          const one = await store.read.getExperiment(name);
          if (!one) throw new NotFoundError(`experiment "${name}" not found`);
          items = [one.experiment];
        } else items = (await store.read.listExperiments()).map((s) => s.experiment);
        if (format === 'json' || format === 'yaml') {
          out.write(`${formatObject(name ? items[0] : list(items), format)}\n`);
        } else if (format === 'name') {
          out.write(items.map((e) => `experiment/${e.metadata.name}\n`).join(''));
        } else {
          const header = [
            'NAME',
            'STATUS',
            'TRIALS',
            'SUCCEEDED',
            'RUNNING',
            'FAILED',
            'OPTIMAL TRIAL',
            'AGE',
          ];
          if (format === 'wide') header.push('ALGORITHM', 'OBJECTIVE');
          const rows = items.map((e) => {
            const s = e.status;
            const row = [
              e.metadata.name,
              experimentState(e),
              String(s?.trials ?? 0),
              String(s?.trialsSucceeded ?? 0),
              String((s?.trialsRunning ?? 0) + (s?.trialsPending ?? 0)),
              String((s?.trialsFailed ?? 0) + (s?.trialMetricsUnavailable ?? 0)),
              s?.currentOptimalTrial?.bestTrialName || '<none>',
              age(s?.startTime ?? e.metadata.creationTimestamp),
            ];
            if (format === 'wide')
              row.push(
                e.spec.algorithm.algorithmName,
                `${e.spec.objective.type} ${e.spec.objective.objectiveMetricName}`,
              );
            return row;
          });
          out.write(items.length ? `${formatTable(header, rows)}\n` : 'No experiments found.\n');
        }
        return 0;
      }
      case 'suggestion': {
        const items = await suggestionsOf(store, name);
        if (format === 'json' || format === 'yaml') {
          out.write(`${formatObject(name ? items[0] : list(items), format)}\n`);
        } else if (format === 'name') {
          out.write(items.map((x) => `suggestion/${x.metadata.name}\n`).join(''));
        } else {
          // Katib's printer columns for the Suggestion kind, plus the algorithm and message when wide.
          const header = ['NAME', 'TYPE', 'STATUS', 'REQUESTED', 'ASSIGNED', 'AGE'];
          if (format === 'wide') header.push('ALGORITHM', 'MESSAGE');
          const rows = items.map((x) => {
            const last = x.status.conditions.at(-1);
            const row = [
              x.metadata.name,
              last?.type ?? '<none>',
              last?.status ?? '<none>',
              String(x.spec.requests),
              String(x.status.suggestionCount),
              age(x.metadata.creationTimestamp),
            ];
            if (format === 'wide') row.push(x.spec.algorithm.algorithmName, last?.message ?? '');
            return row;
          });
          out.write(items.length ? `${formatTable(header, rows)}\n` : 'No suggestions found.\n');
        }
        return 0;
      }
      case 'trial': {
        let items: Trial[];
        if (kind === 'trial' || (kind !== 'trials' && name && (await store.read.getTrial(name)))) {
          if (!name) throw new UsageError('katib get trial NAME: the trial name is required');
          const one = await store.read.getTrial(name);
          if (!one) throw new NotFoundError(`trial "${name}" not found`);
          items = [one.trial];
          if (format === 'json' || format === 'yaml') {
            out.write(`${formatObject(one.trial, format)}\n`);
            return 0;
          }
        } else {
          if (!name) throw new UsageError('katib get trials EXPERIMENT: the experiment name is required');
          if (!(await store.read.getExperiment(name)))
            throw new NotFoundError(`experiment "${name}" not found`);
          items = (await store.read.listTrials(name)).map((t) => t.trial);
        }
        if (format === 'json' || format === 'yaml') out.write(`${formatObject(list(items), format)}\n`);
        else if (format === 'name') out.write(items.map((t) => `trial/${t.metadata.name}\n`).join(''));
        else {
          const header = ['NAME', 'STATUS', 'OBJECTIVE', 'PARAMETERS', 'AGE'];
          const rows = items.map((t) => [
            t.metadata.name,
            trialState(t),
            objectiveText(t) || '-',
            assignmentsText(t.spec),
            age(t.metadata.creationTimestamp),
          ]);
          out.write(items.length ? `${formatTable(header, rows)}\n` : 'No trials found.\n');
        }
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}

function normaliseKind(kind: string): 'experiment' | 'trial' | 'suggestion' {
  const k = kind.toLowerCase();
  if (k === 'experiment' || k === 'experiments' || k === 'exp') return 'experiment';
  if (k === 'trial' || k === 'trials') return 'trial';
  if (k === 'suggestion' || k === 'suggestions') return 'suggestion';
  throw new UsageError(`katib get: unknown kind "${kind}" (use experiments, trials or suggestions)`);
}

/**
 * The Suggestion of experiment `name`, or of every experiment that has asked for suggestions.
 * @throws NotFoundError when the named experiment does not exist or has no suggestion yet.
 */
export async function suggestionsOf(store: ExperimentStore, name: string | undefined): Promise<Suggestion[]> {
  const experiments = name
    ? [await store.read.getExperiment(name)].filter((x) => x !== undefined)
    : await store.read.listExperiments();
  if (name && experiments.length === 0)
    throw new NotFoundError(`suggestion "${name}" not found: no such experiment`);
  const out: Suggestion[] = [];
  for (const { experiment } of experiments) {
    const state = await store.read.getAlgorithmState(experiment.metadata.name);
    if (!state) continue;
    const trials = await store.read.listTrials(experiment.metadata.name);
    out.push(
      toSuggestion(
        experiment,
        state,
        trials.map((t) => t.trial),
      ),
    );
  }
  if (name && out.length === 0)
    throw new NotFoundError(
      `suggestion "${name}" not found: experiment ${name} has not asked for suggestions yet`,
    );
  return out;
}

function list(items: readonly unknown[]): unknown {
  return { apiVersion: 'v1', kind: 'List', items };
}
