#!/usr/bin/env node
// The quadratic trial (minimum 0 at x=1.5, y=-0.5) reporting its loss per epoch in one of the ways
// Katib's other metrics collectors read, instead of stdout:
//
//   node trials/quadratic-reporting.mjs --x=<v> --y=<v> --report=tfevents --logdir=<dir> [--epochs=5]
//       writes TensorFlow event files: <logdir>/train/events.out.tfevents.* with tag `loss` and
//       <logdir>/validation/… with tag `loss` (10% higher): metric names `train/loss`, `validation/loss`
//   node trials/quadratic-reporting.mjs --x=<v> --y=<v> --report=push [--epochs=5]
//       pushes `loss` after every epoch to the db-manager ($KATIB_DB_MANAGER_ADDRESS,
//       $KATIB_TRIAL_NAME), as Katib's report_metrics does
//   node trials/quadratic-reporting.mjs --x=<v> --y=<v> --report=prometheus --port=<p> [--epochs=5]
//       serves `loss` in the Prometheus text format at http://127.0.0.1:<p>/metrics while it trains,
//       and keeps serving the last value for --linger-ms (default 2500) after the last epoch
//   node trials/quadratic-reporting.mjs --x=<v> --y=<v> --report=csv --logdir=<dir> [--epochs=5]
//       appends `epoch,loss` lines to <logdir>/metrics.csv, for a Custom collector to read
//
// Uses katib-ts itself (`npm run build` first): TfEventsWriter and reportMetrics.
import { appendFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { commandLine } from './args.mjs';
import { reportMetrics, TfEventsWriter } from 'katib-ts';

const usage =
  'usage: quadratic-reporting.mjs --x=<number> --y=<number> --report=tfevents|push|prometheus|csv [--logdir=<dir>] [--port=<int>] [--epochs=<int>=5] [--epoch-ms=<int>=150] [--linger-ms=<int>=2500]';
const { fail, parseArgs } = commandLine('quadratic-reporting.mjs', usage, {
  x: 'number',
  y: 'number',
  report: 'string',
  logdir: 'string',
  port: 'int',
  epochs: 'int',
  'epoch-ms': 'int',
  'linger-ms': 'int',
});
const args = parseArgs(process.argv.slice(2));
if (args.x === undefined || args.y === undefined) fail('--x and --y are required');
const epochs = args.epochs ?? 5;
const epochMs = args['epoch-ms'] ?? 150;
const final = (args.x - 1.5) ** 2 + (args.y + 0.5) ** 2;
const lossAt = (e) => final + (1 + final) * ((epochs - e) / epochs) ** 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

switch (args.report) {
  case 'tfevents': {
    if (args.logdir === undefined) fail('--logdir is required with --report=tfevents');
    const train = new TfEventsWriter(`${args.logdir}/train`);
    const validation = new TfEventsWriter(`${args.logdir}/validation`, { tensorScalars: true });
    for (let e = 1; e <= epochs; e++) {
      await sleep(epochMs);
      train.scalar('loss', lossAt(e), e);
      validation.scalar('loss', lossAt(e) * 1.1, e);
      console.log(`epoch ${e}: wrote loss to ${train.file}`);
    }
    break;
  }
  case 'csv': {
    if (args.logdir === undefined) fail('--logdir is required with --report=csv');
    mkdirSync(args.logdir, { recursive: true });
    for (let e = 1; e <= epochs; e++) {
      await sleep(epochMs);
      appendFileSync(`${args.logdir}/metrics.csv`, `${e},${lossAt(e)}\n`);
    }
    console.log(`wrote ${epochs} epochs to ${args.logdir}/metrics.csv`);
    break;
  }
  case 'push':
    for (let e = 1; e <= epochs; e++) {
      await sleep(epochMs);
      await reportMetrics({ loss: lossAt(e) });
      console.log(`epoch ${e}: pushed loss`);
    }
    break;
  case 'prometheus': {
    if (args.port === undefined) fail('--port is required with --report=prometheus');
    let current = lossAt(0);
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# HELP loss Training loss.\n# TYPE loss gauge\nloss ${current}\n`);
    });
    await new Promise((r) => server.listen(args.port, '127.0.0.1', r));
    for (let e = 1; e <= epochs; e++) {
      await sleep(epochMs);
      current = lossAt(e);
      console.log(`epoch ${e}: serving loss ${current}`);
    }
    await sleep(args['linger-ms'] ?? 2500);
    server.close();
    break;
  }
  default:
    fail(`--report must be tfevents, push, prometheus or csv, got ${JSON.stringify(args.report)}`);
}
