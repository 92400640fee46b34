/**
 * `katib describe experiment NAME` / `katib describe trial NAME` / `katib describe suggestion NAME`:
 * kubectl-describe-style reports.
 */
import { NotFoundError, type Condition } from '../../api/index.js';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';
import { UsageError, age, formatTable } from '../output.js';
import {
  assignmentsText,
  experimentState,
  objectiveText,
  optimalTrialLines,
  trialState,
} from '../summary.js';
import { suggestionsOf } from './get.js';

/** Runs `katib describe`. Returns the exit code. */
export async function describeCommand(
  kind: string,
  name: string,
  opts: GlobalOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const store = await openContextStore(resolveContext(opts));
  try {
    const k = kind.toLowerCase().replace(/s$/, '');
    if (k === 'experiment') {
      const stored = await store.read.getExperiment(name);
      if (!stored) throw new NotFoundError(`experiment "${name}" not found`);
      const e = stored.experiment;
      const s = e.status;
      const spec = e.spec;
      const lines: string[] = [
        `Name:            ${e.metadata.name}`,
        `Status:          ${experimentState(e)}`,
        `Started:         ${s?.startTime ?? '-'}`,
        `Completed:       ${s?.completionTime ?? '-'}`,
        `Objective:       ${spec.objective.type} ${spec.objective.objectiveMetricName}` +
          (spec.objective.goal !== undefined ? ` (goal ${spec.objective.goal})` : '') +
          (spec.objective.additionalMetricNames?.length
            ? `; also ${spec.objective.additionalMetricNames.join(', ')}`
            : ''),
        `Algorithm:       ${spec.algorithm.algorithmName}` +
          (spec.algorithm.algorithmSettings?.length
            ? ` (${spec.algorithm.algorithmSettings.map((x) => `${x.name}=${x.value}`).join(', ')})`
            : ''),
        `Trial counts:    max ${spec.maxTrialCount ?? 'unbounded'}, parallel ${spec.parallelTrialCount}, max failed ${spec.maxFailedTrialCount ?? 'unbounded'}`,
        `Resume policy:   ${spec.resumePolicy}`,
        'Parameters:',
        ...(spec.parameters ?? []).map((p) => {
          const fs = p.feasibleSpace;
          const range = fs.list
            ? `[${fs.list.join(', ')}]`
            : `[${fs.min}, ${fs.max}]${fs.step ? ` step ${fs.step}` : ''}`;
          return `  ${p.name}: ${p.parameterType} ${range}${fs.distribution && fs.distribution !== 'uniform' ? ` ${fs.distribution}` : ''}`;
        }),
        'Trials:',
        `  total ${s?.trials ?? 0}, succeeded ${s?.trialsSucceeded ?? 0}, running ${s?.trialsRunning ?? 0}, pending ${s?.trialsPending ?? 0}, ` +
          `failed ${s?.trialsFailed ?? 0}, metrics unavailable ${s?.trialMetricsUnavailable ?? 0}, killed ${s?.trialsKilled ?? 0}, early stopped ${s?.trialsEarlyStopped ?? 0}`,
        ...optimalTrialLines(e),
        'Conditions:',
        indent(conditionsTable(s?.conditions ?? [])),
      ];
      out.write(`${lines.join('\n')}\n`);
      return 0;
    }
    if (k === 'trial') {
      const stored = await store.read.getTrial(name);
      if (!stored) throw new NotFoundError(`trial "${name}" not found`);
      const t = stored.trial;
      const lines = [
        `Name:         ${t.metadata.name}`,
        `Experiment:   ${stored.experimentName}`,
        `Status:       ${trialState(t)}`,
        `Parameters:   ${assignmentsText(t.spec)}`,
        `Objective:    ${objectiveText(t) || '-'}`,
        `Started:      ${t.status.startTime ?? '-'}`,
        `Completed:    ${t.status.completionTime ?? '-'}`,
        `Attempts:     ${stored.runtime?.attempt ?? 0}`,
        ...(stored.runtime?.workDir ? [`Directory:    ${stored.runtime.workDir}`] : []),
        'Metrics:',
        ...(t.status.observation?.metrics ?? []).map(
          (m) => `  ${m.name}: latest=${m.latest} min=${m.min} max=${m.max}`,
        ),
        'Conditions:',
        indent(conditionsTable(t.status.conditions)),
      ];
      out.write(`${lines.join('\n')}\n`);
      return 0;
    }
    if (k === 'suggestion') {
      const [x] = await suggestionsOf(store, name);
      if (!x) throw new NotFoundError(`suggestion "${name}" not found`);
      const a = x.spec.algorithm;
      const settings = (list: readonly { name: string; value?: string }[] | undefined): string =>
        list?.length ? list.map((v) => `${v.name}=${v.value ?? ''}`).join(', ') : '<none>';
      const lines = [
        `Name:                ${x.metadata.name}`,
        `API Version:         ${x.apiVersion}`,
        `Kind:                ${x.kind}`,
        `Experiment:          ${x.metadata.name}`,
        `Algorithm:           ${a.algorithmName}`,
        `  Settings:          ${settings(a.algorithmSettings)}`,
        `Requests:            ${x.spec.requests}`,
        `Resume policy:       ${x.spec.resumePolicy ?? '-'}`,
        `Suggestion count:    ${x.status.suggestionCount}`,
        `Algorithm settings:  ${settings(x.status.algorithmSettings)}`,
        `Started:             ${x.status.startTime ?? '-'}`,
        `Completed:           ${x.status.completionTime ?? '-'}`,
        'Conditions:',
        indent(conditionsTable(x.status.conditions)),
      ];
      out.write(`${lines.join('\n')}\n`);
      return 0;
    }
    throw new UsageError(`katib describe: unknown kind "${kind}" (use experiment, trial or suggestion)`);
  } finally {
    await store.close();
  }
}

function conditionsTable(conditions: readonly Condition[]): string {
  if (conditions.length === 0) return '<none>';
  return formatTable(
    ['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'],
    conditions.map((c) => [c.type, c.status, c.reason, age(c.lastTransitionTime), c.message]),
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
