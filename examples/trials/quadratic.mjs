#!/usr/bin/env node
// A noisy quadratic "training job" for katib-ts examples (Node, no dependencies).
//
//   node trials/quadratic.mjs --x=<v> --y=<v> [--noise=<sd>] [--epochs=N] [--shape=quadratic|abs]
//                             [--seed=N] [--run-name=<s>] [--sleep-ms=N]
//
// Final loss (minimum 0 at x=1.5, y=-0.5):
//   shape=quadratic: (x-1.5)^2 + (y+0.5)^2 + |N(0, noise^2)|
//   shape=abs:       |x-1.5|   + |y+0.5|   + |N(0, noise^2)|
// The noise is half-normal so the loss stays >= 0; it is drawn from a PRNG seeded by --seed, so
// the same arguments always print the same numbers.
// --run-name, KATIB_TRIAL_NAME and any TRIAL_* environment variables are echoed as progress lines.
//
// Output: a few progress lines, then one `epoch N/E loss=<value>` line per epoch (Katib's default
// StdOut filter picks up `loss=<value>`). The loss falls towards the final value and reaches it at
// the last epoch. Progress lines never contain `name=value` pairs, so only `loss` is collected.
// Bad arguments: a message on stderr and exit code 2.

import { commandLine, mulberry32 } from './args.mjs';

const USAGE =
  'usage: quadratic.mjs --x=<number> --y=<number> [--noise=<sd>=0.01] [--epochs=<int>=5] ' +
  '[--shape=quadratic|abs] [--seed=<int>=42] [--run-name=<string>] [--sleep-ms=<int>=0]';

const SPEC = {
  x: 'number',
  y: 'number',
  noise: 'number',
  epochs: 'int',
  shape: 'string',
  seed: 'int',
  'run-name': 'string',
  'sleep-ms': 'int',
};

const { fail, parseArgs } = commandLine('quadratic.mjs', USAGE, SPEC);

function gaussian(rand) {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const args = parseArgs(process.argv.slice(2));
if (args.x === undefined) fail('--x is required');
if (args.y === undefined) fail('--y is required');
const noise = args.noise ?? 0.01;
if (noise < 0) fail(`--noise must be >= 0, got ${noise}`);
const epochs = args.epochs ?? 5;
if (epochs < 1 || epochs > 10000) fail(`--epochs must be between 1 and 10000, got ${epochs}`);
const shape = args.shape ?? 'quadratic';
if (shape !== 'quadratic' && shape !== 'abs') fail(`--shape must be quadratic or abs, got ${JSON.stringify(shape)}`);
const seed = args.seed ?? 42;
const sleepMs = args['sleep-ms'] ?? 0;
if (sleepMs < 0) fail(`--sleep-ms must be >= 0, got ${sleepMs}`);

const dx = args.x - 1.5;
const dy = args.y + 0.5;
const clean = shape === 'quadratic' ? dx * dx + dy * dy : Math.abs(dx) + Math.abs(dy);
const rand = mulberry32(seed);
const final = clean + Math.abs(gaussian(rand)) * noise;

const fmt = (v) => String(v);
if (args['run-name'] !== undefined) console.log(`run-name: ${args['run-name']}`);
if (process.env.KATIB_TRIAL_NAME) console.log(`KATIB_TRIAL_NAME: ${process.env.KATIB_TRIAL_NAME}`);
// Echo TRIAL_* variables, e.g. the trial metadata that metadata-substitution.yaml passes in env.
for (const key of Object.keys(process.env).filter((k) => k.startsWith('TRIAL_')).sort()) {
  console.log(`${key}: ${process.env[key]}`);
}
console.log(`quadratic trial: shape ${shape}, x ${fmt(args.x)}, y ${fmt(args.y)}, noise sd ${fmt(noise)}, seed ${seed}`);
console.log(`training for ${epochs} epoch(s)`);

// The loss starts at final + (1 + final) and falls quadratically to `final` at the last epoch.
const gap = 1 + final;
for (let e = 1; e <= epochs; e++) {
  if (sleepMs > 0) await sleep(sleepMs);
  const remaining = (epochs - e) / epochs;
  const loss = final + gap * remaining * remaining;
  console.log(`epoch ${e}/${epochs} loss=${loss.toFixed(6)}`);
}
console.log('training finished');
