#!/usr/bin/env node
// A Custom metrics collector (Katib's `collector.kind: Custom`): runs next to the trial, waits for
// Katib's completion marker (a `<pid>.pid` file containing `completed` in the metrics directory),
// then reads `<dir>/metrics.csv` (`epoch,loss` lines written by the trial) and reports every value
// with its step through katib-ts's REST push endpoint ($KATIB_API_URL, $KATIB_TRIAL_NAME).
//
//   node trials/csv-collector.mjs --metrics-dir=<dir> [--metric=loss]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { commandLine } from './args.mjs';

const usage = 'usage: csv-collector.mjs --metrics-dir=<dir> [--metric=<name>=loss]';
const { fail, parseArgs } = commandLine('csv-collector.mjs', usage, { 'metrics-dir': 'string', metric: 'string' });
const args = parseArgs(process.argv.slice(2));
const dir = args['metrics-dir'];
if (dir === undefined) fail('--metrics-dir is required');
const metric = args.metric ?? 'loss';
const api = process.env.KATIB_API_URL;
const trial = process.env.KATIB_TRIAL_NAME;
if (!api || !trial) fail('KATIB_API_URL and KATIB_TRIAL_NAME must be set (katib run sets them)');

const completed = () =>
  existsSync(dir) &&
  readdirSync(dir).some((f) => f.endsWith('.pid') && readFileSync(path.join(dir, f), 'utf8').trim() === 'completed');
while (!completed()) await new Promise((r) => setTimeout(r, 100));

const file = path.join(dir, 'metrics.csv');
const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
for (const line of lines) {
  const [step, value] = line.split(',');
  const res = await fetch(`${api}/api/v1beta1/trials/${encodeURIComponent(trial)}/observations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metrics: { [metric]: Number(value) }, step: Number(step) }),
  });
  if (res.status !== 204) fail(`report failed: ${res.status} ${await res.text()}`);
}
console.log(`reported ${lines.length} values of ${metric} for ${trial}`);
