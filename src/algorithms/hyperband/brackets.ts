/**
 * Hyperband's bracket arithmetic (Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar, "Hyperband:
 * A Novel Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185), 2018; Algorithm 1
 * and Table 1).
 *
 * With maximum resource `R` per configuration and halving rate `eta`:
 * - `s_max = floor(log_eta(R))`, computed exactly as the largest `s` with `eta^s <= R` (Katib's
 *   `int(log(R)/log(eta))` loses a bracket when the quotient rounds down, e.g. R = 1000, eta = 10);
 * - bracket `s = s_max … 0` starts `n = ceil((s_max + 1) / (s + 1) · eta^s)` configurations with
 *   resource `r = R · eta^-s`;
 * - rung `i = 0 … s` of a bracket runs `n_i = floor(n · eta^-i)` configurations with resource
 *   `r_i = r · eta^i`, the best `n_{i+1}` of them going on to the next rung.
 *
 * For R = 81, eta = 3 this gives the paper's Table 1: bracket 4 runs 81, 27, 9, 3, 1 configurations
 * with 1, 3, 9, 27, 81; bracket 3 runs 34, 11, 3, 1 with 3, 9, 27, 81; bracket 2 runs 15, 5, 1 with
 * 9, 27, 81; bracket 1 runs 8, 2 with 27, 81; bracket 0 runs 5 with 81.
 */

/** One rung of a bracket: how many configurations run, with how much resource each. */
export interface Rung {
  /** `n_i`: configurations trained in this rung. */
  readonly configurations: number;
  /** `r_i`: resource given to each (a real number; the designer rounds it for int parameters). */
  readonly resource: number;
}

/** One bracket of Hyperband: successive halving started from `n` configurations at resource `r`. */
export interface Bracket {
  /** The bracket's index `s` (`s_max` first, `0` last). */
  readonly s: number;
  /** `n`: configurations of the first rung. */
  readonly n: number;
  /** `r`: resource of the first rung. */
  readonly r: number;
  /** Rungs `0 … s`. */
  readonly rungs: readonly Rung[];
}

/** Relative slack for `eta^s <= R` when `R` is a float written in decimal (e.g. 0.1 · 3^k). */
const POWER_SLACK = 1e-9;

/** `eta^k` as an exact integer power for the small exponents used here. */
export function power(eta: number, k: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p *= eta;
  return p;
}

/**
 * `floor(log_eta(ratio))`: the largest `s >= 0` with `eta^s <= ratio` (0 when `ratio < eta`).
 * @throws RangeError when `eta < 2` or `ratio` is not a positive finite number.
 */
export function floorLog(ratio: number, eta: number): number {
  if (!(eta >= 2) || !Number.isFinite(eta)) throw new RangeError(`eta must be at least 2, got ${eta}`);
  if (!(ratio > 0) || !Number.isFinite(ratio)) throw new RangeError(`ratio must be positive, got ${ratio}`);
  let s = 0;
  while (power(eta, s + 1) <= ratio * (1 + POWER_SLACK)) s++;
  return s;
}

/** `s_max = floor(log_eta(R))`, the index of the most aggressive bracket. */
export function maxBracketIndex(maxResource: number, eta: number): number {
  return floorLog(maxResource, eta);
}

/** Bracket `s` of the plan for maximum resource `R` (`maxResource`) and rate `eta`. */
export function bracketOf(s: number, maxResource: number, eta: number): Bracket {
  const sMax = maxBracketIndex(maxResource, eta);
  // ceil((s_max+1)/(s+1)·eta^s) in integers: the numerator is an exact integer product.
  const n = Math.ceil(((sMax + 1) * power(eta, s)) / (s + 1));
  const r = maxResource / power(eta, s);
  const rungs: Rung[] = [];
  for (let i = 0; i <= s; i++) {
    rungs.push({
      configurations: Math.floor(n / power(eta, i)),
      // r·eta^i = R / eta^(s-i): exact when R is an integer multiple of eta^(s-i).
      resource: maxResource / power(eta, s - i),
    });
  }
  return { s, n, r, rungs };
}

/** Every bracket of one Hyperband run, `s_max` first (Algorithm 1's outer loop). */
export function bracketPlan(maxResource: number, eta: number): readonly Bracket[] {
  const sMax = maxBracketIndex(maxResource, eta);
  const plan: Bracket[] = [];
  for (let s = sMax; s >= 0; s--) plan.push(bracketOf(s, maxResource, eta));
  return plan;
}

/** Trials one Hyperband run creates at most: the sum of `n_i` over every rung of every bracket. */
export function planTrialCount(plan: readonly Bracket[]): number {
  return plan.reduce((sum, b) => sum + b.rungs.reduce((t, r) => t + r.configurations, 0), 0);
}

/**
 * Katib's lower bound on `spec.parallelTrialCount` for hyperband: `ceil(eta^s_max)`, the size of
 * the widest rung, which Katib's service hands out in one reply.
 */
export function minimumParallelTrials(maxResource: number, eta: number): number {
  return Math.ceil(power(eta, maxBracketIndex(maxResource, eta)));
}
