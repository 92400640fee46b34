/**
 * How CMA-ES sees a search space: the shared codec's box (discrete lists by index, categoricals
 * one-hot) scaled to the unit cube, with each coordinate's kind for the integer margin.
 */
import type { SpaceCodec } from '../codec/space-codec.js';
import type { CoordinateKind } from './cma-distribution.js';

/**
 * Above this many values an integer-like coordinate is treated as continuous: its cells are far
 * below any step CMA-ES takes, so no margin is needed.
 */
export const MAX_MARGIN_CELLS = 1000;

/** The kind of every coordinate of the codec's point, in order. */
export function coordinateKinds(codec: SpaceCodec): CoordinateKind[] {
  const kinds: CoordinateKind[] = [];
  for (const e of codec.encodings) {
    const [low, high] = codec.bounds[e.offset] ?? [0, 0];
    const toUnit = (v: number): number => (high > low ? (v - low) / (high - low) : 0.5);
    switch (e.kind) {
      case 'continuous':
        kinds.push({ kind: 'continuous' });
        break;
      case 'stepped': {
        const count = e.grid.count;
        if (count > MAX_MARGIN_CELLS) {
          kinds.push({ kind: 'continuous' });
          break;
        }
        // A boundary lies halfway between neighbouring grid values, on the coordinate's scale.
        const boundaries: number[] = [];
        for (let k = 0; k + 1 < count; k++) {
          const mid = (e.grid.value(k) + e.grid.value(k + 1)) / 2;
          boundaries.push(toUnit(e.scale === 'log' ? Math.log(mid) : mid));
        }
        kinds.push({ kind: 'cells', boundaries });
        break;
      }
      case 'discrete-index':
      case 'discrete-value': {
        const values = e.parameter.values;
        const boundaries: number[] = [];
        if (e.kind === 'discrete-index') {
          for (let k = 0; k + 1 < values.length; k++) boundaries.push(toUnit(k + 0.5));
        } else {
          const sorted = [...new Set(values)].sort((a, b) => a - b);
          for (let k = 0; k + 1 < sorted.length; k++) {
            boundaries.push(toUnit(((sorted[k] as number) + (sorted[k + 1] as number)) / 2));
          }
        }
        kinds.push({ kind: 'cells', boundaries });
        break;
      }
      case 'one-hot': {
        const block = Array.from({ length: e.width }, (_, i) => e.offset + i);
        for (let i = 0; i < e.width; i++) kinds.push({ kind: 'one-hot', block });
        break;
      }
    }
  }
  return kinds;
}
