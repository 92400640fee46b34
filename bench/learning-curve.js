// The synthetic learning-curve task of the multi-fidelity benchmark (bench/multifidelity.js),
// defined once here: the formula of examples/trials/learning-curve.mjs (same constants, same seeded
// noise), its search space as Katib parameters, and the benchmark's budget and target. The Optuna
// side (bench/multifidelity_peer.py) has the same formula, written out again; it gets every
// constant below in its requests, and `checkLearningCurve` compares the two sides (and this file
// against the example script itself) before each run.
//
// With u = log10(lr) in [-5, -1] and d = dropout in [0, 0.8]:
//   final loss     L*(lr, d) = 0.05 + 0.1·(u + 2.5)² + 0.2·(d − 0.3)²     (best: lr = 10^-2.5, d = 0.3)
//   learning rate  k(lr)     = 0.02·10^((u + 5)/2)                         (larger lr learns faster)
//   loss at epoch e          = L* + 1.5·exp(−k·e) + |N(0, noise²)|
// The noise of one run comes from mulberry32 seeded with seed·7919 + round(lr·1e9) + round(d·1e6),
// two draws per epoch (Box-Muller, cosine branch), so a run is a deterministic function of
// (lr, dropout, seed): a trial re-run with more epochs repeats its first epochs exactly.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The task's constants (sent to the Python side with every request). */
export const TASK = Object.freeze({
  /** Best final loss, at lr = 10^-2.5, dropout = 0.3. */
  bestLoss: 0.05,
  bestLr: 10 ** -2.5,
  bestDropout: 0.3,
  /** Maximum resource R (epochs of a full-budget trial) and the halving rate, on both sides. */
  maxEpochs: 27,
  eta: 3,
  /** Standard deviation of the noise. */
  noise: 0.002,
  /** Target: a trial's final loss ≤ bestLoss + targetRegret. */
  targetRegret: 0.01,
  /** Epochs after which a run that has not reached the target counts as "not reached". */
  capEpochs: 3000,
});

/** The search space as Katib parameters; `epochs` only for the algorithms that set the resource. */
export function parameters({ withEpochs }) {
  return [
    {
      name: 'lr',
      parameterType: 'double',
      feasibleSpace: { min: '0.00001', max: '0.1', distribution: 'logUniform' },
    },
    { name: 'dropout', parameterType: 'double', feasibleSpace: { min: '0', max: '0.8' } },
    ...(withEpochs
      ? [{ name: 'epochs', parameterType: 'int', feasibleSpace: { min: '1', max: String(TASK.maxEpochs) } }]
      : []),
  ];
}

/** mulberry32, as examples/trials/args.mjs has it: floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** L*(lr, dropout): the loss the configuration converges to. */
export function finalLoss(lr, dropout) {
  const u = Math.log10(lr);
  return TASK.bestLoss + 0.1 * (u + 2.5) ** 2 + 0.2 * (dropout - TASK.bestDropout) ** 2;
}

/**
 * The losses a run of `epochs` epochs reports, epoch 1 first (examples/trials/learning-curve.mjs
 * with --lr, --dropout, --epochs, --noise, --seed).
 */
export function learningCurve({ lr, dropout, epochs, seed, noise = TASK.noise }) {
  const u = Math.log10(lr);
  const fin = finalLoss(lr, dropout);
  const rate = 0.02 * 10 ** ((u + 5) / 2);
  const rand = mulberry32(seed * 7919 + Math.round(lr * 1e9) + Math.round(dropout * 1e6));
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const out = [];
  for (let e = 1; e <= epochs; e++) out.push(fin + 1.5 * Math.exp(-rate * e) + Math.abs(gaussian()) * noise);
  return out;
}

/** Deterministic check points: the best configuration, the corners, pseudo-random points. */
export function checkPoints(count = 12) {
  let s = 0x2545f491;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const pts = [
    { lr: TASK.bestLr, dropout: TASK.bestDropout, epochs: TASK.maxEpochs, seed: 1 },
    { lr: 1e-5, dropout: 0, epochs: 5, seed: 2 },
    { lr: 0.1, dropout: 0.8, epochs: 5, seed: 3 },
  ];
  for (let k = 0; k < count; k++)
    pts.push({
      lr: 10 ** (-5 + 4 * next()),
      dropout: 0.8 * next(),
      epochs: 1 + Math.floor(next() * TASK.maxEpochs),
      seed: 1 + Math.floor(next() * 15),
    });
  return pts;
}

/**
 * Problems with the task's definition, empty when all is well:
 * - this file against examples/trials/learning-curve.mjs (its printed 6-decimal losses, ±1e-6) on
 *   three points;
 * - this file against the Python side (`pythonCurves(points)` resolves with one loss list per
 *   point; relative 1e-12, since V8's and libm's exp/log/cos may differ in the last bit);
 * - the known best: L*(10^-2.5, 0.3) = 0.05 and the best run ends within the noise of it.
 */
export async function checkLearningCurve(pythonCurves) {
  const errors = [];
  const points = checkPoints();
  const ours = points.map((p) => learningCurve(p));
  const example = path.join(here, '..', 'examples', 'trials', 'learning-curve.mjs');
  for (const p of points.slice(0, 3).concat(points.slice(5, 6))) {
    const out = execFileSync(
      process.execPath,
      [
        example,
        `--lr=${p.lr}`,
        `--dropout=${p.dropout}`,
        `--epochs=${p.epochs}`,
        `--noise=${TASK.noise}`,
        `--seed=${p.seed}`,
      ],
      { encoding: 'utf8' },
    );
    const printed = [...out.matchAll(/^epoch=\d+ loss=([-\d.e]+)$/gm)].map((m) => Number(m[1]));
    const mine = learningCurve(p);
    if (printed.length !== mine.length || printed.some((v, i) => Math.abs(v - mine[i]) > 1.5e-6))
      errors.push(
        `learning-curve.js disagrees with examples/trials/learning-curve.mjs at ${JSON.stringify(p)}`,
      );
  }
  if (pythonCurves) {
    const theirs = await pythonCurves(points);
    points.forEach((p, i) => {
      const a = ours[i];
      const b = theirs[i] ?? [];
      const bad =
        a.length !== b.length || a.some((v, j) => Math.abs(v - b[j]) > 1e-12 * Math.max(1, Math.abs(v)));
      if (bad)
        errors.push(
          `JS and Python learning curves differ at ${JSON.stringify(p)}: ${a.at(-1)} vs ${b.at(-1)}`,
        );
    });
  }
  if (Math.abs(finalLoss(TASK.bestLr, TASK.bestDropout) - TASK.bestLoss) > 1e-15)
    errors.push('L*(best) is not bestLoss');
  const best = ours[0].at(-1);
  if (!(best >= TASK.bestLoss && best <= TASK.bestLoss + 0.01))
    errors.push(`the best configuration ends at ${best}, not within 0.01 of ${TASK.bestLoss}`);
  return errors;
}
