// The test problems of the quality benchmark: parameters (Katib ParameterSpecs) and optimum values
// come from bench/problems.json, shared with the Optuna peer; the objectives are written here and,
// identically, in bench/optuna_problems.py (bench/check.js compares the two on the same points).
// Formulas: Surjanovic & Bingham, Virtual Library of Simulation Experiments (sfu.ca/~ssurjano).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The parsed bench/problems.json. */
export const problemFile = JSON.parse(readFileSync(path.join(here, 'problems.json'), 'utf8'));

const vec = (p, n) => Array.from({ length: n }, (_, i) => Number(p[`x${i + 1}`]));

/** Branin-Hoo on [-5, 10] × [0, 15]; minimum 5/(4π) at three points. */
function branin(p) {
  const [x1, x2] = vec(p, 2);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

/** Hartmann 6-D on [0, 1]^6; minimum −3.32237. */
function hartmann6(p) {
  const x = vec(p, 6);
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let j = 0; j < 6; j++) s += H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2;
    f -= H6_ALPHA[i] * Math.exp(-s);
  }
  return f;
}

/** Rosenbrock in d dimensions; minimum 0 at (1, …, 1). */
function rosenbrock(x) {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) f += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2;
  return f;
}

/** Ackley (a = 20, b = 0.2, c = 2π) of x − shift; minimum 0 at x = shift. */
function ackley(x, shift) {
  const d = x.length;
  let sq = 0;
  let cs = 0;
  for (let i = 0; i < d; i++) {
    const z = x[i] - shift[i];
    sq += z * z;
    cs += Math.cos(2 * Math.PI * z);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cs / d) + 20 + Math.E;
}

/** Levy in d dimensions; minimum 0 at (1, …, 1). */
function levy(x) {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const d = w.length;
  let f = Math.sin(Math.PI * w[0]) ** 2;
  for (let i = 0; i + 1 < d; i++) f += (w[i] - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i] + 1) ** 2);
  f += (w[d - 1] - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]) ** 2);
  return f;
}

/** The mixed problem: a positive-definite quadratic in (log10 lr, layers) per optimizer, offset per optimizer. */
function mixed(p, categories) {
  const c = categories[String(p.optimizer)];
  const u = Math.log10(Number(p.lr)) - c.m;
  const v = (Number(p.layers) - c.k) / 8;
  return c.a + u * u + v * v + 0.8 * u * v;
}

const OBJECTIVES = {
  branin: () => branin,
  hartmann6: () => hartmann6,
  rosenbrock5: () => (p) => rosenbrock(vec(p, 5)),
  ackley5: (def) => (p) => ackley(vec(p, 5), def.shift),
  levy10: () => (p) => levy(vec(p, 10)),
  mixed: (def) => (p) => mixed(p, def.categories),
};

/**
 * A benchmark problem: `parameters` (Katib ParameterSpecs), `objective(assignment)` taking
 * `{ name: value }` with numbers for numeric parameters and strings for categorical ones,
 * `optimum` (known minimum), `trials` (budget) and `title`.
 */
export const problems = problemFile.problems.map((def) => ({ ...def, objective: OBJECTIVES[def.name](def) }));

/** The problem called `name`; throws when unknown. */
export function problem(name) {
  const p = problems.find((x) => x.name === name);
  if (!p) throw new Error(`unknown problem ${name}; known: ${problems.map((x) => x.name).join(', ')}`);
  return p;
}

/** A Katib parameter value (string) as the objective takes it: number, or string for categorical/discrete lists. */
export function parseValue(spec, value) {
  return spec.parameterType === 'double' || spec.parameterType === 'int' ? Number(value) : String(value);
}

/** Deterministic test points for the parity check: the argmin, the box corners' midpoints, pseudo-random points. */
export function checkPoints(def, count = 6) {
  let s = 0x9e3779b9 ^ def.name.length;
  const next = () => {
    // xorshift32: any deterministic sequence will do here.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const pts = [{ ...def.argmin }];
  for (let k = 0; k < count; k++) {
    const pt = {};
    for (const spec of def.parameters) {
      const fs = spec.feasibleSpace;
      const u = next();
      if (spec.parameterType === 'categorical' || spec.parameterType === 'discrete') {
        pt[spec.name] = fs.list[Math.floor(u * fs.list.length)];
      } else {
        const lo = Number(fs.min);
        const hi = Number(fs.max);
        let v =
          fs.distribution === 'logUniform'
            ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)))
            : lo + u * (hi - lo);
        if (spec.parameterType === 'int') v = Math.min(hi, Math.floor(v));
        pt[spec.name] = v;
      }
    }
    pts.push(pt);
  }
  return pts;
}
