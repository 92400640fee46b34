// One whole tune() experiment in its own process, for bench/throughput.js's whole-run rows:
// `node bench/tune-once.js <trials>` imports the package, runs <trials> random-search trials of a
// trivial objective with state in a fresh SQLite file (the default store settings), prints how
// long the trials took (from the first trial's call to the end) and exits.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { search, tune } from '../dist/index.js';

const trials = Number(process.argv[2] ?? 1000);
/** When the objective first ran (ms since the process started, as performance.now() counts). */
let firstTrialAt;
const dir = mkdtempSync(path.join(os.tmpdir(), 'katib-bench-once-'));
try {
  const result = await tune({
    name: 'bench',
    objective: (p) => {
      firstTrialAt ??= performance.now();
      return (Number(p.x) - 1) ** 2 + (Number(p.y) + 2) ** 2;
    },
    parameters: { x: search.double(-5, 5), y: search.double(-5, 5) },
    algorithm: { name: 'random', settings: { random_state: 1 } },
    maxTrialCount: trials,
    parallelTrialCount: 1,
    store: path.join(dir, 'bench.db'),
  });
  if (result.status.trialsSucceeded !== trials)
    throw new Error(`only ${result.status.trialsSucceeded} trials succeeded`);
  // The loop: from the first trial's call to the experiment's completion.
  console.log(JSON.stringify({ loopSeconds: (performance.now() - firstTrialAt) / 1000 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
