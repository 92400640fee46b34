/**
 * The observations TPE learns from, kept across calls: one row of TPE coordinates and one loss per
 * observed trial, in the order the trials arrived, plus a ranking by loss maintained by insertion
 * (so a call at 2000 trials does not re-sort them). The good/bad split of a suggestion is the head
 * of the ranking; ties in loss go to the older trial, so the split is one total order whatever the
 * route the history took (one call, many calls, a replay of the same order).
 */

/** A split of the observations: row indices of the "below" (good) and "above" groups, oldest first. */
export interface ObservationSplit {
  readonly below: Uint32Array;
  readonly above: Uint32Array;
}

/** Observed trials as rows of TPE coordinates with their losses. */
export class ObservationHistory {
  private rows: Float64Array;
  private lossValues: Float64Array;
  private ranking: Uint32Array;
  /** Per dimension, the rows sorted by their coordinate (ties: older first). */
  private orders: Uint32Array[];
  private n = 0;
  /** Scratch of {@link split}. */
  private isBelow = new Uint8Array(0);
  private splitRows = new Uint32Array(0);
  private nonFinite = 0;

  /** @param dimensions coordinates per row */
  constructor(readonly dimensions: number) {
    this.rows = new Float64Array(Math.max(1, dimensions) * 64);
    this.lossValues = new Float64Array(64);
    this.ranking = new Uint32Array(64);
    this.orders = Array.from({ length: dimensions }, () => new Uint32Array(64));
  }

  /** Number of observations. */
  get size(): number {
    return this.n;
  }

  /** True when every loss is finite (no ±∞ from an infinite objective value). */
  get finiteLosses(): boolean {
    return this.nonFinite === 0;
  }

  /** The loss of row `i`. */
  loss(i: number): number {
    return this.lossValues[i]!;
  }

  /** Coordinate `j` of row `i`. */
  value(i: number, j: number): number {
    return this.rows[i * this.dimensions + j]!;
  }

