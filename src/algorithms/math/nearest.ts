/**
 * The element of an ascending list nearest to a value, by binary search (O(log n)). Used where a
 * continuous coordinate meets a finite set of values: decoding to a discrete parameter's nearest
 * value, and CMA-ES's distance to the nearest integer boundary.
 */

/** The element of ascending, non-empty `sorted` nearest to `x` (ties go to the smaller one); 0 when empty. */
export function nearestInSorted(sorted: readonly number[], x: number): number {
  if (sorted.length === 0) return 0;
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  // sorted[lo] is the first element >= x (or the last element).
  const above = sorted[lo] as number;
  if (lo === 0) return above;
  const below = sorted[lo - 1] as number;
  return x - below <= above - x ? below : above;
}
