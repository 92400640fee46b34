#!/usr/bin/env node
// `npm run bench:quality`: search quality of our algorithms against Optuna's samplers on the test
// problems of bench/problems.json, sequentially and with 4 trials in parallel, over many seeds.
// Writes the `quality` section of bench/RESULTS.md and the raw results to bench/raw/quality.json.
// Options: see docs/benchmarks.md or `node bench/quality.js --help`.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OUR_ALGORITHMS, PEER_OF, PEER_SAMPLERS, listOption, seedsOption } from './algorithms.js';
import { checkProblems, checkStats } from './check.js';
import { registeredAlgorithms } from './ours.js';
import { OptunaPeer, optunaVersion } from './peer.js';
import { problems } from './problems.js';
import { qualityReport } from './quality-report.js';
import { RESULTS_FILE, withRecordedLine, writeSection } from './results-file.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODES = { sequential: 1, parallel: 4 };
const HELP = `usage: node bench/quality.js [options]
  --functions a,b      problems (default all: ${problems.map((p) => p.name).join(',')})
  --algorithms a,b     our algorithms by Katib name (default all: ${OUR_ALGORITHMS.join(',')}); unregistered ones are skipped
  --peers a,b|none     Optuna samplers (${Object.keys(PEER_SAMPLERS).join(',')}); default: the peers of --algorithms (all when bayesianoptimization is in)
  --seeds 1..15        seeds: a..b, a,b,c or N (= 1..N); default 1..15
  --modes m,n          sequential (1 trial at a time) and/or parallel (4 outstanding); default both
  --trials-scale x     multiply every trial budget by x (smoke runs), default 1
  --workers n          concurrent runs (each slot: one Node worker and one Python peer), default 2
  --results file       results file to update (default bench/RESULTS.md); --no-results to skip
  --raw file           raw results (default bench/raw/quality.json)
  --merge              keep the raw file's other records, replacing only the runs done now
  --resume             like --merge, and skip runs the raw file already has (the raw file is saved every 10 runs)
  --report-only        rebuild the section from the raw file without running anything`;