  /** Appends one observation (the newest); `loss` must not be NaN. */
  add(row: ArrayLike<number>, loss: number): void {
    if (this.n === this.lossValues.length) this.grow();
    const d = this.dimensions;
    for (let j = 0; j < d; j++) {
      this.rows[this.n * d + j] = row[j]!;
    }
    this.lossValues[this.n] = loss;
    if (!Number.isFinite(loss)) this.nonFinite++;
    // Insert after every row whose loss is <= loss (older rows win ties).
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lossValues[this.ranking[mid]!]! <= loss) lo = mid + 1;
      else hi = mid;
    }
    this.ranking.copyWithin(lo + 1, lo, this.n);
    this.ranking[lo] = this.n;
    for (let j = 0; j < d; j++) {
      const order = this.orders[j]!;
      const v = row[j]!;
      lo = 0;
      hi = this.n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.rows[order[mid]! * d + j]! <= v) lo = mid + 1;
        else hi = mid;
      }
      order.copyWithin(lo + 1, lo, this.n);
      order[lo] = this.n;
    }
    this.n++;
  }

  /** The rows sorted by coordinate `j` (a view; valid until the next `add`). */
  sortedRows(j: number): Uint32Array {
    return this.orders[j]!.subarray(0, this.n);
  }

  /**
   * The `nBelow` best rows and the rest, each oldest first: views of one buffer, valid until the
   * next `split`.
   */
  split(nBelow: number): ObservationSplit {
    const nb = Math.min(Math.max(0, nBelow), this.n);
    if (this.isBelow.length < this.n) {
      this.isBelow = new Uint8Array(this.lossValues.length);
      this.splitRows = new Uint32Array(this.lossValues.length);
    }
    const isBelow = this.isBelow;
    isBelow.fill(0, 0, this.n);
    for (let r = 0; r < nb; r++) isBelow[this.ranking[r]!] = 1;
    const rows = this.splitRows;
    let b = 0;
    let a = nb;
    for (let i = 0; i < this.n; i++) {
      if (isBelow[i] === 1) rows[b++] = i;
      else rows[a++] = i;
    }
    return { below: rows.subarray(0, nb), above: rows.subarray(nb, this.n) };
  }

  /**
   * For a group of rows (in kernel order), each row's kernel index; −1 for rows outside the group.
   * Into `out` when it has room for every row.
   */
  kernelIndices(group: Uint32Array, out?: Int32Array): Int32Array {
    const indices = out && out.length >= this.n ? out : new Int32Array(this.n);
    indices.fill(-1, 0, this.n);
    for (let r = 0; r < group.length; r++) indices[group[r]!] = r;
    return indices;
  }

  /**
   * A group's kernels sorted by coordinate `j`, without sorting: the history's rows already sorted
   * by `j` that belong to the group (`kernelOfRow`), merged with the group's extra points, rows
   * `first…count−1` of `points` (row-major, `dimensions` wide: the liars), which are few. Into
   * `out` when it has room for `count` kernels (the result is then a view of it).
   */
  groupOrder(
    j: number,
    kernelOfRow: Int32Array,
    points: Float64Array,
    first: number,
    count: number,
    out?: Uint32Array,
  ): Uint32Array {
    const d = this.dimensions;
    const order = out && out.length >= count ? out.subarray(0, count) : new Uint32Array(count);
    const extra = Array.from({ length: count - first }, (_, t) => first + t);
    extra.sort((a, b) => points[a * d + j]! - points[b * d + j]! || a - b);
    let p = 0;
    let q = 0;
    const sorted = this.orders[j]!;
    for (let r = 0; r < this.n; r++) {
      const row = sorted[r]!;
      const kernel = kernelOfRow[row]!;
      if (kernel < 0) continue;
      const v = this.rows[row * d + j]!;
      while (q < extra.length && points[extra[q]! * d + j]! < v) order[p++] = extra[q++]!;
      order[p++] = kernel;
    }
    while (q < extra.length) order[p++] = extra[q++]!;
    return order;
  }

  /**
   * Order statistics of coordinate `j` over a multiset: every row's value, less those of the rows
   * `removed` (distinct rows, few), plus the values `added[0…addedCount)` (few); the values of
   * ranks `ranks` (0-based, ascending value, each below the multiset's size) into `out`. Each is
   * found by binary search over the rows sorted by `j`, counting the values at most a candidate
   * (every row's, less the removed ones', plus the added ones'), in O((removed + added) · log n),
   * so a large group's quartiles need no pass over it. `removed` and `added` are sorted in place
   * (`removedValues` is scratch of at least `removed.length`).
   */
  orderStatistics(
    j: number,
    removed: Uint32Array,
    removedValues: Float64Array,
    added: Float64Array,
    addedCount: number,
    ranks: ArrayLike<number>,
    out: Float64Array,
  ): void {
    const d = this.dimensions;
    const rows = this.rows;
    const sorted = this.orders[j]!;
    const n = this.n;
    const x = removedValues.subarray(0, removed.length);
    for (let t = 0; t < removed.length; t++) x[t] = rows[removed[t]! * d + j]!;
    x.sort();
    const y = added.subarray(0, addedCount).sort();
    // The multiset's values at most v.
    const atMost = (v: number): number => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (rows[sorted[mid]! * d + j]! <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo - atMostIn(x, v) + atMostIn(y, v);
    };
    for (let q = 0; q < ranks.length; q++) {
      const need = ranks[q]! + 1;
      // The smallest row value, then the smallest added value, with `need` values at most it;
      // the smaller of the two is a value of the multiset (a value of no row left would share its
      // count with a smaller value that is) and the one of this rank.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (atMost(rows[sorted[mid]! * d + j]!) >= need) hi = mid;
        else lo = mid + 1;
      }
      let value = lo < n ? rows[sorted[lo]! * d + j]! : Infinity;
      for (let t = 0; t < y.length && y[t]! < value; t++)
        if (atMost(y[t]!) >= need) {
          value = y[t]!;
          break;
        }
      out[q] = value;
    }
  }

  /**
   * Copies the given rows, in order, into a row-major array with `extra` spare rows at the end:
   * `out` when it has room, else a fresh array of that size.
   */
  gather(indices: Uint32Array, extra: number, out?: Float64Array): Float64Array {
    const d = this.dimensions;
    const size = (indices.length + extra) * d;
    const points = out && out.length >= size ? out : new Float64Array(size);
    for (let r = 0; r < indices.length; r++) {
      const from = indices[r]! * d;
      for (let j = 0; j < d; j++) points[r * d + j] = this.rows[from + j]!;
    }
    return points;
  }

  private grow(): void {
    const cap = this.lossValues.length * 2;
    const rows = new Float64Array(Math.max(1, this.dimensions) * cap);
    rows.set(this.rows);
    const losses = new Float64Array(cap);
    losses.set(this.lossValues);
    const ranking = new Uint32Array(cap);
    ranking.set(this.ranking);
    this.rows = rows;
    this.lossValues = losses;
    this.ranking = ranking;
    this.orders = this.orders.map((o) => {
      const grown = new Uint32Array(cap);
      grown.set(o);
      return grown;
    });
  }
}

/** The number of values of the ascending `values` at most `v`. */
function atMostIn(values: Float64Array, v: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
