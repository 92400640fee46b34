/**
 * Limited-memory BFGS (Nocedal, "Updating quasi-Newton matrices with limited storage", Math.
 * Comp. 1980; two-loop recursion as in Nocedal & Wright, Numerical Optimization, Alg. 7.4) with
 * box bounds handled by projection and a backtracking Armijo line search. Small and
 * deterministic: the same function and start give the same iterates, bit for bit.
 */

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Lower bounds per coordinate (projected onto). */
  readonly lower: ArrayLike<number>;
  /** Upper bounds per coordinate. */
  readonly upper: ArrayLike<number>;
  /** Iteration limit. */
  readonly maxIterations: number;
  /** Correction pairs kept. @default 7 */
  readonly memory?: number;
  /** Stop when the projected gradient's largest entry falls below this. @default 1e-5 */
  readonly gradientTolerance?: number;
  /** Stop when an iteration improves `f` by less than this (relative). @default 1e-9 */
  readonly functionTolerance?: number;
}

/** Outcome of {@link minimizeLbfgs}. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  /** Function evaluations used. */
  readonly evaluations: number;
}

/** The objective: value and gradient at `x` (may return a non-finite value to reject `x`). */
export type ValueAndGradient = (x: Float64Array) => {
  readonly value: number;
  readonly gradient: Float64Array;
};

function project(x: Float64Array, lower: ArrayLike<number>, upper: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    const lo = lower[i] as number;
    const hi = upper[i] as number;
    const v = x[i] as number;
    x[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Minimises `fg` from `start` inside the box. Never throws on a non-finite objective: such points are stepped back from. */
export function minimizeLbfgs(
  fg: ValueAndGradient,
  start: ArrayLike<number>,
  options: LbfgsOptions,
): LbfgsResult {
  const m = options.memory ?? 7;
  const gtol = options.gradientTolerance ?? 1e-5;
  const ftol = options.functionTolerance ?? 1e-9;
  const dim = start.length;
  const x = Float64Array.from(start);
  project(x, options.lower, options.upper);
  let current = fg(x);
  let evaluations = 1;
  if (!Number.isFinite(current.value)) return { x, value: current.value, evaluations };
  let g = current.gradient;
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];

  for (let iter = 0; iter < options.maxIterations; iter++) {
    // Projected gradient: components pushing against an active bound do not count.
    let pgMax = 0;
    for (let i = 0; i < dim; i++) {
      const gi = g[i] as number;
      const atLower = (x[i] as number) <= (options.lower[i] as number) && gi > 0;
      const atUpper = (x[i] as number) >= (options.upper[i] as number) && gi < 0;
      if (!atLower && !atUpper) pgMax = Math.max(pgMax, Math.abs(gi));
    }
    if (pgMax < gtol) break;

    // Two-loop recursion: d = −H·g.
    const q = Float64Array.from(g);
    const alphas = new Array<number>(sList.length);
    for (let k = sList.length - 1; k >= 0; k--) {
      const a = (rhoList[k] as number) * dot(sList[k] as Float64Array, q);
      alphas[k] = a;
      const yk = yList[k] as Float64Array;
      for (let i = 0; i < dim; i++) q[i] = (q[i] as number) - a * (yk[i] as number);
    }
    if (sList.length > 0) {
      const sk = sList[sList.length - 1] as Float64Array;
      const yk = yList[yList.length - 1] as Float64Array;
      const gamma = dot(sk, yk) / dot(yk, yk);
      for (let i = 0; i < dim; i++) q[i] = (q[i] as number) * gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      const scale = gn > 1 ? 1 / gn : 1;
      for (let i = 0; i < dim; i++) q[i] = (q[i] as number) * scale;
    }
    for (let k = 0; k < sList.length; k++) {
      const b = (rhoList[k] as number) * dot(yList[k] as Float64Array, q);
      const sk = sList[k] as Float64Array;
      const a = alphas[k] as number;
      for (let i = 0; i < dim; i++) q[i] = (q[i] as number) + (a - b) * (sk[i] as number);
    }
    const direction = q;
    for (let i = 0; i < dim; i++) direction[i] = -(direction[i] as number);
    // Not a descent direction (can happen after projection): restart from steepest descent.
    if (dot(direction, g) >= 0) {
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      const gn = Math.sqrt(dot(g, g));
      for (let i = 0; i < dim; i++) direction[i] = -(g[i] as number) / (gn > 1 ? gn : 1);
    }

    // Backtracking line search on the projected path.
    let step = 1;
    let accepted: { x: Float64Array; value: number; gradient: Float64Array } | undefined;
    for (let ls = 0; ls < 30; ls++) {
      const trial = new Float64Array(dim);
      for (let i = 0; i < dim; i++) trial[i] = (x[i] as number) + step * (direction[i] as number);
      project(trial, options.lower, options.upper);
      let decrease = 0;
      for (let i = 0; i < dim; i++) decrease += (g[i] as number) * ((trial[i] as number) - (x[i] as number));
      const r = fg(trial);
      evaluations++;
      if (Number.isFinite(r.value) && r.value <= current.value + 1e-4 * decrease) {
        accepted = { x: trial, value: r.value, gradient: r.gradient };
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;

    const s = new Float64Array(dim);
    const y = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      s[i] = (accepted.x[i] as number) - (x[i] as number);
      y[i] = (accepted.gradient[i] as number) - (g[i] as number);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
      if (sList.length > m) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    const improvement = current.value - accepted.value;
    x.set(accepted.x);
    current = accepted;
    g = accepted.gradient;
    if (improvement <= ftol * Math.max(1, Math.abs(current.value))) break;
  }
  return { x, value: current.value, evaluations };
}
