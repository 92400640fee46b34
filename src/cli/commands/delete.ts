/** `katib delete experiment NAME`: removes the experiment, its trials, logs and trial directories. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';
import { UsageError } from '../output.js';

/** Runs `katib delete`. Returns the exit code. */
export async function deleteCommand(
  kind: string,
  name: string,
  opts: GlobalOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const k = kind.toLowerCase().replace(/s$/, '');
  if (k !== 'experiment') throw new UsageError(`katib delete: unknown kind "${kind}" (use experiment)`);
  const ctx = resolveContext(opts);
  const store = await openContextStore(ctx);
  try {
    const trials = await store.read.listTrials(name);
    await store.transaction((tx) => tx.deleteExperiment(name));
    for (const t of trials) {
      const dir = t.runtime?.workDir ?? path.join(ctx.trialsDir, t.trial.metadata.name);
      if (path.resolve(dir).startsWith(path.resolve(ctx.trialsDir) + path.sep))
        await fs.rm(dir, { recursive: true, force: true });
    }
    out.write(`experiment.kubeflow.org "${name}" deleted (${trials.length} trials)\n`);
    return 0;
  } finally {
    await store.close();
  }
}
