/**
 * Random draws that avoid points already taken, for TPE's start-up trials and for the rare call in
 * which every candidate of the model repeats a trial (small discrete spaces). Draws follow each
 * parameter's prior distribution (the same mapping as Katib's `random`); when a finite space is
 * nearly covered, an unused point is picked uniformly. Repeats are allowed only once the space has
 * no unused point: first of completed trials, then of active ones, last within the batch.
 */
import type { Assignment, SearchSpace } from '../../api/search-space.js';
import { pickUnusedPoint, type ProductSpace } from '../codec/product-space.js';
import type { SpaceCodec } from '../codec/space-codec.js';
import { assignmentKey, drawPoint } from '../random/index.js';
import type { Rng } from '../rng.js';

/** Redraws before a colliding draw gives way to the next fallback. */
const RETRIES = 16;

/** The sets of taken assignment keys, most binding first. */
export interface TakenPoints {
  readonly batch: ReadonlySet<string>;
  readonly active: ReadonlySet<string>;
  readonly completed: ReadonlySet<string>;
}

/** True when `key` is in any of the sets. */
export function isTaken(taken: TakenPoints, key: string): boolean {
  return taken.batch.has(key) || taken.active.has(key) || taken.completed.has(key);
}

/** A prior draw not in `taken` when the space allows (see the module comment). */
export function drawDistinct(
  space: SearchSpace,
  codec: SpaceCodec,
  product: ProductSpace,
  rng: Rng,
  taken: TakenPoints,
): Assignment {
  const levels: readonly (readonly ReadonlySet<string>[])[] = [
    [taken.batch, taken.active, taken.completed],
    [taken.batch, taken.active],
    [taken.batch],
  ];
  let last: Assignment | undefined;
  for (const sets of levels) {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const a = codec.decode(drawPoint(codec, rng));
      last = a;
      const k = assignmentKey(space, a);
      if (!sets.some((s) => s.has(k))) return a;
    }
    if (product.enumerable) {
      const a = pickUnused(space, product, rng, sets);
      if (a) return a;
    }
  }
  return last ?? codec.decode(drawPoint(codec, rng));
}

/** A uniformly chosen point of the finite product that no set in `sets` holds. */
function pickUnused(
  space: SearchSpace,
  product: ProductSpace,
  rng: Rng,
  sets: readonly ReadonlySet<string>[],
): Assignment | undefined {
  const used = new Set<number>();
  for (const s of sets) {
    for (const k of s) {
      const values = k.split('\u001f');
      const a: Record<string, number | string> = {};
      space.forEach((p, i) => {
        const v = values[i] ?? '';
        a[p.name] = p.type === 'categorical' ? v : Number(v);
      });
      const index = product.indexOf(a);
      if (index !== undefined) used.add(index);
    }
  }
  return pickUnusedPoint(product, used, rng);
}
