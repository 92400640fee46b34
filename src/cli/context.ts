/** Where the CLI keeps its state: `.katib/` of the working directory unless told otherwise. */
import path from 'node:path';
import { openStore, type ExperimentStore } from '../store/index.js';

/** Options every command accepts. */
export interface GlobalOptions {
  /** SQLite file; default `$KATIB_DB` or `.katib/katib.db`. */
  readonly db?: string;
}

/** The resolved state locations. */
export interface CliContext {
  readonly dbPath: string;
  /** Root of the per-trial directories, beside the database. */
  readonly trialsDir: string;
}

/** Resolves the database path and trials directory. */
export function resolveContext(opts: GlobalOptions): CliContext {
  const dbPath = path.resolve(opts.db || process.env['KATIB_DB'] || path.join('.katib', 'katib.db'));
  return { dbPath, trialsDir: path.join(path.dirname(dbPath), 'trials') };
}

/** Opens the store of a context. */
export function openContextStore(ctx: CliContext): Promise<ExperimentStore> {
  return openStore(ctx.dbPath);
}