const { values: opt } = parseArgs({
  options: {
    functions: { type: 'string' },
    algorithms: { type: 'string' },
    peers: { type: 'string' },
    seeds: { type: 'string' },
    modes: { type: 'string' },
    'trials-scale': { type: 'string' },
    workers: { type: 'string' },
    results: { type: 'string' },
    'no-results': { type: 'boolean' },
    raw: { type: 'string' },
    merge: { type: 'boolean' },
    resume: { type: 'boolean' },
    'report-only': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

const rawFile = path.resolve(opt.raw ?? path.join(here, 'raw', 'quality.json'));
const resultsFile = opt.results ? path.resolve(opt.results) : RESULTS_FILE;
const log = (msg) => process.stderr.write(`${msg}\n`);

/** Deterministic simulated durations of the trials of one seed (uniform in [0.5, 1.5)): the finishing order. */
function durations(seed, n) {
  let s = (seed * 0x9e3779b1) >>> 0 || 1;
  return Array.from({ length: n }, () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return 0.5 + ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  });
}

/** Rough relative cost of a run, for longest-first scheduling and the ETA. */
function cost(job) {
  const n = job.trials;
  const heavy = { bayesianoptimization: 0.5, tpe: 0.05, 'multivariate-tpe': 0.05, mvtpe: 0.3, cmaes: 0.02 };
  const k =
    job.side === 'optuna'
      ? job.algorithm === 'tpe' || job.algorithm === 'mvtpe'
        ? 0.3
        : 0.03
      : (heavy[job.algorithm] ?? 0.01);
  return n * (1 + k * n);
}

const keyOf = (r) => [r.side, r.algorithm, r.problem, r.mode, r.seed].join('|');

function loadRaw() {
  return existsSync(rawFile) ? JSON.parse(readFileSync(rawFile, 'utf8')) : { records: [] };
}

/** Runs `jobs` on `workers` slots; each slot owns a Node worker and a Python peer, started on first use. */
async function runJobs(jobs, workers, onDone) {
  const slots = Array.from({ length: workers }, () => ({
    node: undefined,
    peer: undefined,
    nextId: 0,
    pending: new Map(),
  }));
  const nodeOf = (slot) => {
    if (!slot.node) {
      slot.node = fork(path.join(here, 'quality-worker.js'), [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      slot.node.on('exit', (code) => {
        // A crashed worker fails only its own run; the next run gets a new worker.
        for (const p of slot.pending.values()) p.reject(new Error(`worker exited with ${code}`));
        slot.pending.clear();
        slot.node = undefined;
      });
      slot.node.on('message', (m) => {
        const p = slot.pending.get(m.id);
        slot.pending.delete(m.id);
        if (m.error) p?.reject(new Error(m.error));
        else p?.resolve(m.result);
      });
    }
    return slot.node;
  };
  const runOne = (slot, job) => {
    if (job.side === 'optuna') {
      if (!slot.peer || slot.peer.exited) slot.peer = new OptunaPeer();
      return slot.peer.request({
        cmd: 'run',
        problem: job.problem,
        sampler: job.algorithm,
        seed: job.seed,
        trials: job.trials,
        parallel: job.parallel,
        durations: job.durations,
      });
    }
    const id = slot.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      nodeOf(slot).send({ id, ...job });
    });
  };
  let next = 0;
  await Promise.all(
    slots.map(async (slot) => {
      while (next < jobs.length) {
        const job = jobs[next++];
        try {
          onDone(job, await runOne(slot, job));
        } catch (err) {
          onDone(job, undefined, err);
        }
      }
      slot.node?.disconnect();
      await slot.peer?.close();
    }),
  );
}

/** Regret of the best value among the first k trials, at a few budgets (for convergence curves later). */
function regretAt(values, optimum) {
  const out = {};
  let best = Infinity;
  values.forEach((v, i) => {
    best = Math.min(best, v);
    const k = i + 1;
    if (k === values.length || [10, 25, 50, 100, 200].includes(k)) out[k] = best - optimum;
  });
  return out;
}

async function main() {
  const version = optunaVersion();
  let raw = loadRaw();
  if (!opt['report-only']) {
    const functions = listOption(opt.functions) ?? problems.map((p) => p.name);
    for (const f of functions)
      if (!problems.some((p) => p.name === f)) throw new Error(`unknown function ${f}`);
    const wanted = listOption(opt.algorithms) ?? OUR_ALGORITHMS;
    const registered = new Set(registeredAlgorithms());
    const ours = wanted.filter((a) => registered.has(a));
    const skipped = wanted.filter((a) => !registered.has(a));
    if (skipped.length > 0) log(`note: not registered in this build, skipped: ${skipped.join(', ')}`);
    let peers = listOption(opt.peers);
    if (peers === undefined)
      peers = wanted.includes('bayesianoptimization')
        ? Object.keys(PEER_SAMPLERS)
        : [...new Set(wanted.map((a) => PEER_OF[a]).filter((p) => p && p !== 'best'))];
    if (peers.includes('none')) peers = [];
    for (const p of peers) if (!(p in PEER_SAMPLERS)) throw new Error(`unknown peer ${p}`);
    if (peers.length > 0 && !version)
      throw new Error('Optuna is not importable by /usr/bin/python3: run bash bench/install-peer.sh');
    const seeds = seedsOption(
      opt.seeds,
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    const modes = listOption(opt.modes) ?? Object.keys(MODES);
    for (const m of modes) if (!(m in MODES)) throw new Error(`unknown mode ${m}; use sequential, parallel`);
    const scale = Number(opt['trials-scale'] ?? 1);
    if (!(scale > 0)) throw new Error('--trials-scale must be positive');
    const workers = Math.max(1, Math.floor(Number(opt.workers ?? 2)));

    if (peers.length > 0) {
      const checker = new OptunaPeer();
      try {
        const errors = [...(await checkProblems(checker)), ...checkStats()];
        if (errors.length > 0) throw new Error(`harness self-check failed:\n${errors.join('\n')}`);
      } finally {
        await checker.close();
      }
      log('self-check ok: problems agree between JS and Python, Mann-Whitney agrees with scipy');
    }

    let jobs = [];
    for (const f of functions) {
      const p = problems.find((x) => x.name === f);
      const trials = Math.max(4, Math.round(p.trials * scale));
      for (const mode of modes)
        for (const seed of seeds) {
          const base = {
            problem: f,
            mode,
            seed,
            trials,
            parallel: MODES[mode],
            durations: durations(seed, trials),
          };
          for (const a of ours) jobs.push({ ...base, side: 'ours', algorithm: a });
          for (const s of peers) jobs.push({ ...base, side: 'optuna', algorithm: s });
        }
    }
    const merge = opt.merge || opt.resume;
    if (opt.resume) {
      const have = new Set(
        raw.records.filter((r) => r.error === undefined).map((r) => `${keyOf(r)}|${r.trials}`),
      );
      const before = jobs.length;
      jobs = jobs.filter((j) => !have.has(`${keyOf(j)}|${j.trials}`));
      log(`resume: ${before - jobs.length} runs already in ${path.relative(process.cwd(), rawFile)}`);
    }
    jobs.sort((a, b) => cost(b) - cost(a));
    const totalCost = jobs.reduce((s, j) => s + cost(j), 0);
    log(
      `${jobs.length} runs (${ours.length} ours × ${peers.length} Optuna samplers, ${functions.length} functions, ${modes.length} modes, ${seeds.length} seeds) on ${workers} workers`,
    );

    const records = [];
    const previous = raw;
    const save = () => {
      const done = new Set(records.map(keyOf));
      const kept = merge ? previous.records.filter((r) => !done.has(keyOf(r))) : [];
      const all = [...kept, ...records];
      const present = new Set(all.map((r) => r.algorithm));
      raw = {
        optuna: version,
        date: new Date().toISOString(),
        skipped: [...new Set([...(merge ? (previous.skipped ?? []) : []), ...skipped])].filter(
          (a) => !present.has(a),
        ),
        trialsScale: merge && previous.records.length > 0 && previous.trialsScale !== scale ? 'mixed' : scale,
        records: all,
      };
      mkdirSync(path.dirname(rawFile), { recursive: true });
      writeFileSync(rawFile, `${JSON.stringify(raw, null, 1)}\n`);
    };
    let doneCost = 0;
    const t0 = Date.now();
    await runJobs(jobs, workers, (job, result, err) => {
      doneCost += cost(job);
      const rec = {
        side: job.side,
        algorithm: job.algorithm,
        problem: job.problem,
        mode: job.mode,
        seed: job.seed,
        trials: job.trials,
      };
      const p = problems.find((x) => x.name === job.problem);
      if (err || !result) rec.error = String(err?.message ?? err).split('\n')[0];
      else
        Object.assign(rec, {
          regret: result.regret,
          best: result.best,
          seconds: result.seconds,
          ...(result.suggestMsPerCall !== undefined ? { suggestMsPerCall: result.suggestMsPerCall } : {}),
          regretAt: regretAt(result.values, p.optimum),
        });
      records.push(rec);
      if (records.length % 10 === 0) save();
      const elapsed = (Date.now() - t0) / 1000;
      const eta = doneCost > 0 ? (elapsed * (totalCost - doneCost)) / doneCost : 0;
      const what = `${job.side === 'ours' ? 'ours' : 'optuna'} ${job.algorithm} ${job.problem} ${job.mode} seed ${job.seed}`;
      const outcome = rec.error
        ? `ERROR ${rec.error}`
        : `regret ${rec.regret.toPrecision(4)} in ${rec.seconds.toFixed(1)} s`;
      log(
        `[${records.length}/${jobs.length}] ${what}: ${outcome} (elapsed ${Math.round(elapsed)} s, ETA ${Math.round(eta)} s)`,
      );
    });

    save();
    log(`raw results: ${path.relative(process.cwd(), rawFile)}`);
  }

  const md = withRecordedLine(
    qualityReport(raw),
    'npm run bench:quality',
    `Optuna ${raw.optuna ?? version ?? 'not installed'}; runs finished ${raw.date ?? 'unknown'}.`,
  );
  if (!opt['no-results']) {
    writeSection('quality', md, { file: resultsFile });
    log(`wrote the quality section of ${path.relative(process.cwd(), resultsFile)}`);
  }
  console.log(md);
}

await main();
