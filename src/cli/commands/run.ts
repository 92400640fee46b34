/**
 * `katib run FILE`: admits the experiment, creates or resumes it in the store, runs its trials as
 * local processes with a live progress line, and prints the optimal trial at the end.
 * Ctrl-C stops the trials cleanly; running the same command again continues the experiment.
 */
import path from 'node:path';
import { loadExperimentFile, type Experiment } from '../../api/index.js';
import { RoutingSuggestionService, resolveSuggestionConfig } from '../../suggestion/index.js';
import { LocalProcessRunner } from '../../runners/index.js';
import { DB_MANAGER_ADDRESS_ENV } from '../../sdk/report-metrics.js';
import { API_URL_ENV, DBManagerServer, MetricsHttpServer } from '../../server/index.js';
import {
  Controller,
  SOURCE_DIR_ANNOTATION,
  admitExperimentWith,
  submitExperiment,
} from '../../controller/index.js';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';
import { ProgressLine } from '../progress.js';
import { experimentState, optimalTrialLines } from '../summary.js';
import { formatObject, parseOutputFormat } from '../output.js';

/** Options of `katib run`. */
export interface RunOptions extends GlobalOptions {
  readonly output?: string;
  /** Print one line per finished trial even on a terminal. */
  readonly plain?: boolean;
  /**
   * KatibConfig file whose `runtime.suggestions` say which algorithms are served by external
   * services. @default `.katib/config.yaml` when present, else every algorithm in-process
   */
  readonly config?: string;
}

/** Runs `katib run`. Returns the exit code: 0 Succeeded, 1 Failed, 130 interrupted. */
export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const err = process.stderr;
  const raw = await loadExperimentFile(file);
  const config = await resolveSuggestionConfig(opts.config);
  const ctx = resolveContext(opts);
  let notify = (line: string): void => void err.write(`notice: ${line}\n`);
  const suggestions = new RoutingSuggestionService({
    ...(config ? { config } : {}),
    logDir: path.join(path.dirname(ctx.dbPath), 'suggestions'),
    log: (line) => notify(line),
  });
  try {
    return await runWith(file, raw, opts, suggestions, (f) => (notify = f));
  } finally {
    await suggestions.close();
  }
}

