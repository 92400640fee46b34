/** `katib logs TRIAL [--stderr] [-f]`: a trial's output, kept in its directory. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { NotFoundError, isTerminalPhase, trialPhase } from '../../api/index.js';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';

/** Options of `katib logs`. */
export interface LogsOptions extends GlobalOptions {
  readonly stderr?: boolean;
  readonly follow?: boolean;
}

/** Runs `katib logs`. Returns the exit code. */
export async function logsCommand(
  trialName: string,
  opts: LogsOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const ctx = resolveContext(opts);
  const store = await openContextStore(ctx);
  try {
    const stored = await store.read.getTrial(trialName);
    if (!stored) throw new NotFoundError(`trial "${trialName}" not found`);
    const dir = stored.runtime?.workDir ?? path.join(ctx.trialsDir, trialName);
    const file = path.join(dir, opts.stderr ? 'stderr.log' : 'stdout.log');
    let offset = 0;
    const readMore = async (): Promise<void> => {
      let handle;
      try {
        handle = await fs.open(file, 'r');
      } catch {
        return;
      }
      try {
        const { size } = await handle.stat();
        if (size > offset) {
          const buf = Buffer.alloc(size - offset);
          await handle.read(buf, 0, buf.length, offset);
          offset = size;
          out.write(buf);
        }
      } finally {
        await handle.close();
      }
    };
    await readMore();
    if (offset === 0 && !opts.follow) {
      try {
        await fs.access(file);
      } catch {
        throw new NotFoundError(
          `trial "${trialName}" has no ${opts.stderr ? 'stderr' : 'stdout'} log (it has not run here yet)`,
        );
      }
    }
    while (opts.follow) {
      const cur = await store.read.getTrial(trialName);
      if (!cur || isTerminalPhase(trialPhase(cur.trial.status))) {
        await readMore();
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
      await readMore();
    }
    return 0;
  } finally {
    await store.close();
  }
}
