/**
 * The `katib` command line: run, validate, get, describe, logs, delete.
 *
 * ```sh
 * katib run examples/quadratic-random.yaml
 * katib get trials quadratic-random -o yaml
 * ```
 */
import { Command, CommanderError } from 'commander';
import { KatibError, SpecError } from '../api/index.js';
import { dbManagerCommand } from './commands/db-manager.js';
import { deleteCommand } from './commands/delete.js';
import { earlyStoppingServerCommand } from './commands/earlystopping-server.js';
import { describeCommand } from './commands/describe.js';
import { getCommand } from './commands/get.js';
import { logsCommand } from './commands/logs.js';
import { runCommand } from './commands/run.js';
import { suggestionServerCommand } from './commands/suggestion-server.js';
import { validateCommand } from './commands/validate.js';
import { UsageError } from './output.js';

export { ProgressLine } from './progress.js';

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = new Command('katib')
    .description('Katib-compatible hyperparameter tuning: Katib v1beta1 Experiments, run locally')
    .option('--db <path>', 'SQLite state file (default: $KATIB_DB or .katib/katib.db)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const globals = (): { db?: string } => {
    const o = program.opts<{ db?: string }>();
    return o.db !== undefined ? { db: o.db } : {};
  };

  program
    .command('run')
    .description('run an Experiment file: create it, or resume it if it exists')
    .argument('<file>', 'Experiment YAML or JSON (kubeflow.org/v1beta1)')
    .option('-o, --output <format>', 'print the final experiment as json or yaml')
    .option('--plain', 'one line per finished trial instead of a live line')
    .option(
      '--config <file>',
      'KatibConfig whose runtime.suggestions send algorithms to external Suggestion services (default: .katib/config.yaml when present)',
    )
    .action(async (file: string, o: { output?: string; plain?: boolean; config?: string }) => {
      code = await runCommand(file, { ...globals(), ...o });
    });
  program
    .command('validate')
    .description('check an Experiment file against every Katib rule; exit 1 if any is broken')
    .argument('<file>')
    .action(async (file: string) => {
      code = await validateCommand(file, process.stdout);
    });
  program
    .command('get')
    .description('list experiments or trials (kubectl style)')
    .argument('<kind>', 'experiments | experiment | trials | trial | suggestions | suggestion')
    .argument('[name]', 'experiment name (for trials: the experiment whose trials to list)')
    .option('-o, --output <format>', 'json | yaml | wide | name')
    .action(async (kind: string, name: string | undefined, o: { output?: string }) => {
      code = await getCommand(kind, name, { ...globals(), ...o }, process.stdout);
    });
  program
    .command('describe')
    .description('show an experiment or trial: status, optimal trial, conditions')
    .argument('<kind>', 'experiment | trial | suggestion')
    .argument('<name>')
    .action(async (kind: string, name: string) => {
      code = await describeCommand(kind, name, globals(), process.stdout);
    });
  program
    .command('logs')
    .description("print a trial's output")
    .argument('<trial>')
    .option('--stderr', 'print stderr instead of stdout')
    .option('-f, --follow', 'keep printing until the trial ends')
    .action(async (trial: string, o: { stderr?: boolean; follow?: boolean }) => {
      code = await logsCommand(trial, { ...globals(), ...o }, process.stdout);
    });
  program
    .command('delete')
    .description('delete an experiment with its trials and logs')
    .argument('<kind>', 'experiment')
    .argument('<name>')
    .action(async (kind: string, name: string) => {
      code = await deleteCommand(kind, name, globals(), process.stdout);
    });

  program
    .command('suggestion-server')
    .description("serve Katib's Suggestion gRPC API over katib-ts's algorithms")
    .option('--algorithm <name>', 'serve only this algorithm (like a Katib per-algorithm image)')
    .option('--port <port>', 'port to listen on', '6789')
    .option('--host <host>', 'address to bind (only 127.0.0.1 unless told otherwise)', '127.0.0.1')
    .action(async (o: { algorithm?: string; port?: string; host?: string }) => {
      code = await suggestionServerCommand(o);
    });

  program
    .command('db-manager')
    .description("serve Katib's DBManager gRPC API (observation logs) on this store")
    .option('--port <port>', 'port to listen on', '6789')
    .option('--host <host>', 'address to bind (only 127.0.0.1 unless told otherwise)', '127.0.0.1')
    .action(async (o: { port?: string; host?: string }) => {
      code = await dbManagerCommand({ ...globals(), ...o });
    });

  program
    .command('earlystopping-server')
    .description("serve Katib's EarlyStopping gRPC API (medianstop; SetTrialStatus on this store)")
    .option('--port <port>', 'port to listen on', '6788')
    .option('--host <host>', 'address to bind (only 127.0.0.1 unless told otherwise)', '127.0.0.1')
    .action(async (o: { port?: string; host?: string }) => {
      code = await earlyStoppingServerCommand({ ...globals(), ...o });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    return reportError(err);
  }
}

/** Prints a user-facing error (never a stack trace for a user mistake) and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof SpecError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  if (err instanceof KatibError || err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`katib: internal error: ${message}\n`);
  if (process.env['KATIB_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(set KATIB_DEBUG=1 for a stack trace)\n');
  return 70;
}
