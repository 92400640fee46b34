/**
 * Picks a point of a finite search space that no trial holds yet, for designers whose own
 * sequence keeps landing on taken points in a small space (Sobol' here, CMA-ES's fallback).
 */
import type { Assignment } from '../../api/search-space.js';
import type { ProductSpace } from '../codec/product-space.js';
import type { Rng } from '../rng.js';

/**
 * A uniformly chosen combination of `product` whose index is not in `used`; `undefined` when
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
