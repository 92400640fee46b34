/**
 * Durability across a real process crash: a child process commits transactions through the built
 * SqliteStore (dist/, which `npm test` builds first) and is killed with SIGKILL mid-stream. After
 * each kill the file must hold every transaction the child reported as committed, each one whole,
 * and pass SQLite's integrity check. Skipped, with a notice, only when dist/store/index.js is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyExperimentStatus } from '../../src/api/experiment.js';
import { SqliteStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';

const DIST_STORE = fileURLToPath(new URL('../../dist/store/index.js', import.meta.url));
const built = existsSync(DIST_STORE);
if (!built) {
  console.warn(`store-crash: skipped, ${DIST_STORE} is missing; run \`npm run build\` (npm test does) first`);
}

const EXPERIMENT = 'crash';
const LOGS_PER_TRIAL = 20;
const ROUNDS = 3;

/** The child: resumes after what is committed, then commits one trial per transaction forever. */
const CHILD = `
import { SqliteStore } from process.argv[2];
const [, , , dbPath, experiment, templateJson, logsPerTrial] = process.argv;
const template = JSON.parse(templateJson);
const store = await SqliteStore.open(dbPath);
const start = (await store.read.getExperiment(experiment)).experiment.status.trials;
for (let i = start; ; i++) {
  const name = experiment + '-' + i;
  await store.transaction(async (tx) => {
    await tx.createTrial({ ...template, metadata: { ...template.metadata, name } }, { attempt: 1, pgid: process.pid });
    const logs = Array.from({ length: Number(logsPerTrial) }, (_, step) => ({
      timeStamp: new Date().toISOString(), metricName: 'loss', value: String(i + step / 100), step: step + 1,
    }));
    await tx.appendObservations(name, logs);
    const current = await tx.getExperiment(experiment);
    await tx.updateExperimentStatus(experiment, { ...current.experiment.status, trials: i + 1 }, current.version);
  });
  process.stdout.write('committed ' + i + '\\n');
}
`.replace(
  'import { SqliteStore } from process.argv[2];',
  `import { SqliteStore } from ${JSON.stringify(pathToFileURL(DIST_STORE).href)};`,
);

/** Runs the child until it has reported `atLeast` more commits, kills it, returns what it reported. */
function runAndKill(script: string, dbPath: string, atLeast: number): Promise<number[]> {
  const template = JSON.stringify(trialFixture(EXPERIMENT, 'template', 'Running'));
  const child = spawn(process.execPath, [script, '', dbPath, EXPERIMENT, template, String(LOGS_PER_TRIAL)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reported: number[] = [];
  let stderr = '';
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) reported.push(Number(line.replace('committed ', '')));
      if (reported.length >= atLeast && child.exitCode === null && !child.killed) {
        // Let it run a moment more so the kill lands at an arbitrary point of a transaction.
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 5));
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`child exited with ${code ?? signal} before it was killed:\n${stderr}`));
    });
  });
}

describe('SqliteStore durability across SIGKILL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'katib-crash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!built)('keeps every reported commit, whole, and an intact file', async () => {
    const dbPath = join(dir, 'katib.db');
    const script = join(dir, 'child.mjs');
    await writeFile(script, CHILD);
    const setup = await SqliteStore.open(dbPath);
    await setup.transaction(async (tx) => {
      await tx.createExperiment({ ...experimentFixture(EXPERIMENT), status: emptyExperimentStatus() });
    });
    await setup.close();

    let everReported = -1;
    for (let round = 0; round < ROUNDS; round++) {
      const reported = await runAndKill(script, dbPath, 60);
      expect(reported.length).toBeGreaterThanOrEqual(60);
      everReported = Math.max(everReported, ...reported);

      const raw = new Database(dbPath);
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(raw.pragma('foreign_key_check')).toEqual([]);
      } finally {
        raw.close();
      }

      const store = await SqliteStore.open(dbPath);
      try {
        const trials = await store.read.listTrials(EXPERIMENT);
        const committed = (await store.read.getExperiment(EXPERIMENT))?.experiment.status?.trials;
        // Every transaction is whole: the counter, the trials and their logs agree.
        expect(committed).toBe(trials.length);
        expect(trials.map((t) => t.trial.metadata.name)).toEqual(
          Array.from({ length: trials.length }, (_, i) => `${EXPERIMENT}-${i}`),
        );
        // Nothing reported as committed is lost (at most the one in flight at the kill is extra).
        expect(trials.length).toBeGreaterThanOrEqual(everReported + 1);
        expect(trials.length).toBeLessThanOrEqual(everReported + 2);
        for (const t of [trials[0]!, trials[trials.length - 1]!]) {
          expect(await store.read.getObservationLog(t.trial.metadata.name)).toHaveLength(LOGS_PER_TRIAL);
        }
        const logCounts = new Set(
          await Promise.all(
            trials.map(async (t) => (await store.read.getObservationLog(t.trial.metadata.name)).length),
          ),
        );
        expect([...logCounts]).toEqual([LOGS_PER_TRIAL]);
      } finally {
        await store.close();
      }
    }
  });
});
