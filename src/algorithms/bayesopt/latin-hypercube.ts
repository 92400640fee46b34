/**
 * The initial design: a Latin hypercube (McKay, Beckman & Conover, Technometrics 1979) over the
 * unit cube of the codec, stratified per *parameter* — a categorical parameter's one-hot block is
 * one stratified variable that picks the choice — and the best of a few draws by the maximin
 * criterion (the largest smallest pairwise distance; Morris & Mitchell 1995), so the first trials
 * cover every parameter's range evenly instead of clumping as plain random draws can.
 */
import type { SpaceCodec } from '../codec/space-codec.js';
import type { Rng } from '../rng.js';

/** Draws compared by the maximin criterion. */
const DRAWS = 8;

/** One Latin hypercube of `count` points of the unit cube `[0, 1]^codec.dimensions`. */
function drawOnce(codec: SpaceCodec, count: number, rng: Rng): Float64Array[] {
  const points = Array.from({ length: count }, () => new Float64Array(codec.dimensions));
  for (const e of codec.encodings) {
    const strata = rng.shuffle(Array.from({ length: count }, (_, i) => i));
    for (let i = 0; i < count; i++) {
      const u = ((strata[i] as number) + rng.next()) / count;
      const p = points[i] as Float64Array;
      if (e.kind === 'one-hot') {
        if (e.width > 0) p[e.offset + Math.min(e.width - 1, Math.floor(u * e.width))] = 1;
      } else {
        p[e.offset] = u;
      }
    }
  }
  return points;
}

function minDistance2(points: readonly Float64Array[]): number {
  let best = Infinity;
  for (let i = 0; i < points.length; i++) {
    const a = points[i] as Float64Array;
    for (let j = 0; j < i; j++) {
      const b = points[j] as Float64Array;
      let s = 0;
      for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
      if (s < best) best = s;
    }
  }
  return best;
}

/** A maximin Latin hypercube of `count` unit-cube points (deterministic for the generator's state). */
export function latinHypercube(codec: SpaceCodec, count: number, rng: Rng): Float64Array[] {
  let best: Float64Array[] = [];
  let bestScore = -Infinity;
  for (let t = 0; t < DRAWS; t++) {
    const design = drawOnce(codec, count, rng);
    const score = minDistance2(design);
    if (score > bestScore || t === 0) {
      best = design;
      bestScore = score;
    }
  }
  return best;
}
