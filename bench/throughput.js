// Throughput: a whole experiment of N trials with a trivial in-process objective and random
// search, state durable in SQLite, against Optuna's study.optimize (in memory and SQLite).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, search, tune } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_TRIALS ?? 1000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * One tune() run in a fresh SQLite file; returns trials per second and main-thread-plus-workers
 * CPU milliseconds per trial. `synchronous` picks the store's durability (undefined: the default).
 */
async function ours(trials, synchronous) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'katib-bench-'));
  const file = path.join(dir, 'bench.db');
  try {
    const store = synchronous === undefined ? file : await openStore(file, { synchronous });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await tune({
      name: 'bench',
      objective: (p) => (Number(p.x) - 1) ** 2 + (Number(p.y) + 2) ** 2,
      parameters: { x: search.double(-5, 5), y: search.double(-5, 5) },
      algorithm: { name: 'random', settings: { random_state: 1 } },
      maxTrialCount: trials,
      parallelTrialCount: 1,
      store,
    });
    if (typeof store !== 'string') await store.close();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (result.status.trialsSucceeded !== trials) throw new Error(`only ${result.status.trialsSucceeded} trials succeeded`);
    return { rate: trials / seconds, cpuMsPerTrial: (cpu.user + cpu.system) / 1000 / trials };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function optuna(py, storage, trials, logging = 'quiet') {
  const out = execFileSync(py, [path.join(here, 'optuna_throughput.py'), storage, String(trials), logging], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(out.trim());
}

/**
 * The cost of one durable-store write transaction on this machine, without any engine around it:
 * BEGIN IMMEDIATE, a ~1 kB row inserted into an indexed table, a small row updated, COMMIT, in a
 * WAL database with synchronous=NORMAL (the store's settings; its fdatasync runs apart). Median
 * microseconds per transaction over 2000.
 */
function commitFloorMicros() {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'katib-bench-floor-'));
  try {
    const db = new Database(path.join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, body TEXT, changed INTEGER);' +
        'CREATE INDEX t_changed ON t (changed); CREATE TABLE s (k TEXT PRIMARY KEY, v TEXT);',
    );
    db.prepare('INSERT INTO s VALUES (?, ?)').run('k', '{}');
    const insert = db.prepare('INSERT INTO t (name, body, changed) VALUES (?, ?, ?)');
    const update = db.prepare('UPDATE s SET v = ? WHERE k = ?');
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    const body = JSON.stringify({ spec: 'x'.repeat(1000) });
    const times = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      begin.run();
      insert.run(`trial-${i}`, body, i);
      update.run(`{"suggestionCount":${i}}`, 'k');
      commit.run();
      times.push(performance.now() - t0);
    }
    db.close();
    return median(times) * 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NOTES = `How katib-ts keeps this durable. Every state change is a committed SQLite transaction (WAL):
about two per trial — the trial's creation with the suggestion state, and its start, metrics and
end together — so a crash of the process loses no completed trial and never runs one assignment
as two trials. Commits reach the disk through a group commit: the store fdatasyncs the WAL off the
event loop, one sync covering every commit before it (SQLite's synchronous=FULL is exactly that
sync after each commit). For in-process trials, which cannot outlive the engine, the bookkeeping
does not wait for the sync (a power cut can lose the last few milliseconds, which the experiment
then redoes); the experiment's completion does, and every external workload (katib run, cluster)
still starts only after its trial is on disk. Checkpoints run in a worker thread. The controller
reads only the trials that changed (a per-experiment change counter), keeps the trial summary
incrementally, and writes the experiment status (which lists every trial) at most every 50 ms
while an in-process experiment runs. The "SQLITE-FULL" row makes every commit wait for its own
fsync inside SQLite, as the store did before: it shows what one disk sync per write costs here.

Where the time goes (profile of 1000 trials, ~0.8–1 ms CPU per trial): about 20 SQL statements
and the two commits, a little under half of it (better-sqlite3 runs them synchronously on the main
thread); the rest is JavaScript: the controller's level-triggered pass (read the experiment, the
algorithm state and the changed trials, recompute the status), JSON (de)serialisation and freezing
of the trial snapshots the store hands out (a trial is a full Katib object of ~1 kB plus its status),
the suggestion call, runner events, promises and garbage collection. Optuna's in-memory study keeps
Python objects in a list and writes nothing. The commit cap above is not what holds katib-ts back:
durable commits leave room for an in-memory loop's rate on this disk; the engine's own work per trial
(a level-triggered controller built for external workloads, around 0.8 ms) is, and reaching parity
means cutting it to about a tenth. Committing several trials per transaction is not the way: a crash
of the process could then lose trials that had completed and been seen by the algorithm. Against
Optuna with a durable SQLite store (the like-for-like comparison) katib-ts is far ahead (see the table).`;

