/**
 * The search space as TPE models it: one dimension per parameter (not per codec column), each
 * either numeric on an interval of the shared codec's box (log scale for `logUniform`/`logNormal`,
 * int and stepped doubles padded by half a step) or categorical by choice index — categorical
 * parameters and discrete lists alike, as Katib's peers treat lists (hyperopt's `hp.choice`,
 * Optuna's `CategoricalDistribution`; measured better here than an ordinal kernel on list
 * indices). Optuna's `_ParzenEstimator` works on the same per-parameter coordinates
 * (optuna/samplers/_tpe/parzen_estimator.py).
 */
import type { Assignment, SearchSpace } from '../../api/search-space.js';
import { createSpaceCodec, type ParameterEncoding, type SpaceCodec } from '../codec/space-codec.js';
import type { StepGrid } from '../codec/step-grid.js';

/**
 * How a numeric dimension's likelihood is measured at a point: `density` for continuous values
 * (and log-scaled steps, as Optuna does), `grid` as the mass of the point's cell (Optuna's `q`
 * handling: the cell is the point ± half a step, clipped to the box).
 */
export type CellKind = 'density' | 'grid';

/** One numeric dimension: an interval of the codec's box. */
export interface NumericDimension {
  readonly kind: 'numeric';
  readonly name: string;
  /** The codec column. */
  readonly column: number;
  readonly low: number;
  readonly high: number;
  /** The prior component's centre and width (Katib's normal prior for `normal`/`logNormal`). */
  readonly priorMu: number;
  readonly priorSigma: number;
  readonly cell: CellKind;
  /** Rounds a box coordinate to the coordinate of the nearest feasible value. */
  snap(x: number): number;
  /** Half-width of the cell around a snapped coordinate (for `grid`: half a step). */
  readonly halfCell: number;
}

/** One categorical dimension, by choice index (a categorical parameter, or a discrete list). */
export interface CategoricalDimension {
  readonly kind: 'categorical';
  readonly name: string;
  /** The codec column: the first one-hot column, or the list-index column of a discrete list. */
  readonly column: number;
  readonly choices: number;
  /** How the codec holds the choice. */
  readonly layout: 'one-hot' | 'index';
}

/** A dimension of the TPE space. */
export type TpeDimension = NumericDimension | CategoricalDimension;

/** The TPE view of a search space, with the mapping to and from assignments. */
export interface TpeSpace {
  readonly codec: SpaceCodec;
  readonly dimensions: readonly TpeDimension[];
  /** The point of an assignment: one coordinate per dimension (choice index for categoricals). */
  encode(assignment: Assignment, out?: Float64Array, offset?: number): Float64Array;
  /** The feasible assignment of a point (one coordinate per dimension). */
  decode(point: ArrayLike<number>, offset?: number): Assignment;
}

function snapOnGrid(grid: StepGrid, log: boolean): (x: number) => number {
  return log
    ? (x) => Math.log(grid.value(grid.nearestIndex(Math.exp(x))))
    : (x) => grid.value(grid.nearestIndex(x));
}

function numericDimension(e: ParameterEncoding, low: number, high: number): NumericDimension {
  const clamp = (x: number): number => (x < low ? low : x > high ? high : Number.isNaN(x) ? low : x);
  const p = e.parameter;
  let priorMu = 0.5 * (low + high);
  let priorSigma = high - low;
  if (
    (p.type === 'double' || p.type === 'int') &&
    (p.distribution === 'normal' || p.distribution === 'logNormal')
  ) {
    // Katib's normal: mean at the centre of [min, max], σ = (max − min)/6 (on log scale for logNormal).
    const a = e.scale === 'log' ? Math.log(p.min) : p.min;
    const b = e.scale === 'log' ? Math.log(p.max) : p.max;
    priorMu = 0.5 * (a + b);
    priorSigma = (b - a) / 6 > 0 ? (b - a) / 6 : high - low;
  }
  const base = { kind: 'numeric' as const, name: p.name, column: e.offset, low, high, priorMu, priorSigma };
  switch (e.kind) {
    case 'continuous':
      return { ...base, cell: 'density', snap: clamp, halfCell: 0 };
    case 'stepped': {
      const snap = snapOnGrid(e.grid, e.scale === 'log');
      const step = e.grid.step > 0 && Number.isFinite(e.grid.step) ? e.grid.step : 0;
      return e.scale === 'log' || step === 0
        ? { ...base, cell: 'density', snap: (x) => snap(clamp(x)), halfCell: 0 }
        : { ...base, cell: 'grid', snap: (x) => snap(clamp(x)), halfCell: step / 2 };
    }
    case 'discrete-index':
    case 'discrete-value':
    case 'one-hot':
      throw new Error('unreachable: lists are categorical dimensions');
  }
}

/** Builds the TPE view of a space (codec with discrete lists by index). */
export function createTpeSpace(space: SearchSpace): TpeSpace {
  const codec = createSpaceCodec(space, { discrete: 'index' });
  const dimensions: TpeDimension[] = codec.encodings.map((e): TpeDimension => {
    if (e.kind === 'one-hot')
      return {
        kind: 'categorical',
        name: e.parameter.name,
        column: e.offset,
        choices: e.width,
        layout: 'one-hot',
      };
    if (e.kind === 'discrete-index' || e.kind === 'discrete-value')
      return {
        kind: 'categorical',
        name: e.parameter.name,
        column: e.offset,
        choices: Math.max(1, e.parameter.values.length),
        layout: 'index',
      };
    const [low, high] = codec.bounds[e.offset] ?? [0, 0];
    return numericDimension(e, low, high);
  });
  const scratch = new Float64Array(codec.dimensions);

  const encode = (assignment: Assignment, out?: Float64Array, offset = 0): Float64Array => {
    const target = out ?? new Float64Array(dimensions.length);
    const x = codec.encode(assignment);
    dimensions.forEach((d, i) => {
      if (d.kind === 'numeric') {
        target[offset + i] = d.snap(x[d.column]!);
      } else if (d.layout === 'index') {
        target[offset + i] = Math.min(Math.max(Math.round(x[d.column]!), 0), d.choices - 1);
      } else {
        let best = 0;
        for (let c = 1; c < d.choices; c++) if (x[d.column + c]! > x[d.column + best]!) best = c;
        target[offset + i] = best;
      }
    });
    return target;
  };

  const decode = (point: ArrayLike<number>, offset = 0): Assignment => {
    scratch.fill(0);
    dimensions.forEach((d, i) => {
      const v = point[offset + i] ?? 0;
      if (d.kind === 'numeric') scratch[d.column] = v;
      else if (d.layout === 'index') scratch[d.column] = Math.round(v);
      else scratch[d.column + Math.min(Math.max(Math.round(v), 0), Math.max(0, d.choices - 1))] = 1;
    });
    return codec.decode(scratch);
  };

  return { codec, dimensions, encode, decode };
}
