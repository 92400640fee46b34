/**
 * The search-space codec: maps an assignment to a point of a box in R^d and any point of R^d back to
 * a feasible assignment, so continuous methods (GP, CMA-ES, TPE, Sobol, random) work on one
 * numeric representation.
 *
 * The idea is Optuna's `_SearchSpaceTransform` (optuna/_transform.py), written here for Katib's
 * parameter types:
 * - `double` without step: one column over `[min, max]`; on log scale (`ln`) for `logUniform` and
 *   `logNormal`.
 * - `int`, and `double` with a step: one column over the grid `min + k·step` padded by half a step
 *   on each side, so rounding gives every grid point a cell of the same width (Optuna pads
 *   integers by 0.5 in the same way); on log scale for log distributions.
 * - `discrete`: one column, either the index into the list (padded by 0.5) or the numeric value
 *   itself (padded by half the gap to the neighbour), decoded to the nearest value.
 * - `categorical`: one-hot, one column per choice in `[0, 1]`, decoded by argmax.
 *
 * Decoding always yields a feasible assignment: coordinates outside the box are clamped, NaN is
 * read as the lower bound, steps and lists are rounded to the nearest feasible value. Log scale
 * needs `min > 0`; a log-distributed parameter with `min <= 0` falls back to linear scale (the
 * algorithms' validation rejects such a space first, see `logScaleErrors`).
 */
import type { Assignment, ParameterSpace, SearchSpace } from '../../api/search-space.js';
import { nearestInSorted } from '../math/nearest.js';
import { stepGrid, type StepGrid } from './step-grid.js';

/** How a numeric column is scaled. */
export type CodecScale = 'linear' | 'log';

/** How `discrete` parameters are encoded: by list index or by numeric value. */
export type DiscreteEncoding = 'index' | 'value';

/** Options for {@link createSpaceCodec}. */
export interface SpaceCodecOptions {
  /**
   * `'value'` keeps the numeric order and distances of the list (suits models that assume a
   * metric, e.g. GP); `'index'` gives every list entry a cell of equal width (suits uniform
   * sampling over the list).
   * @default 'value'
   */
  readonly discrete?: DiscreteEncoding;
}

/** How one parameter is laid out in the encoded point. */
export type ParameterEncoding =
  | {
      /** `double` without step. */
      readonly kind: 'continuous';
      readonly parameter: ParameterSpace & { readonly type: 'double' };
      readonly offset: number;
      readonly width: 1;
      readonly scale: CodecScale;
    }
  | {
      /** `int`, or `double` with a step. */
      readonly kind: 'stepped';
      readonly parameter: ParameterSpace & { readonly type: 'int' | 'double' };
      readonly offset: number;
      readonly width: 1;
      readonly scale: CodecScale;
      readonly grid: StepGrid;
    }
  | {
      readonly kind: 'discrete-index' | 'discrete-value';
      readonly parameter: ParameterSpace & { readonly type: 'discrete' };
      readonly offset: number;
      readonly width: 1;
      readonly scale: 'linear';
    }
  | {
      readonly kind: 'one-hot';
      readonly parameter: ParameterSpace & { readonly type: 'categorical' };
      readonly offset: number;
      /** One column per choice. */
      readonly width: number;
      readonly scale: 'linear';
    };

