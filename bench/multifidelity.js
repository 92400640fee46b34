#!/usr/bin/env node
// `npm run bench:multifidelity` (and a section of `npm run bench`): total resource (epochs) spent
// until a trial ends within a target of the best possible loss, on the synthetic learning curve of
// bench/learning-curve.js, by our random, hyperband, asha and random + medianstop, against Optuna's
// RandomSampler with HyperbandPruner and with MedianPruner, in the same run. Sequential: one trial
// at a time. Writes the `multifidelity` section of bench/RESULTS.md.
// Options: see docs/benchmarks.md or `node bench/multifidelity.js --help`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { medianStop, checkRules } from '../dist/earlystopping/index.js';
import { InProcessSuggestionService } from '../dist/suggestion/index.js';
import { listOption, seedsOption } from './algorithms.js';
import { checkLearningCurve, learningCurve, parameters, TASK } from './learning-curve.js';
import { benchExperiment, registeredAlgorithms } from './ours.js';
import { optunaVersion, PYTHON } from './peer.js';
import { RESULTS_FILE, withRecordedLine, writeSection } from './results-file.js';
import { mannWhitneyU, quantile } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The methods: ours by Katib name (medianstop = random + the medianstop early stopper), Optuna's by pruner. */
export const OURS = ['random', 'hyperband', 'asha', 'medianstop', 'asha-s2'];
/** The Katib algorithm behind one of our methods, and its extra settings. */
const ALGORITHM = { medianstop: 'random', 'asha-s2': 'asha' };
const EXTRA_SETTINGS = { 'asha-s2': [{ name: 's', value: '2' }] };
export const PEERS = { 'optuna-hyperband': 'hyperband', 'optuna-median': 'median' };
const LABEL = {
  random: 'ours random (full budget)',
  hyperband: 'ours hyperband',
  asha: 'ours asha',
  medianstop: 'ours random + medianstop',
  'asha-s2': 'ours asha, s=2 (rung 0 at 9 epochs; not paired)',
  'optuna-hyperband': 'Optuna RandomSampler + HyperbandPruner',
  'optuna-median': 'Optuna RandomSampler + MedianPruner',
};
/** Our method → the Optuna method it is compared with, seed against seed. */
const PAIRS = [
  ['hyperband', 'optuna-hyperband'],
  ['asha', 'optuna-hyperband'],
  ['medianstop', 'optuna-median'],
];
/** The second, harder target (regret), read from the same runs. */
const HARD_REGRET = 0.005;

const HELP = `usage: node bench/multifidelity.js [options]     (after npm run build)
  --methods a,b      methods (default all): ${[...OURS, ...Object.keys(PEERS)].join(',')}
  --seeds 1..15      seeds: a..b, a,b,c or N (= 1..N); default 1..15
  --cap n            epochs after which a run counts as "not reached" (default ${TASK.capEpochs})
  --results file     results file to update (default bench/RESULTS.md); --no-results to skip`;

// ---------------------------------------------------------------------------------------------
// Our side: the in-process Suggestion service driven as the engine drives it.

const objective = { type: 'minimize', objectiveMetricName: 'loss' };

function observation(losses) {
  const s = (v) => String(v);
  return {
    metrics: [
      { name: 'loss', min: s(Math.min(...losses)), max: s(Math.max(...losses)), latest: s(losses.at(-1)) },
    ],
  };
}

function metricLog(losses) {
  const t0 = Date.UTC(2026, 0, 1);
  return losses.map((v, i) => ({
    timeStamp: new Date(t0 + i * 1000).toISOString(),
    metricName: 'loss',
    value: String(v),
    step: i + 1,
  }));
}

/** One experiment of ours on a fresh in-process service; `ask()` gets one suggestion with its labels. */
class Session {
  constructor(experiment, seed) {
    this.experiment = experiment;
    this.service = new InProcessSuggestionService({ seedSource: () => seed });
    this.state = undefined;
    this.views = [];
  }

  async ask() {
    const reply = await this.service.getSuggestions({
      experiment: this.experiment,
      trials: this.views,
      currentRequestNumber: 1,
      totalRequestNumber: (this.state?.suggestionCount ?? 0) + 1,
      ...(this.state ? { state: this.state } : {}),
    });
    if (reply.state) this.state = reply.state;
    return { suggestion: reply.assignments[0], exhausted: reply.exhausted };
  }
}