/** Runs the benchmark; returns a Markdown section. */
export async function throughput({ py, hasPeer }) {
  const rows = [];
  const runs = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await ours(N));
  const oursRate = median(runs.map((r) => r.rate));
  const cpu = median(runs.map((r) => r.cpuMsPerTrial));
  rows.push([`katib-ts tune(), random, SQLite (WAL, group commit) store`, oursRate.toFixed(0), '1.00']);
  const fullRuns = [];
  const fullTrials = Math.min(N, 300);
  for (let i = 0; i < REPEATS; i++) fullRuns.push(await ours(fullTrials, 'SQLITE-FULL'));
  const fullRate = median(fullRuns.map((r) => r.rate));
  rows.push([
    `katib-ts tune(), SQLite store with SQLITE-FULL (an fsync in every commit; ${fullTrials} trials)`,
    fullRate.toFixed(0),
    (oursRate / fullRate).toFixed(2),
  ]);
  let bar = 'Bar (durable katib-ts at least as fast as Optuna in memory): not measured (no Optuna).';
  if (hasPeer) {
    const mem = median(Array.from({ length: REPEATS }, () => optuna(py, 'memory', N)));
    const memLog = median(Array.from({ length: REPEATS }, () => optuna(py, 'memory', N, 'log')));
    const sqlTrials = Math.min(N, 300);
    const sql = median(Array.from({ length: REPEATS }, () => optuna(py, 'sqlite', sqlTrials)));
    rows.push([
      'Optuna 3.x study.optimize, RandomSampler, in memory (per-trial log off)',
      mem.toFixed(0),
      (oursRate / mem).toFixed(2),
    ]);
    rows.push([
      'Optuna study.optimize, RandomSampler, in memory, as it runs by default (an INFO line per trial)',
      memLog.toFixed(0),
      (oursRate / memLog).toFixed(2),
    ]);
    rows.push([`Optuna study.optimize, RandomSampler, SQLite (${sqlTrials} trials)`, sql.toFixed(0), (oursRate / sql).toFixed(2)]);
    bar =
      oursRate >= mem
        ? `Bar (durable katib-ts at least as fast as Optuna in memory): **met** (${(oursRate / mem).toFixed(2)}×).`
        : `Bar (durable katib-ts at least as fast as Optuna in memory, log off): **MISSED** (${(oursRate / mem).toFixed(2)}×; see below).`;
  }
  const floor = commitFloorMicros();
  return `## Throughput: ${N} trials, trivial objective, random search

Median of ${REPEATS} runs. "ours ÷ peer" above 1 means katib-ts (first row) is faster.
katib-ts used ${cpu.toFixed(2)} ms of CPU per trial (median; all threads, including start-up).
Load average while measuring: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}.

| engine | trials/s | ours ÷ peer |
|---|---|---|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

${bar}

One durable write transaction alone (BEGIN IMMEDIATE, a 1 kB row into an indexed table, a small
update, COMMIT; WAL, synchronous=NORMAL, no engine around it) takes ${floor.toFixed(1)} µs here (median of
2000): with a committed transaction for a trial's creation and another for its end, commits alone
cap a durable engine at ${Math.round(1e6 / (2 * floor))} trials/s on this disk before it does any other work.

${NOTES}
`;
}

// `node bench/throughput.js` runs this benchmark alone (bench/run.js runs them all).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let hasPeer = true;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import optuna'], { stdio: 'ignore' });
  } catch {
    hasPeer = false;
  }
  console.log(await throughput({ py: '/usr/bin/python3', hasPeer }));
}
