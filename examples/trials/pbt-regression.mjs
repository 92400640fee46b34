#!/usr/bin/env node
// A small model trained in segments from a checkpoint, for Population Based Training.
//
//   node trials/pbt-regression.mjs --lr=<v> --momentum=<v> --checkpoint=<dir> [--steps=10] [--seed=7]
//
// The model is a linear regression on 8 features (synthetic data with a fixed true weight
// vector and noise), trained by SGD with momentum on mini-batches. Each run:
// 1. loads weights, velocity and the step count from <dir>/checkpoint.json when it exists (pbt
//    copies the parent trial's directory into this trial's before it starts), otherwise starts
//    from zero weights;
// 2. trains --steps more steps (default 10) with this trial's --lr and --momentum, printing `step=<s> loss=<v>`;
// 3. saves the checkpoint and prints the final validation `loss=<v>`.
// A bad learning rate diverges (the loss grows or becomes non-finite: the trial reports a large
// loss), so the population learns to move away from it generation by generation.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandLine, mulberry32 } from './args.mjs';

const usage =
  'usage: pbt-regression.mjs --lr=<number> --momentum=<number> --checkpoint=<dir> [--steps=<int>=10] [--seed=<int>=7]';
const { fail, parseArgs } = commandLine('pbt-regression.mjs', usage, {
  lr: 'number',
  momentum: 'number',
  checkpoint: 'string',
  steps: 'int',
  seed: 'int',
});
const args = parseArgs(process.argv.slice(2));
if (args.lr === undefined || args.momentum === undefined || args.checkpoint === undefined)
  fail('--lr, --momentum and --checkpoint are required');
const steps = args.steps ?? 10;
const FEATURES = 8;
const BATCH = 16;

// Fixed data: the same for every trial (seed 1234), so losses are comparable.
const data = mulberry32(1234);
const gauss = (rand) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const trueW = Array.from({ length: FEATURES }, (_, i) => (i % 2 === 0 ? 1 : -1) * (1 + i / 4));
const sample = (n) =>
  Array.from({ length: n }, () => {
    const x = Array.from({ length: FEATURES }, () => gauss(data) * (1 + 3 * data()));
    const y = x.reduce((s, v, i) => s + v * trueW[i], 0) + 0.1 * gauss(data);
    return { x, y };
  });
const train = sample(512);
const valid = sample(256);

const file = path.join(args.checkpoint, 'checkpoint.json');
let state = { step: 0, w: new Array(FEATURES).fill(0), v: new Array(FEATURES).fill(0) };
if (existsSync(file)) state = JSON.parse(readFileSync(file, 'utf8'));
console.log(`resuming at step ${state.step} from ${existsSync(file) ? file : 'scratch'}`);

const mse = (rows, w) => rows.reduce((s, r) => s + (r.x.reduce((a, v, i) => a + v * w[i], 0) - r.y) ** 2, 0) / rows.length;
const rand = mulberry32((args.seed ?? 7) + state.step);
for (let k = 0; k < steps; k++) {
  const grad = new Array(FEATURES).fill(0);
  for (let b = 0; b < BATCH; b++) {
    const r = train[Math.floor(rand() * train.length)];
    const err = r.x.reduce((a, v, i) => a + v * state.w[i], 0) - r.y;
    for (let i = 0; i < FEATURES; i++) grad[i] += (2 * err * r.x[i]) / BATCH;
  }
  for (let i = 0; i < FEATURES; i++) {
    state.v[i] = args.momentum * state.v[i] - args.lr * grad[i];
    state.w[i] += state.v[i];
  }
  state.step++;
  if ((k + 1) % 5 === 0) console.log(`step=${state.step} loss=${Math.min(mse(train, state.w), 1e12)}`);
}
mkdirSync(args.checkpoint, { recursive: true });
writeFileSync(`${file}.tmp`, JSON.stringify(state));
renameSync(`${file}.tmp`, file);
const loss = mse(valid, state.w);
console.log(`loss=${Number.isFinite(loss) ? Math.min(loss, 1e12) : 1e12}`);