function experimentFor(method, seed, iteration) {
  const algorithm = ALGORITHM[method] ?? method;
  const multiFidelity = algorithm === 'hyperband' || algorithm === 'asha';
  const exp = benchExperiment({
    name: `mf-${method}-${seed}-${iteration}`,
    algorithm,
    parameters: parameters({ withEpochs: multiFidelity }),
    settings: multiFidelity
      ? [
          { name: 'r_l', value: String(TASK.maxEpochs) },
          { name: 'resource_name', value: 'epochs' },
          { name: 'eta', value: String(TASK.eta) },
          ...(EXTRA_SETTINGS[method] ?? []),
        ]
      : [],
    // Katib's hyperband wants parallelTrialCount >= eta^s_max (27 here); trials still run one at a time.
    parallel:
      method === 'hyperband' ? TASK.eta ** Math.round(Math.log(TASK.maxEpochs) / Math.log(TASK.eta)) : 1,
    maxTrialCount: 1_000_000,
  });
  if (method === 'medianstop')
    return {
      ...exp,
      spec: { ...exp.spec, earlyStopping: { algorithmName: 'medianstop', algorithmSettings: [] } },
    };
  return exp;
}

/**
 * One sequential run of our `method` until a trial ends at or below `stopAt` or `cap` epochs are
 * spent. Each trial records the epochs it ran (`epochs`), the epochs it would have cost had it
 * resumed its parent's checkpoint (`resumed`: epochs − parent's epochs for a promoted trial), its
 * final loss and its end phase.
 */
