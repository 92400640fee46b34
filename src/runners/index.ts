/**
 * Trial runners: where a trial's workload runs. Embedded mode has two, both behind the
 * {@link TrialRunner} port: {@link LocalProcessRunner} runs the primary container's command and
 * args as a local process group, {@link InProcessRunner} calls a JavaScript function (`tune()`).
 *
 * ```ts
 * import { LocalProcessRunner } from './runners/index.js';
 *
 * const runner = new LocalProcessRunner({ graceMs: 2000 });
 * const off = runner.onEvent((e) => {
 *   if (e.type === 'output') collector.push(e.chunk);
 *   if (e.type === 'exited') console.log(`${e.trialName} exited with ${e.exitCode}`);
 * });
 * await runner.start({ trial, workDir: '.katib/exp-1/trial-abc' }); // stdout.log, stderr.log there
 * await runner.stop(trial.metadata.name, 'EarlyStopped');           // SIGTERM, then SIGKILL
 * await runner.close();                                             // drains the rest
 * off();
 * ```
 */
export type { RunnerEvent, RunnerState, StopReason, TrialRun, TrialRunner } from './trial-runner.js';
export { RunnerClosedError } from './trial-runner.js';
export type { NoticeSink } from './runner-events.js';
export {
  LocalProcessRunner,
  compileLocalProcessRunnerOptions,
  STDERR_FILE,
  STDOUT_FILE,
  TRIAL_NAME_ENV,
  type CompiledLocalProcessRunnerOptions,
  type LocalProcessRunnerOptions,
} from './local-process.js';
export {
  InProcessRunner,
  compileInProcessRunnerOptions,
  paramsFromAssignments,
  type CompiledInProcessRunnerOptions,
  type InProcessContext,
  type InProcessRunnerOptions,
  type Objective,
  type TrialParams,
} from './in-process.js';