/** Maps assignments to points of a box in R^d and back (Optuna's `_SearchSpaceTransform`). */
export interface SpaceCodec {
  /** The space this codec encodes. */
  readonly space: SearchSpace;
  /** Number of columns `d` of an encoded point. */
  readonly dimensions: number;
  /** `[low, high]` per column; log-scaled columns hold logarithms. */
  readonly bounds: readonly (readonly [low: number, high: number])[];
  /** Per parameter, in space order: where its columns are and how they are read. */
  readonly encodings: readonly ParameterEncoding[];
  /**
   * The point of a feasible assignment, inside `bounds`. Values outside the space are encoded as
   * well as possible (clamped; an unknown categorical gives an all-zero one-hot block).
   */
  encode(assignment: Assignment): Float64Array;
  /**
   * A feasible assignment for any point of length `dimensions`, in or out of `bounds`:
   * `decode(encode(a))` equals `a` for every feasible `a` (log-scale doubles without step to within
   * a relative 1e-12, since `exp(ln x)` may differ from `x` in the last bit; stepped doubles come
   * back as the canonical grid value).
   */
  decode(point: ArrayLike<number>): Assignment;
  /** Maps a point of the box to the unit cube `[0, 1]^d` (a zero-width column maps to 0.5). */
  toUnit(point: ArrayLike<number>): Float64Array;
  /** Maps a point of the unit cube back into the box. */
  fromUnit(unit: ArrayLike<number>): Float64Array;
}

const isLogDistribution = (p: ParameterSpace): boolean =>
  (p.type === 'double' || p.type === 'int') &&
  (p.distribution === 'logUniform' || p.distribution === 'logNormal');

/** Reads a coordinate, mapping NaN to `low` and clamping into `[low, high]`. */
function clampCoordinate(x: number | undefined, low: number, high: number): number {
  if (x === undefined || Number.isNaN(x)) return low;
  return x < low ? low : x > high ? high : x;
}

