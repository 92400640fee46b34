/**
 * The values `min + k·step` (k = 0, 1, …) that lie in `[min, max]`: the feasible values of an
 * `int` parameter and of a `double` with a `step`. Shared by the codec, random and grid, so every
 * algorithm produces the same canonical value for a grid point.
 */

/**
 * Tolerance in units of `step`, the same as `isFeasibleValue`'s: `max` counts as on the grid when
 * it misses the last point by floating-point noise (e.g. 0.1 + 3·0.1 vs 0.4).
 */
const STEP_EPS = 1e-9;

/** The grid of one stepped parameter. */
export interface StepGrid {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  /** How many grid points lie in `[min, max]`; 0 only for an empty or malformed range. */
  readonly count: number;
  /** The k-th grid point, clamped into `[min, max]` and written with as few decimals as `min` and `step` need. */
  value(k: number): number;
  /** The index of the grid point nearest to `v`, clamped to `[0, count − 1]`. */
  nearestIndex(v: number): number;
  /** The index of `v` when `v` is a grid point (within the tolerance); otherwise `undefined`. */
  indexOf(v: number): number | undefined;
}

/** Number of decimal digits in the shortest round-trip form of `x` (`1e-7` → 7, `0.25` → 2). */
function decimalsOf(x: number): number {
  const s = String(Math.abs(x));
  const e = s.indexOf('e');
  const mantissa = e >= 0 ? s.slice(0, e) : s;
  const exponent = e >= 0 ? Number(s.slice(e + 1)) : 0;
  const dot = mantissa.indexOf('.');
  const fraction = dot >= 0 ? mantissa.length - dot - 1 : 0;
  return Math.max(0, fraction - exponent);
}

/**
 * Number of grid points `min + k·step` in `[min, max]`. 0 when the range is empty or the numbers
 * are not finite; 1 when `step` is not a positive finite number (only `min` is reachable).
 */
export function stepCount(min: number, max: number, step: number): number {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return 0;
  if (!(step > 0) || !Number.isFinite(step)) return 1;
  return Math.floor((max - min) / step + STEP_EPS) + 1;
}

/** The grid `min + k·step` within `[min, max]`. */
export function stepGrid(min: number, max: number, step: number): StepGrid {
  const count = stepCount(min, max, step);
  const usable = step > 0 && Number.isFinite(step);
  const decimals = usable ? Math.max(decimalsOf(min), decimalsOf(step)) : 0;
  const last = Math.max(0, count - 1);
  const value = (k: number): number => {
    const kk = Math.min(Math.max(Math.round(k), 0), last);
    if (!usable) return min;
    const raw = min + kk * step;
    let v = raw;
    // Prefer the short decimal form (0.3 rather than 0.30000000000000004) when it is the same
    // grid point to within a tiny fraction of the step.
    if (decimals <= 100) {
      const pretty = Number(raw.toFixed(decimals));
      if (Math.abs(pretty - raw) <= STEP_EPS * step * 0.5) v = pretty;
    }
    return Math.min(Math.max(v, min), max);
  };
  const nearestIndex = (v: number): number => {
    if (!usable || Number.isNaN(v)) return 0;
    return Math.min(Math.max(Math.round((v - min) / step), 0), last);
  };
  const indexOf = (v: number): number | undefined => {
    if (count === 0 || !Number.isFinite(v) || v < min || v > max) return undefined;
    if (!usable) return v === min ? 0 : undefined;
    const k = (v - min) / step;
    const r = Math.round(k);
    if (r < 0 || r > last) return undefined;
    return Math.abs(k - r) <= STEP_EPS * Math.max(1, Math.abs(k)) ? r : undefined;
  };
  return { min, max, step, count, value, nearestIndex, indexOf };
}
