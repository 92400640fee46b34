/** `katib get experiments|experiment NAME|trials EXPERIMENT|trial NAME` with `-o json|yaml|wide|name`. */
import { NotFoundError, type Experiment, type Trial } from '../../api/index.js';
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

function normaliseKind(kind: string): 'experiment' | 'trial' {
  const k = kind.toLowerCase();
  if (k === 'experiment' || k === 'experiments' || k === 'exp') return 'experiment';
  if (k === 'trial' || k === 'trials') return 'trial';
  throw new UsageError(`katib get: unknown kind "${kind}" (use experiments or trials)`);
}

function list(items: readonly unknown[]): unknown {
  return { apiVersion: 'v1', kind: 'List', items };
}