export async function runOurs(method, seed, { cap, stopAt }) {
  const trials = [];
  let spentResumed = 0;
  let iteration = 0;
  let session = new Session(experimentFor(method, seed, iteration), seed);
  const epochsOf = new Map(); // trial name → epochs, within the current session
  let rules; // medianstop's rules, recomputed when a trial finishes (as the engine's watch does)
  const logs = new Map();
  const t0 = performance.now();
  while (spentResumed < cap) {
    const { suggestion, exhausted } = await session.ask();
    if (!suggestion) {
      if (exhausted === false) throw new Error(`${method} waits with no trial running`);
      // Hyperband's plan is done: start the next Hyperband iteration (the paper's outer loop) as a
      // new experiment with a new seed.
      iteration++;
      session = new Session(
        experimentFor(method, seed + 100_000 * iteration, iteration),
        seed + 100_000 * iteration,
      );
      epochsOf.clear();
      continue;
    }
    const pa = Object.fromEntries(suggestion.parameterAssignments.map((a) => [a.name, a.value]));
    const lr = Number(pa.lr);
    const dropout = Number(pa.dropout);
    const epochs = pa.epochs !== undefined ? Number(pa.epochs) : TASK.maxEpochs;
    const labels = suggestion.labels ?? {};
    const parent = labels['hyperband.katib-ts/parent'] ?? labels['asha.katib-ts/parent'];
    const name = `t${session.views.length}`;
    const curve = learningCurve({ lr, dropout, epochs, seed });
    let ran = curve.length;
    let phase = 'Succeeded';
    if (method === 'medianstop') {
      // The engine's watch: each report is written to the observation log, then the running trial's
      // log is checked against the rules. The last report ends the trial (Succeeded).
      for (let e = 1; e < curve.length; e++) {
        if (rules === undefined)
          rules = await medianStop.rules(session.experiment, session.views, async (t) => logs.get(t) ?? []);
        if (checkRules(rules, metricLog(curve.slice(0, e)), objective)) {
          ran = e;
          phase = 'EarlyStopped';
          break;
        }
      }
      logs.set(name, metricLog(curve.slice(0, ran)));
      rules = undefined;
    }
    const losses = curve.slice(0, ran);
    const resumed = parent !== undefined && epochsOf.has(parent) ? ran - epochsOf.get(parent) : ran;
    epochsOf.set(name, ran);
    session.views.push({
      name,
      parameterAssignments: suggestion.parameterAssignments,
      labels,
      phase,
      observation: observation(losses),
    });
    spentResumed += resumed;
    const bracket = labels['hyperband.katib-ts/bracket'];
    trials.push({
      epochs: ran,
      resumed,
      final: losses.at(-1),
      state: phase,
      lr,
      dropout,
      ...(bracket !== undefined ? { bracket: Number(bracket), iteration } : {}),
    });
    if (losses.at(-1) <= stopAt) break;
  }
  return { trials, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Optuna's side: bench/multifidelity_peer.py.

class Peer {
  constructor() {
    this.child = spawn(PYTHON, [path.join(here, 'multifidelity_peer.py')], {
      cwd: here,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    });
    this.waiting = [];
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      const reply = JSON.parse(line);
      if (reply.error) w.reject(new Error(`multifidelity peer: ${reply.error}\n${reply.trace ?? ''}`));
      else w.resolve(reply);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`multifidelity peer exited with ${code}`));
    });
  }

  request(req) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  close() {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Measures and the report.

/** Epochs spent (and trials started) until the first trial that ends at or below `target`; Infinity past the cap. */
function reach(trials, target, cap, key = 'epochs') {
  let spent = 0;
  for (let i = 0; i < trials.length; i++) {
    spent += trials[i][key];
    if (spent > cap) break;
    if (trials[i].final <= target) return { epochs: spent, trials: i + 1 };
  }
  return { epochs: Infinity, trials: Infinity };
}

/** A p-value for a table cell: "0.062", "<0.001". */
const fmtP = (p) => (p < 0.001 ? '<0.001' : p.toFixed(3));
const round6 = (x) => Number(x.toFixed(6));
const fmtNum = (v, cap) => (v > cap ? `>${cap}` : String(Math.round(v)));

function summary(values, cap) {
  const xs = values.map((v) => (Number.isFinite(v) ? v : cap + 1));
  return {
    median: quantile(xs, 0.5),
    q1: quantile(xs, 0.25),
    q3: quantile(xs, 0.75),
    reached: values.filter(Number.isFinite).length,
    n: values.length,
  };
}

function versus(ours, theirs, cap) {
  let w = 0;
  let t = 0;
  let l = 0;
  const seeds = Object.keys(ours).filter((s) => s in theirs);
  for (const s of seeds) {
    const a = ours[s];
    const b = theirs[s];
    if (a === b || (!Number.isFinite(a) && !Number.isFinite(b))) t++;
    else if (a < b) w++;
    else l++;
  }
  const x = seeds.map((s) => (Number.isFinite(ours[s]) ? ours[s] : cap + 1));
  const y = seeds.map((s) => (Number.isFinite(theirs[s]) ? theirs[s] : cap + 1));
  const { p } = mannWhitneyU(x, y);
  return { w, t, l, p };
}

function report({ runs, methods, seeds, cap, version, skipped, notes }) {
  const target = round6(TASK.bestLoss + TASK.targetRegret);
  const hard = round6(TASK.bestLoss + HARD_REGRET);
  const by = {}; // method → seed → measures
  for (const r of runs) {
    const m = (by[r.method] ??= {});
    const tr = r.trials;
    m[r.seed] = {
      epochs: reach(tr, target, cap).epochs,
      trials: reach(tr, target, cap).trials,
      resumed: reach(tr, target, cap, 'resumed').epochs,
      hard: reach(tr, hard, cap).epochs,
      seconds: r.seconds,
      bracket: tr.find((x) => x.final <= target)?.bracket,
    };
  }
  const col = (method, key) =>
    Object.fromEntries(Object.entries(by[method] ?? {}).map(([s, v]) => [s, v[key]]));
  const L = [];
  L.push('## Multi-fidelity: epochs to reach a target on a learning-curve task');
  L.push('');
  L.push(
    `Task: \`bench/learning-curve.js\` (the curve of \`examples/trials/learning-curve.mjs\`): loss at epoch e = ` +
      `L*(lr, dropout) + 1.5·exp(−k(lr)·e) + |N(0, ${TASK.noise}²)|, lr ∈ [1e−5, 0.1] log-uniform, dropout ∈ [0, 0.8]; ` +
      `best L* = ${TASK.bestLoss} at lr = 10^−2.5, dropout = 0.3. Fast learners (large lr) look best after few epochs but do not end best. ` +
      `R = ${TASK.maxEpochs} epochs, eta = ${TASK.eta}, halving from 1 epoch. ` +
      `**Measure**: epochs spent by all trials until the first trial whose last reported loss is ≤ ${target} ` +
      `(regret ≤ ${TASK.targetRegret} against L* = ${TASK.bestLoss}; the noise is ≥ 0, so such a loss certifies a configuration with L* ≤ ${target}); ` +
      `more than ${cap} epochs counts as not reached (">${cap}", ranked last). One trial at a time (sequential). ` +
      `${seeds.length} seeds (${seeds[0]}..${seeds.at(-1)}); Optuna ${version ?? 'not installed'}.`,
  );
  L.push('');
  L.push(
    'Our hyperband and asha start a promoted configuration as a new trial that trains from scratch (as the engine runs it), so they pay ' +
      '1 + 3 + 9 + 27 epochs for a configuration Optuna trains once to 27 (its pruners stop a running trial; survivors continue). ' +
      'The column "if promotions resumed" counts each promoted trial as continuing its parent (epochs − parent\'s epochs), ' +
      'what trial code that resumes from the `…/parent` label would pay.',
  );
  L.push('');
  L.push(
    '| method | median epochs to target | IQR | reached | median trials | if promotions resumed (median) | vs Optuna peer: wins/ties/losses | p (Mann-Whitney) |',
  );
  L.push('|---|---|---|---|---|---|---|---|');
  for (const method of methods) {
    if (!by[method]) continue;
    const s = summary(Object.values(col(method, 'epochs')), cap);
    const tr = summary(Object.values(col(method, 'trials')), 1e9);
    const res =
      method === 'hyperband' || method.startsWith('asha')
        ? fmtNum(summary(Object.values(col(method, 'resumed')), cap).median, cap)
        : '';
    const pairs = PAIRS.filter(([o, p]) => o === method && by[p]);
    const vs = pairs
      .map(([, p]) => {
        const v = versus(col(method, 'epochs'), col(p, 'epochs'), cap);
        return { text: `${v.w}/${v.t}/${v.l} vs ${p}`, p: v.p };
      })
      .reduce((a, b) => ({ text: [a.text, b.text].filter(Boolean).join('; '), p: b.p }), {
        text: '',
        p: NaN,
      });
    L.push(
      `| ${LABEL[method]} | ${fmtNum(s.median, cap)} | ${fmtNum(s.q1, cap)}–${fmtNum(s.q3, cap)} | ${s.reached}/${s.n} | ` +
        `${Number.isFinite(tr.median) && tr.median < 1e9 ? Math.round(tr.median) : '—'} | ${res} | ${vs.text} | ${Number.isFinite(vs.p) ? fmtP(vs.p) : ''} |`,
    );
  }
  L.push('');
  L.push(
    `Harder target (regret ≤ ${HARD_REGRET}, loss ≤ ${hard}), same runs (each run goes on until it reaches this one or the cap):`,
  );
  L.push('');
  L.push('| method | median epochs | IQR | reached | vs Optuna peer: wins/ties/losses |');
  L.push('|---|---|---|---|---|');
  for (const method of methods) {
    if (!by[method]) continue;
    const s = summary(Object.values(col(method, 'hard')), cap);
    const vs = PAIRS.filter(([o, p]) => o === method && by[p])
      .map(([, p]) => {
        const v = versus(col(method, 'hard'), col(p, 'hard'), cap);
        return `${v.w}/${v.t}/${v.l} vs ${p}`;
      })
      .join('; ');
    L.push(
      `| ${LABEL[method]} | ${fmtNum(s.median, cap)} | ${fmtNum(s.q1, cap)}–${fmtNum(s.q3, cap)} | ${s.reached}/${s.n} | ${vs} |`,
    );
  }
  L.push('');
  L.push(
    'Wins/ties/losses: on how many seeds ours needed fewer / as many / more epochs than the peer on the same seed (both not reached = tie); ' +
      'the two sides draw different configurations from the same seed, so this is a paired summary, not a paired test. ' +
      'p: two-sided Mann-Whitney U of the two samples (not reached = cap + 1), bench/stats.js. Pairs: hyperband and asha against ' +
      "HyperbandPruner (Optuna's is asynchronous successive halving in brackets), medianstop against MedianPruner " +
      '(n_startup_trials=3 = min_trials_required, n_warmup_steps=4 = start_step with steps = epochs 1..R).',
  );
  // Diagnostics over every trial of every run (runs go on to the harder target or the cap).
  const diag = {};
  for (const method of methods) {
    const all = runs.filter((r) => r.method === method).flatMap((r) => r.trials);
    if (all.length === 0) continue;
    const full = all.filter((t) => t.epochs >= TASK.maxEpochs);
    diag[method] = {
      trials: all.length,
      perTrial: all.reduce((s, t) => s + t.epochs, 0) / all.length,
      short: all.filter((t) => t.epochs < TASK.maxEpochs).length / all.length,
      full: full.length,
      fullGood: full.filter((t) => t.final <= target).length,
      fullLr: quantile(
        full.map((t) => Math.log10(t.lr)),
        0.5,
      ),
    };
  }
  L.push('');
  L.push(
    `Where the epochs went (all trials of all seeds): "short" = trials that ran fewer than ${TASK.maxEpochs} epochs ` +
      `(given a smaller resource, or stopped/pruned); "to R" = trials that ran all ${TASK.maxEpochs}; the best lr is 10^−2.5 ` +
      `and the target needs |log10 lr + 2.5| ≤ 0.32.`,
  );
  L.push('');
  L.push(
    '| method | trials | epochs per trial | short | trials to R | of those ≤ target | median log10 lr of those |',
  );
  L.push('|---|---|---|---|---|---|---|');
  for (const method of methods) {
    const d = diag[method];
    if (!d) continue;
    L.push(
      `| ${LABEL[method]} | ${d.trials} | ${d.perTrial.toFixed(1)} | ${(100 * d.short).toFixed(0)}% | ${d.full} | ` +
        `${d.full > 0 ? `${((100 * d.fullGood) / d.full).toFixed(0)}%` : '—'} | ${Number.isFinite(d.fullLr) ? d.fullLr.toFixed(2) : '—'} |`,
    );
  }
  for (const n of notes) L.push('', n);
  if (skipped.length > 0) L.push('', `Skipped (not available in this run): ${skipped.join(', ')}.`);

  // Losses against the peer, for the "where we lose and why" note.
  const losses = [];
  for (const [o, p] of PAIRS) {
    if (!by[o] || !by[p]) continue;
    const a = summary(Object.values(col(o, 'epochs')), cap);
    const b = summary(Object.values(col(p, 'epochs')), cap);
    const v = versus(col(o, 'epochs'), col(p, 'epochs'), cap);
    if (a.median > b.median || (v.p < 0.05 && v.l > v.w))
      losses.push(
        `- ${LABEL[o]} vs ${LABEL[p]}: median ${fmtNum(a.median, cap)} vs ${fmtNum(b.median, cap)} epochs, ${v.w}/${v.t}/${v.l}, p ${v.p < 0.001 ? '< 0.001' : `= ${v.p.toFixed(3)}`}.`,
      );
  }
  L.push('', '### Where we lose and why', '');
  const compared = PAIRS.some(([o, p]) => by[o] && by[p]);
  if (!compared) L.push('No Optuna peer in this run: nothing to compare.');
  else if (losses.length === 0)
    L.push('Nowhere on this task: each of ours has a median at least as good as its Optuna peer.');
  else L.push(...losses);
  const med = (method, key = 'epochs') => fmtNum(summary(Object.values(col(method, key)), cap).median, cap);
  const why = [];
  const lost = (o) => losses.some((x) => x.startsWith(`- ${LABEL[o]} vs`));
  if (lost('hyperband')) {
    const hits = {};
    for (const v of Object.values(by.hyperband))
      if (v.bracket !== undefined) hits[v.bracket] = (hits[v.bracket] ?? 0) + 1;
    const sMax = Math.round(Math.log(TASK.maxEpochs) / Math.log(TASK.eta));
    const where = Object.entries(hits)
      .sort((a, b) => b[0] - a[0])
      .map(([b, n]) => `s=${b}: ${n}`)
      .join(', ');
    why.push(
      `- **hyperband** — two causes. (1) Our Hyperband runs its brackets one after another, the most aggressive first: every ` +
        `iteration (423 epochs for R=27, eta=3; a new one starts when the plan is done) opens with bracket s=${sMax}, 27 configurations ranked after ` +
        `1 epoch, where the fast learners (large lr) lead; the target was reached in that bracket on ${hits[sMax] ?? 0} of ` +
        `${Object.keys(by.hyperband).length} seeds (bracket of the reaching trial: ${where || 'none'}). Optuna's HyperbandPruner spreads ` +
        `the trials over its brackets by a hash of the trial number, so its mildly pruned brackets run from the first trials on. ` +
        `(2) A promoted configuration restarts from epoch 0: counted as resuming its parent, our median would be ` +
        `${med('hyperband', 'resumed')} epochs instead of ${med('hyperband')} (Optuna: ${med('optuna-hyperband')}).`,
    );
  }
  if (lost('asha') && diag.asha) {
    const d = diag.asha;
    why.push(
      `- **asha** — with the default s=0, ASHA ranks every new configuration after 1 epoch and promotes the top third; after ` +
        `one epoch the lowest losses belong to the largest learning rates (the loss at epoch 1 is smallest at lr = 0.1), which ` +
        `end far from the target. The ${d.full} trials it trained to ${TASK.maxEpochs} epochs have a median log10 lr of ` +
        `${d.fullLr.toFixed(2)}, and ${((100 * d.fullGood) / Math.max(1, d.full)).toFixed(0)}% of them met the target. ` +
        `Successive halving is only as good as its low-fidelity ranking, and this task is built to make the 1-epoch ranking ` +
        `wrong; Hyperband (ours and Optuna's) hedges with brackets that start at 3, 9 and 27 epochs, single-bracket ASHA does not.` +
        (by['asha-s2']
          ? ` The same ASHA with s=2 (rung 0 at 9 epochs, where the ranking is already close to the final one) needs a median of ` +
            `${med('asha-s2')} epochs (${summary(Object.values(col('asha-s2', 'epochs')), cap).reached}/${Object.keys(by['asha-s2']).length} reached): ` +
            `set s (or r_min) so that rung 0 ranks configurations roughly as the full budget does.`
          : ''),
    );
  }
  if (lost('medianstop'))
    why.push(
      `- **medianstop** — Katib's rule is one fixed threshold: the median, over completed trials, of the mean of their first ` +
        `start_step reports, checked against the running trial's best value so far; Optuna's MedianPruner compares at every ` +
        `step with the completed trials' median at that same step, which tightens as training goes on and stops more trials earlier.`,
    );
  if (by.medianstop && by['optuna-median'] && !lost('medianstop') && diag['optuna-median'])
    why.push(
      `- Where we win, **medianstop** against MedianPruner: MedianPruner compares each trial at every step with the completed ` +
        `trials' median at that step; on this task the best configurations learn more slowly than the large-lr ones, so they sit ` +
        `above that median for many epochs and are pruned (${(100 * diag['optuna-median'].short).toFixed(0)}% of its trials ` +
        `stopped early; the ones it let finish have a median log10 lr of ${diag['optuna-median'].fullLr.toFixed(2)}). Katib's ` +
        `medianstop holds every trial to one threshold that does not tighten with the step: the median of the completed trials' ` +
        `means over their first 4 reports, against the running trial's best value so far; a mean over epochs 1–4 lies well above ` +
        `a value at epoch 4, so a slow-but-good trial usually passes.`,
    );
  if (why.length > 0) L.push('', ...why);
  return { markdown: L.join('\n'), by, losses, diag };
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the benchmark and returns its Markdown (a `##` heading first) and the per-run records.
 * @param {{ seeds?: number[], methods?: string[], cap?: number, hasPeer?: boolean, log?: (m: string) => void }} [options]
 */
export async function multifidelity(options = {}) {
  const log = options.log ?? ((m) => process.stderr.write(`${m}\n`));
  const seeds = options.seeds ?? Array.from({ length: 15 }, (_, i) => i + 1);
  const cap = options.cap ?? TASK.capEpochs;
  const version = optunaVersion();
  const hasPeer = (options.hasPeer ?? true) && version !== undefined;
  const wanted = options.methods ?? [...OURS, ...Object.keys(PEERS)];
  const registered = new Set(registeredAlgorithms());
  const skipped = [];
  const methods = wanted.filter((m) => {
    if (m in PEERS) {
      if (!hasPeer) skipped.push(`${m} (no Optuna peer: disabled, or Optuna not importable by ${PYTHON})`);
      return hasPeer;
    }
    if (!OURS.includes(m)) throw new Error(`unknown method ${m}`);
    const algorithm = ALGORITHM[m] ?? m;
    if (!registered.has(algorithm)) skipped.push(`${m} (not registered in this build)`);
    return registered.has(algorithm);
  });
  const stopAt = TASK.bestLoss + Math.min(TASK.targetRegret, HARD_REGRET);
  const task = { ...TASK, capEpochs: cap, stopAt };
  const peer = hasPeer ? new Peer() : undefined;
  const runs = [];
  try {
    const errors = await checkLearningCurve(
      peer
        ? async (points) => (await peer.request({ cmd: 'curves', points, noise: TASK.noise })).curves
        : undefined,
    );
    if (errors.length > 0) throw new Error(`learning-curve self-check failed:\n${errors.join('\n')}`);
    log(
      `self-check ok: bench/learning-curve.js agrees with examples/trials/learning-curve.mjs${peer ? ' and with the Python side' : ''}`,
    );

    const total = methods.length * seeds.length;
    const t0 = Date.now();
    const done = (method, seed, r) => {
      runs.push({ method, seed, ...r });
      const spent = r.trials.reduce((s, x) => s + x.epochs, 0);
      log(
        `[${runs.length}/${total}] ${method} seed ${seed}: ${r.trials.length} trials, ${spent} epochs, ` +
          `${r.seconds.toFixed(1)} s (elapsed ${Math.round((Date.now() - t0) / 1000)} s)`,
      );
    };
    // The Optuna runs go to the peer process (it answers in order) while ours run here: two cores.
    const optunaRuns = Promise.all(
      methods
        .filter((m) => m in PEERS)
        .flatMap((m) =>
          seeds.map((seed) =>
            peer.request({ cmd: 'run', pruner: PEERS[m], seed, task }).then((r) => done(m, seed, r)),
          ),
        ),
    );
    for (const m of methods.filter((x) => !(x in PEERS)))
      for (const seed of seeds) {
        done(m, seed, await runOurs(m, seed, { cap, stopAt }));
        await new Promise((r) => setImmediate(r)); // let the peer's replies be read
      }
    await optunaRuns;
  } finally {
    await peer?.close();
  }
  const notes = [];
  if (cap !== TASK.capEpochs) notes.push(`Note: cap of ${cap} epochs instead of ${TASK.capEpochs}.`);
  if (seeds.length < 15) notes.push(`Note: ${seeds.length} seeds only (a smoke run).`);
  const { markdown, losses } = report({ runs, methods, seeds, cap, version, skipped, notes });
  return { markdown, runs, losses };
}

async function main() {
  const { values: opt } = parseArgs({
    options: {
      methods: { type: 'string' },
      seeds: { type: 'string' },
      cap: { type: 'string' },
      results: { type: 'string' },
      'no-results': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (opt.help) {
    console.log(HELP);
    return;
  }
  const { markdown } = await multifidelity({
    methods: listOption(opt.methods),
    seeds: seedsOption(
      opt.seeds,
      Array.from({ length: 15 }, (_, i) => i + 1),
    ),
    cap: opt.cap !== undefined ? Number(opt.cap) : undefined,
  });
  const md = withRecordedLine(markdown, 'npm run bench:multifidelity');
  if (!opt['no-results']) {
    const file = opt.results ? path.resolve(opt.results) : RESULTS_FILE;
    writeSection('multifidelity', md, { file });
    process.stderr.write(`wrote the multifidelity section of ${path.relative(process.cwd(), file)}\n`);
  }
  console.log(md);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
