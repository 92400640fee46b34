#!/usr/bin/env node
// Self-checks of the benchmark harness (run by bench/quality.js before it starts, or alone):
// 1. every problem's objective gives the same value in JS (bench/problems.js) and in the Optuna
//    peer (bench/optuna_problems.py) on the same points, and its optimum value at its argmin;
// 2. bench/stats.js's Mann-Whitney p-values agree with scipy.stats.mannwhitneyu.
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { PYTHON, OptunaPeer } from './peer.js';
import { checkPoints, problems } from './problems.js';
import { mannWhitneyU } from './stats.js';

const close = (a, b, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

/** Problem parity against the peer; returns a list of problems found (empty when all agree). */
export async function checkProblems(peer) {
  const errors = [];
  for (const p of problems) {
    const points = checkPoints(p);
    const js = points.map((x) => p.objective(x));
    const { values: py } = await peer.request({ cmd: 'eval', problem: p.name, points });
    js.forEach((v, i) => {
      if (!Number.isFinite(v) || !close(v, py[i]))
        errors.push(`${p.name} at ${JSON.stringify(points[i])}: JS ${v}, Python ${py[i]}`);
    });
    // Hartmann-6's argmin is known to 8 digits only.
    if (!close(js[0], p.optimum, 1e-7)) errors.push(`${p.name}: f(argmin) = ${js[0]}, optimum ${p.optimum}`);
  }
  return errors;
}

/** Mann-Whitney parity against scipy (exact and asymptotic methods); returns a list of disagreements. */
export function checkStats() {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const cases = [];
  for (let k = 0; k < 12; k++) {
    const n1 = 3 + (k % 13);
    const n2 = 15 - (k % 4);
    const shift = (k % 5) * 0.3;
    const tied = k % 3 === 0;
    const draw = (d) => (tied ? Math.round(rnd() * 4) : rnd() + d);
    cases.push({
      x: Array.from({ length: n1 }, () => draw(shift)),
      y: Array.from({ length: n2 }, () => draw(0)),
    });
  }
  const script = `
import json, sys
from scipy.stats import mannwhitneyu
out = []
for c in json.load(sys.stdin):
    ties = len(set(c["x"] + c["y"])) < len(c["x"]) + len(c["y"])
    method = "asymptotic" if ties else "exact"
    r = mannwhitneyu(c["x"], c["y"], alternative="two-sided", method=method, use_continuity=True)
    out.append([float(r.statistic), float(r.pvalue)])
print(json.dumps(out))`;
  const ref = JSON.parse(
    execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' }),
  );
  const errors = [];
  cases.forEach((c, i) => {
    const r = mannWhitneyU(c.x, c.y);
    if (!close(r.u, ref[i][0], 1e-12) || !close(r.p, ref[i][1], 1e-6))
      errors.push(`case ${i} (${r.method}): ours U=${r.u} p=${r.p}, scipy U=${ref[i][0]} p=${ref[i][1]}`);
  });
  return errors;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const peer = new OptunaPeer();
  try {
    const errors = [...(await checkProblems(peer)), ...checkStats()];
    if (errors.length > 0) {
      console.error(errors.join('\n'));
      process.exitCode = 1;
    } else {
      console.log(
        `ok: ${problems.length} problems agree between JS and Python; Mann-Whitney agrees with scipy`,
      );
    }
  } finally {
    await peer.close();
  }
}
