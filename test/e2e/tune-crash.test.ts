/**
 * tune() across a real process crash: a child process runs a fast in-process experiment on a
 * SQLite file (dist/, which `npm test` builds first) and is killed with SIGKILL mid-run, a few
 * times; a last run finishes it. Trial bookkeeping of in-process trials does not wait for the disk
 * (group commit), so this pins what must still hold for a process crash: no trial recorded as
 * finished is ever lost or changed, no assignment runs as two trials, and the experiment finishes
 * with exactly maxTrialCount trials. Skipped, with a notice, only when dist/index.js is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const built = existsSync(DIST);
if (!built) console.warn(`tune-crash: skipped, ${DIST} is missing; run \`npm run build\` first`);

const TRIALS = 400;
const KILLS = 3;

/** The child: tune() on the store file; every call of the objective is logged before it returns. */
const CHILD = `
import { appendFileSync } from 'node:fs';
import { search, tune } from ${JSON.stringify(pathToFileURL(DIST).href)};
const [, , dbPath, logPath, trials] = process.argv;
const result = await tune({
  name: 'crash',
  objective: (p, _report, { trialName }) => {
    appendFileSync(logPath, trialName + ' ' + p.x + ' ' + p.y + '\\n');
    return (Number(p.x) - 1) ** 2 + (Number(p.y) + 2) ** 2;
  },
  parameters: { x: search.double(-5, 5), y: search.double(-5, 5) },
  algorithm: { name: 'random' },
  maxTrialCount: Number(trials),
  store: dbPath,
});
process.stdout.write('done ' + result.status.trialsSucceeded + '\\n');
`;

interface FinishedTrial {
  readonly name: string;
  readonly status: string;
}

/** Trials recorded as Succeeded in the file, read the way a fresh process would. */
function succeeded(dbPath: string): FinishedTrial[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT name, status FROM trials WHERE phase = 'Succeeded' ORDER BY seq")
      .all() as FinishedTrial[];
  } finally {
    db.close();
  }
}

/** Runs the child; with `killAfterLines`, kills it once the objective log has grown that much. */
function run(
  script: string,
  dbPath: string,
  logPath: string,
  killAfterLines?: number,
): Promise<{ stdout: string; killed: boolean }> {
  const child = spawn(process.execPath, [script, dbPath, logPath, String(TRIALS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let timer: NodeJS.Timeout | undefined;
  if (killAfterLines !== undefined) {
    timer = setInterval(() => {
      void readFile(logPath, 'utf8')
        .catch(() => '')
        .then((text) => {
          if (text.split('\n').length > killAfterLines && child.exitCode === null) child.kill('SIGKILL');
        });
    }, 2);
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      if (signal === 'SIGKILL' || code === 0) resolve({ stdout, killed: signal === 'SIGKILL' });
      else reject(new Error(`child exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

describe.skipIf(!built)('tune() across SIGKILL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'katib-tune-crash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every finished trial, never runs one assignment as two trials, and finishes', async () => {
    const script = join(dir, 'child.mjs');
    await writeFile(script, CHILD);
    const dbPath = join(dir, 'katib.db');
    const logPath = join(dir, 'objective.log');
    let before: FinishedTrial[] = [];
    let kills = 0;
    for (let k = 1; k <= KILLS; k++) {
      const { killed } = await run(script, dbPath, logPath, Math.round((TRIALS * k) / (KILLS + 1)));
      if (killed) kills += 1;
      const now = succeeded(dbPath);
      // Nothing recorded as finished before a crash is lost or changed by the next run.
      expect(now.slice(0, before.length)).toEqual(before);
      before = now;
    }
    expect(kills).toBeGreaterThan(0);
    const { stdout } = await run(script, dbPath, logPath);
    expect(stdout).toContain(`done ${TRIALS}`);
    const final = succeeded(dbPath);
    expect(final).toHaveLength(TRIALS);
    for (const t of before) expect(final).toContainEqual(t);

    // Each assignment ran under one trial name only (a trial re-run after a crash keeps its name).
    const log = (await readFile(logPath, 'utf8')).trim().split('\n');
    const nameOf = new Map<string, string>();
    for (const line of log) {
      const [name, x, y] = line.split(' ');
      const key = `${x} ${y}`;
      expect(nameOf.get(key) ?? name).toBe(name);
      nameOf.set(key, name!);
    }
    expect(new Set(final.map((t) => t.name)).size).toBe(TRIALS);
  }, 120_000);
});