async function runWith(
  file: string,
  raw: unknown,
  opts: RunOptions,
  suggestions: RoutingSuggestionService,
  setNotify: (sink: (line: string) => void) => void,
): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  const format = opts.output ? parseOutputFormat(opts.output) : undefined;
  const algorithmName = (raw as { spec?: { algorithm?: { algorithmName?: unknown } } } | null)?.spec
    ?.algorithm?.algorithmName;
  const deadlineMs = typeof algorithmName === 'string' ? suggestions.deadlineMsFor(algorithmName) : undefined;
  if (typeof algorithmName === 'string') {
    const route = suggestions.routeOf(algorithmName);
    if (route.kind === 'endpoint')
      err.write(`algorithm ${algorithmName} is served by ${route.entry.endpoint} (${route.entry.path})\n`);
    else if (route.kind === 'command')
      err.write(
        `algorithm ${algorithmName} is served by a started service (${route.entry.path}; log ${suggestions.logFileOf(algorithmName) ?? '-'})\n`,
      );
  }
  const admitted = await admitExperimentWith(raw, {
    suggestions,
    isExternal: (name) => suggestions.isExternal(name),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    onUnverified: (message) => err.write(`notice: ${message}\n`),
  });
  const experiment: Experiment = {
    ...admitted,
    metadata: {
      ...admitted.metadata,
      annotations: {
        ...(admitted.metadata.annotations ?? {}),
        [SOURCE_DIR_ANNOTATION]: path.dirname(path.resolve(file)),
      },
    },
  };
  const ctx = resolveContext(opts);
  const store = await openContextStore(ctx);
  try {
    const { action, experiment: current } = await submitExperiment(store, experiment);
    const name = experiment.metadata.name;
    const verb = {
      created: 'created',
      resumed: 'resuming',
      updated: 'updated; continuing',
      completed: 'already completed',
    }[action];
    err.write(
      `experiment ${name} ${verb} (state in ${path.relative(process.cwd(), ctx.dbPath) || ctx.dbPath})\n`,
    );
    if (action === 'completed') {
      printResult(current, format, out);
      return exitCodeFor(current);
    }
    const notices = new Set<string>();
    const progress = new ProgressLine({
      stream: err,
      interactive: Boolean(err.isTTY) && !opts.plain,
      startedAt: Date.now(),
    });
    const runner = new LocalProcessRunner({
      log: (line: string) => {
        if (!notices.has(line)) {
          notices.add(line);
          progress.notice(`notice: ${line}`);
        }
      },
    });
    setNotify((line) => progress.notice(`notice: ${line}`));
    // Push (and Custom) trials report their metrics themselves, through Katib's DBManager API:
    // serve it on this store for the run, and tell the trials where (KATIB_DB_MANAGER_ADDRESS).
    const collectorKind = current.spec.metricsCollectorSpec.collector?.kind;
    const pushes = collectorKind === 'Push' || collectorKind === 'Custom';
    const dbManager = pushes ? await DBManagerServer.start({ store, host: '127.0.0.1', port: 0 }) : undefined;
    const restPush = pushes ? await MetricsHttpServer.start({ store }) : undefined;
    if (dbManager && restPush)
      err.write(
        `trials push metrics to the db-manager on ${dbManager.address} (gRPC) or to ${restPush.url} (REST)\n`,
      );
    const controller = Controller.create({
      store,
      suggestions,
      ...(deadlineMs !== undefined ? { suggestionDeadlineMs: deadlineMs } : {}),
      runner,
      trialsDir: ctx.trialsDir,
      ...(dbManager && restPush
        ? { trialEnv: { [DB_MANAGER_ADDRESS_ENV]: dbManager.address, [API_URL_ENV]: restPush.url } }
        : {}),
      killOrphan: (trialName, pgid) => LocalProcessRunner.killOrphanedProcessGroup(pgid, trialName),
    });
    controller.on((e) => {
      if (e.type === 'experiment' && e.experiment.metadata.name === name) progress.update(e.experiment);
      else if (e.type === 'notice') progress.notice(`notice: ${e.message}`);
    });
    let interrupted = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted) {
        err.write('\nforced exit; trials may still be running and are re-run on resume\n');
        process.exit(130);
      }
      interrupted = true;
      progress.stop();
      err.write(`\n${signal}: stopping running trials (press Ctrl-C again to force)…\n`);
      void controller.shutdown({ interrupt: true }).then(() => {
        err.write(`interrupted; run \`katib run ${file}\` again to resume experiment ${name}\n`);
        finishInterrupted?.();
      });
    };
    let finishInterrupted: (() => void) | undefined;
    const interruptedPromise = new Promise<'interrupted'>((resolve) => {
      finishInterrupted = () => resolve('interrupted');
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const result = await Promise.race([controller.runUntilComplete(name), interruptedPromise]);
      if (result === 'interrupted') return 130;
      await controller.shutdown({ interrupt: false });
      progress.stop();
      printResult(result.experiment, format, out);
      return exitCodeFor(result.experiment);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress.stop();
      await dbManager?.close();
      await restPush?.close();
    }
  } finally {
    await store.close();
  }
}

function exitCodeFor(e: Experiment): number {
  return e.status?.conditions.some((c) => c.type === 'Failed' && c.status === 'True') ? 1 : 0;
}

function printResult(
  e: Experiment,
  format: ReturnType<typeof parseOutputFormat> | undefined,
  out: NodeJS.WritableStream,
): void {
  if (format === 'json' || format === 'yaml') {
    out.write(`${formatObject(e, format)}\n`);
    return;
  }
  const last = e.status?.conditions.find(
    (c) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True',
  );
  const s = e.status;
  out.write(
    `Experiment ${e.metadata.name} ${experimentState(e)}${last ? ` (${last.reason}: ${last.message})` : ''}\n` +
      `Trials: ${s?.trials ?? 0} (${s?.trialsSucceeded ?? 0} succeeded, ${s?.trialsFailed ?? 0} failed, ` +
      `${s?.trialMetricsUnavailable ?? 0} metrics unavailable, ${s?.trialsKilled ?? 0} killed)\n`,
  );
  out.write(`${optimalTrialLines(e).join('\n')}\n`);
}