/** Builds the codec of a space. Total: never throws, even for spaces that fail validation. */
export function createSpaceCodec(space: SearchSpace, options: SpaceCodecOptions = {}): SpaceCodec {
  const discreteMode = options.discrete ?? 'value';
  const encodings: ParameterEncoding[] = [];
  const bounds: [number, number][] = [];
  let offset = 0;

  for (const p of space) {
    switch (p.type) {
      case 'double':
      case 'int': {
        const log = isLogDistribution(p) && p.min > 0;
        const scale: CodecScale = log ? 'log' : 'linear';
        const step: number | undefined = p.step;
        if (p.type === 'double' && step === undefined) {
          encodings.push({ kind: 'continuous', parameter: p, offset, width: 1, scale });
          bounds.push(log ? [Math.log(p.min), Math.log(p.max)] : [p.min, p.max]);
        } else {
          const effectiveStep = p.type === 'int' && !(Number(step) > 0) ? 1 : Number(step);
          const grid = stepGrid(p.min, p.max, effectiveStep);
          const half =
            grid.count > 0 && effectiveStep > 0 && Number.isFinite(effectiveStep) ? effectiveStep / 2 : 0;
          const top = grid.value(grid.count - 1);
          if (log) {
            const low = p.min - half > 0 ? Math.log(p.min - half) : Math.log(p.min);
            bounds.push([low, Math.log(top + half)]);
          } else {
            bounds.push([p.min - half, top + half]);
          }
          encodings.push({ kind: 'stepped', parameter: p, offset, width: 1, scale, grid });
        }
        offset += 1;
        break;
      }
      case 'discrete': {
        if (discreteMode === 'index') {
          bounds.push([-0.5, Math.max(0, p.values.length - 1) + 0.5]);
          encodings.push({ kind: 'discrete-index', parameter: p, offset, width: 1, scale: 'linear' });
        } else {
          const sorted = [...new Set(p.values)].sort((a, b) => a - b);
          const first = sorted[0] ?? 0;
          const last = sorted[sorted.length - 1] ?? 0;
          const padLow = sorted.length > 1 ? ((sorted[1] as number) - first) / 2 : 0.5;
          const padHigh = sorted.length > 1 ? (last - (sorted[sorted.length - 2] as number)) / 2 : 0.5;
          bounds.push([first - padLow, last + padHigh]);
          encodings.push({ kind: 'discrete-value', parameter: p, offset, width: 1, scale: 'linear' });
        }
        offset += 1;
        break;
      }
      case 'categorical': {
        const width = p.values.length;
        for (let i = 0; i < width; i++) bounds.push([0, 1]);
        encodings.push({ kind: 'one-hot', parameter: p, offset, width, scale: 'linear' });
        offset += width;
        break;
      }
    }
  }

  const dimensions = offset;
  // Sorted distinct values per discrete-value parameter, for nearest-value lookup.
  const sortedValues = new Map<string, number[]>();
  for (const e of encodings) {
    if (e.kind === 'discrete-value')
      sortedValues.set(
        e.parameter.name,
        [...new Set(e.parameter.values)].sort((a, b) => a - b),
      );
  }

  const encode = (assignment: Assignment): Float64Array => {
    const out = new Float64Array(dimensions);
    for (const e of encodings) {
      const raw = assignment[e.parameter.name];
      const [low, high] = bounds[e.offset] ?? [0, 0];
      switch (e.kind) {
        case 'continuous':
        case 'stepped': {
          const v = typeof raw === 'number' ? raw : Number(raw);
          const x = e.scale === 'log' ? Math.log(v) : v;
          out[e.offset] = clampCoordinate(x, low, high);
          break;
        }
        case 'discrete-index': {
          const i = e.parameter.values.indexOf(typeof raw === 'number' ? raw : Number(raw));
          out[e.offset] = i >= 0 ? i : 0;
          break;
        }
        case 'discrete-value': {
          const v = typeof raw === 'number' ? raw : Number(raw);
          out[e.offset] = clampCoordinate(v, low, high);
          break;
        }
        case 'one-hot': {
          const i = e.parameter.values.indexOf(String(raw));
          if (i >= 0) out[e.offset + i] = 1;
          break;
        }
      }
    }
    return out;
  };

  const decode = (point: ArrayLike<number>): Assignment => {
    const out: Record<string, number | string> = {};
    for (const e of encodings) {
      const [low, high] = bounds[e.offset] ?? [0, 0];
      switch (e.kind) {
        case 'continuous': {
          const p = e.parameter;
          const x = clampCoordinate(point[e.offset], low, high);
          const v = e.scale === 'log' ? Math.exp(x) : x;
          out[p.name] = Math.min(Math.max(v, p.min), p.max);
          break;
        }
        case 'stepped': {
          const x = clampCoordinate(point[e.offset], low, high);
          const v = e.scale === 'log' ? Math.exp(x) : x;
          out[e.parameter.name] = e.grid.value(e.grid.nearestIndex(v));
          break;
        }
        case 'discrete-index': {
          const values = e.parameter.values;
          const x = clampCoordinate(point[e.offset], low, high);
          const i = Math.min(Math.max(Math.round(x), 0), values.length - 1);
          out[e.parameter.name] = values[i] ?? 0;
          break;
        }
        case 'discrete-value': {
          const x = clampCoordinate(point[e.offset], low, high);
          out[e.parameter.name] = nearestInSorted(sortedValues.get(e.parameter.name) ?? [], x);
          break;
        }
        case 'one-hot': {
          let best = 0;
          let bestValue = -Infinity;
          for (let i = 0; i < e.width; i++) {
            const x = point[e.offset + i];
            if (x !== undefined && x > bestValue) {
              best = i;
              bestValue = x;
            }
          }
          out[e.parameter.name] = e.parameter.values[best] ?? '';
          break;
        }
      }
    }
    return out;
  };

  const toUnit = (point: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(dimensions);
    for (let i = 0; i < dimensions; i++) {
      const [low, high] = bounds[i] ?? [0, 0];
      const x = point[i] ?? low;
      out[i] = high > low ? (x - low) / (high - low) : 0.5;
    }
    return out;
  };

  const fromUnit = (unit: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(dimensions);
    for (let i = 0; i < dimensions; i++) {
      const [low, high] = bounds[i] ?? [0, 0];
      out[i] = low + (unit[i] ?? 0) * (high - low);
    }
    return out;
  };

  return { space, dimensions, bounds, encodings, encode, decode, toUnit, fromUnit };
}
