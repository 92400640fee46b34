// A worker process of bench/quality.js: runs our algorithms on one job at a time (messages in,
// results out over the fork IPC channel), so two runs can proceed on two cores.
import { runOurs } from './ours.js';
import { problem } from './problems.js';

process.on('message', async (job) => {
  try {
    const result = await runOurs({ ...job, problem: problem(job.problem) });
    process.send({ id: job.id, result });
  } catch (err) {
    const details = Array.isArray(err?.errors)
      ? ` ${err.errors.map((e) => `${e.path ?? ''} ${e.message ?? ''}`.trim()).join('; ')}`
      : '';
    process.send({ id: job.id, error: `${err instanceof Error ? err.message : String(err)}${details}` });
  }
});
process.on('disconnect', () => process.exit(0));
