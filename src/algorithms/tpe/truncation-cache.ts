/**
 * The truncation terms of numeric kernels, remembered per observation and dimension across
 * suggestions. A kernel truncated to `[low, high]` is scored with its log mass log Z on the interval
 * (Bergstra et al. 2011 use truncated Gaussians), which costs several logarithms and exponentials;
 * it depends only on the kernel's centre (the observation's coordinate, fixed for good) and its
 * bandwidth σ. With univariate TPE's neighbour bandwidths an added trial changes the σ of a few
 * neighbours only, so almost every term of the next suggestion is already known. An entry is used
 * only when σ is bitwise the one it was computed for, so a cached term is the number a fresh
 * computation gives: the cache changes no result, whatever route the history took.
 */

/**
 * One dimension's entries, indexed by observation row. The Parzen estimator reads and writes them
 * in place (a method call per kernel would cost more than the lookup).
 */
export interface TruncationColumn {
  /** The σ each row's terms were computed for; NaN (equal to no σ) for none. */
  readonly sigma: Float64Array;
  /** log Z, the log of the kernel's mass on the interval. */
  readonly logZ: Float64Array;
  /** The kernel's log-score offset (see the Parzen estimator). */
  readonly logNorm: Float64Array;
}

/** Truncation terms per (observation row, dimension), keyed by the kernel's σ. */
export class TruncationCache {
  private readonly columns: TruncationColumn[];

  /** @param dimensions coordinates per observation row */
  constructor(readonly dimensions: number) {
    this.columns = Array.from({ length: dimensions }, () => emptyColumn(0));
  }

  /** Makes room for rows `0…rows−1` (entries of other rows are neither read nor written). */
  reserve(rows: number): void {
    this.columns.forEach((column, j) => {
      if (column.sigma.length >= rows) return;
      const grown = emptyColumn(Math.max(rows, 2 * column.sigma.length));
      grown.sigma.set(column.sigma);
      grown.logZ.set(column.logZ);
      grown.logNorm.set(column.logNorm);
      this.columns[j] = grown;
    });
  }

  /** Dimension `j`'s entries (until the next {@link reserve}). */
  column(j: number): TruncationColumn {
    return this.columns[j]!;
  }
}

function emptyColumn(rows: number): TruncationColumn {
  return {
    sigma: new Float64Array(rows).fill(NaN),
    logZ: new Float64Array(rows),
    logNorm: new Float64Array(rows),
  };
}
