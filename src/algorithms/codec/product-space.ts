/**
 * A search space seen as a finite product of axes — every parameter's feasible values in order —
 * with combinations numbered by mixed-radix positional notation (the first parameter is the most
 * significant digit, as in `itertools.product`). Grid search enumerates it; random search uses it
 * to pick an unused point when a small space is nearly covered. Nothing is materialised: index →
 * combination is digit arithmetic, so a grid of 10^12 points costs nothing to hold.
 */
import type { Assignment, ParameterSpace, SearchSpace } from '../../api/search-space.js';
import { stepGrid } from './step-grid.js';
import type { Rng } from '../rng.js';

/** The largest index handled exactly (indices are JS numbers). */
export const MAX_PRODUCT_INDEX = Number.MAX_SAFE_INTEGER;

/** One parameter's values, in order. */
export interface Axis {
  readonly parameter: ParameterSpace;
  /** Number of values; `Infinity` for a continuous double (no step) with `min < max`. */
  readonly size: number;
  /** The i-th value (0 ≤ i < size). */
  value(i: number): number | string;
  /** The index of `v` on this axis, or `undefined` when `v` is not one of its values. */
  indexOf(v: number | string): number | undefined;
}

/** Options for {@link productSpace}. */
export interface ProductSpaceOptions {
  /**
   * Drop repeated list entries (keeping the first), so each distinct value is one axis point.
   * Grid keeps lists as given (Katib counts repeated entries in its combination count).
   * @default false
   */
  readonly distinct?: boolean;
}

/** A search space as a product of axes, with mixed-radix numbering of its combinations. */
export interface ProductSpace {
  readonly axes: readonly Axis[];
  /** Number of combinations as a float (`Infinity` when some axis is continuous). */
  readonly size: number;
  /** Exact number of combinations; `undefined` when some axis is continuous. */
  readonly exactSize: bigint | undefined;
  /** True when every axis is finite and the size is at most {@link MAX_PRODUCT_INDEX}. */
  readonly enumerable: boolean;
  /** The combination with this index (0 ≤ index < size; index ≤ MAX_PRODUCT_INDEX). */
  at(index: number): Assignment;
  /** The index of a combination, or `undefined` when it is not one (or the index is too large). */
  indexOf(a: Assignment): number | undefined;
}

function listAxis<T extends number | string>(
  parameter: ParameterSpace,
  values: readonly T[],
  distinct: boolean,
): Axis {
  const list = distinct ? [...new Set(values)] : [...values];
  const first = new Map<T, number>();
  list.forEach((v, i) => {
    if (!first.has(v)) first.set(v, i);
  });
  return {
    parameter,
    size: list.length,
    value: (i) => list[i] as T,
    indexOf: (v) => first.get(v as T),
  };
}

/** The axis of one parameter. */
export function axisOf(p: ParameterSpace, options: ProductSpaceOptions = {}): Axis {
  const distinct = options.distinct ?? false;
  switch (p.type) {
    case 'categorical':
      return listAxis(p, p.values, distinct);
    case 'discrete':
      return listAxis(p, p.values, distinct);
    case 'int':
    case 'double': {
      if (p.type === 'double' && p.step === undefined) {
        if (p.min === p.max && Number.isFinite(p.min)) {
          return { parameter: p, size: 1, value: () => p.min, indexOf: (v) => (v === p.min ? 0 : undefined) };
        }
        return { parameter: p, size: Infinity, value: () => p.min, indexOf: () => undefined };
      }
      const step = p.type === 'int' && !(p.step > 0) ? 1 : (p.step as number);
      const grid = stepGrid(p.min, p.max, step);
      return {
        parameter: p,
        size: grid.count,
        value: (i) => grid.value(i),
        indexOf: (v) => (typeof v === 'number' ? grid.indexOf(v) : undefined),
      };
    }
  }
}

/** The product of the space's axes. */
export function productSpace(space: SearchSpace, options: ProductSpaceOptions = {}): ProductSpace {
  const axes = space.map((p) => axisOf(p, options));
  const size = axes.reduce((acc, a) => acc * a.size, 1);
  const exactSize = axes.every((a) => Number.isFinite(a.size))
    ? axes.reduce((acc, a) => acc * BigInt(a.size), 1n)
    : undefined;
  const enumerable = exactSize !== undefined && exactSize <= BigInt(MAX_PRODUCT_INDEX);

  const at = (index: number): Assignment => {
    const out: Record<string, number | string> = {};
    let rest = Math.max(0, Math.floor(index));
    for (let j = axes.length - 1; j >= 0; j--) {
      const axis = axes[j] as Axis;
      const r = Number.isFinite(axis.size) && axis.size > 0 ? axis.size : 1;
      const digit = rest % r;
      rest = Math.floor(rest / r);
      out[axis.parameter.name] = axis.value(digit);
    }
    return out;
  };

  const indexOf = (a: Assignment): number | undefined => {
    let index = 0;
    for (const axis of axes) {
      const v = a[axis.parameter.name];
      if (v === undefined || !Number.isFinite(axis.size)) return undefined;
      const digit = axis.indexOf(v);
      if (digit === undefined) return undefined;
      index = index * axis.size + digit;
      if (index > MAX_PRODUCT_INDEX) return undefined;
    }
    return index;
  };

  return { axes, size, exactSize, enumerable, at, indexOf };
}

/**
 * A uniformly chosen combination of `product` (the fallback of designers whose own sequence keeps
 * landing on taken points in a small space: random, sobol, tpe, cmaes) whose index is not in `used`; `undefined` when
 * every combination is used or the product is not enumerable.
 */
export function pickUnusedPoint(
  product: ProductSpace,
  used: ReadonlySet<number>,
  rng: Rng,
): Assignment | undefined {
  if (!product.enumerable) return undefined;
  const free = product.size - used.size;
  if (free <= 0) return undefined;
  let index = rng.int(0, free - 1);
  // The index-th free combination: step over every used index at or below it.
  for (const u of [...used].sort((x, y) => x - y)) {
    if (u <= index) index++;
    else break;
  }
  return product.at(index);
}
