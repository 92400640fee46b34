#!/usr/bin/env node
// A synthetic learning curve with a known best configuration, for multi-fidelity tuning
// (hyperband, asha, medianstop): more epochs help, and the configurations that learn fastest
// are not the ones that end best.
//
//   node trials/learning-curve.mjs --lr=<v> --dropout=<v> [--epochs=27] [--noise=0.002] [--seed=1] [--sleep-ms=0]
//
// With u = log10(lr) in [-5, -1] and d = dropout in [0, 0.8]:
//   final loss   L*(lr, d) = 0.05 + 0.1·(u + 2.5)² + 0.2·(d − 0.3)²     (best: lr = 10^-2.5, d = 0.3)
//   learning rate k(lr)   = 0.02·10^((u + 5)/2)                         (larger lr learns faster)
//   loss at epoch e       = L* + 1.5·exp(−k·e) + |N(0, noise²)|
// Prints `epoch=<e> loss=<v>` each epoch and then `loss=<v>` (the last epoch's), Katib's default
// StdOut format. Bad arguments: a message on stderr and exit code 2.
import { commandLine, mulberry32 } from './args.mjs';

const usage =
  'usage: learning-curve.mjs --lr=<number> --dropout=<number> [--epochs=<int>=27] [--noise=<sd>=0.002] [--seed=<int>=1] [--sleep-ms=<int>=0]';
const { fail, parseArgs } = commandLine('learning-curve.mjs', usage, {
  lr: 'number',
  dropout: 'number',
  epochs: 'int',
  noise: 'number',
  seed: 'int',
  'sleep-ms': 'int',
});
const args = parseArgs(process.argv.slice(2));
if (args.lr === undefined || args.dropout === undefined) fail('--lr and --dropout are required');
if (!(args.lr > 0)) fail(`--lr must be > 0, got ${args.lr}`);
const epochs = args.epochs ?? 27;
if (epochs < 1 || epochs > 10000) fail(`--epochs must be between 1 and 10000, got ${epochs}`);
const noise = args.noise ?? 0.002;
const sleepMs = args['sleep-ms'] ?? 0;

const u = Math.log10(args.lr);
const finalLoss = 0.05 + 0.1 * (u + 2.5) ** 2 + 0.2 * (args.dropout - 0.3) ** 2;
const rate = 0.02 * 10 ** ((u + 5) / 2);
const rand = mulberry32((args.seed ?? 1) * 7919 + Math.round(args.lr * 1e9) + Math.round(args.dropout * 1e6));
const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

let loss = 0;
for (let e = 1; e <= epochs; e++) {
  if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
  loss = finalLoss + 1.5 * Math.exp(-rate * e) + Math.abs(gaussian()) * noise;
  console.log(`epoch=${e} loss=${loss.toFixed(6)}`);
}
console.log(`loss=${loss.toFixed(6)}`);
