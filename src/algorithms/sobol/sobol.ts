/**
 * Katib's `sobol` algorithm: a scrambled Sobol' sequence mapped onto the search space.
 *
 * Katib runs `sobol` with goptuna's quasi-random sampler and ignores every setting
 * (katib-reference.md §5.6). We take the same name and draw the points of a Sobol' sequence with
 * Joe–Kuo direction numbers, randomised by a linear matrix scramble and digital shift seeded from
 * the experiment's seed (see {@link SobolSequence}); scrambling keeps the sequence's balance and
 * makes each seed a different, equally good sequence.
 *
 * One dimension per parameter, so the sequence's balance holds for every parameter's own values:
 * - `double` (uniform, no step): u ↦ min + u·(max − min), on log scale for `logUniform`.
 * - `int` and stepped `double`: u picks the grid cell ⌊u·count⌋ (on log scale for `logUniform`),
 *   so 2^k points give every value ⌊2^k / count⌋ or ⌈2^k / count⌉ times.
 * - `normal`/`logNormal`: u ↦ the truncated normal's quantile (mean (min + max)/2, standard
 *   deviation (max − min)/6 on the parameter's scale, truncated to the range, as `random` draws).
 * - `discrete` and `categorical`: u picks list entry ⌊u·length⌋.
 *
 * Suggestion n of the experiment (n = Katib's `suggestionCount` plus the place in the batch) is
 * point n of the sequence, starting at point 0 and skipping none: scrambled, point 0 is as random
 * as any other (A. B. Owen, "On dropping the first Sobol' point", 2020, argues against skipping;
 * Optuna's QMC sampler does not skip with scrambling either). In a finite space a point whose
 * assignment a trial (completed or active) or the batch already holds is passed over for the
 * next one; after {@link SCAN_LIMIT} such points an unused combination is picked at random. Only when
 * every combination is taken does a suggestion repeat one (the next point of the sequence).
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import type { Assignment } from '../../api/search-space.js';
import { FieldPath, type FieldError } from '../../api/field-error.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import { pickUnusedPoint, productSpace, type ProductSpace } from '../codec/product-space.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';
import type { Designer, Suggestion, TrialDelta } from '../designer.js';
import { assignmentKey } from '../random/index.js';
import { Rng } from '../rng.js';
import { randomStateSetting, type SettingsSpec } from '../settings.js';
import { logScaleErrors, requireParameters, specParameters } from '../space-rules.js';
import { normalCdf, normalQuantile } from '../math/normal.js';
import { MAX_SOBOL_DIMENSIONS, MAX_SOBOL_INDEX, SobolSequence } from './sobol-sequence.js';

/** Typed settings of `sobol`. */
export interface SobolSettings {
  /** Katib's `random_state`: seeds the scrambling. */
  readonly randomState: number | undefined;
}

/** Declared settings of `sobol` (Katib's service ignores settings; we take `random_state` only). */
export const sobolSettings: SettingsSpec<SobolSettings> = {
  randomState: randomStateSetting(),
};

/** Points passed over (already taken) before a suggestion falls back to a random unused combination. */
const SCAN_LIMIT = 256;

/**
 * Maps a point of [0, 1)^(parameters) to a point of the codec's box, one coordinate per parameter
 * (see the module comment).
 */
export function sobolToCodecPoint(codec: SpaceCodec, u: ArrayLike<number>): Float64Array {
  const point = new Float64Array(codec.dimensions);
  codec.encodings.forEach((e, j) => {
    const uj = Math.min(Math.max(u[j] ?? 0, 0), 1 - 2 ** -53);
    const [lo, hi] = codec.bounds[e.offset] ?? [0, 0];
    switch (e.kind) {
      case 'one-hot':
        if (e.width > 0) point[e.offset + Math.floor(uj * e.width)] = 1;
        return;
      case 'discrete-index':
      case 'discrete-value':
        point[e.offset] = lo + uj * (hi - lo);
        return;
      case 'continuous':
      case 'stepped': {
        const p = e.parameter;
        if ((p.distribution === 'normal' || p.distribution === 'logNormal') && hi > lo) {
          const a = e.scale === 'log' ? Math.log(p.min) : p.min;
          const b = e.scale === 'log' ? Math.log(p.max) : p.max;
          const mu = (a + b) / 2;
          const sigma = (b - a) / 6;
          if (sigma > 0) {
            const cLo = normalCdf((lo - mu) / sigma);
            const cHi = normalCdf((hi - mu) / sigma);
            const x = mu + sigma * normalQuantile(cLo + uj * (cHi - cLo));
            point[e.offset] = Math.min(Math.max(Number.isFinite(x) ? x : mu, lo), hi);
            return;
          }
        }
        point[e.offset] = lo + uj * (hi - lo);
        return;
      }
    }
  });
  return point;
}

/** The Sobol' designer: knows which points are taken; learns nothing from values. */
class SobolDesigner implements Designer {
  private readonly codec: SpaceCodec;
  private readonly product: ProductSpace;
  private readonly sequence: SobolSequence;
  private readonly completed = new Set<string>();
  /** Product indices of completed trials' assignments (finite spaces). */
  private readonly completedIndices = new Set<number>();
  private active: readonly Assignment[] = [];
  private suggestionCount = 0;

  constructor(private readonly ctx: DesignerContext<SobolSettings>) {
    this.codec = createSpaceCodec(ctx.space, { discrete: 'index' });
    this.product = productSpace(ctx.space, { distinct: true });
    this.sequence = new SobolSequence(Math.max(1, ctx.space.length), {
      scramble: Rng.derive(ctx.seed, 'sobol', 'scramble'),
    });
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) {
      this.completed.add(this.key(t.assignment));
      const i = this.product.enumerable ? this.product.indexOf(t.assignment) : undefined;
      if (i !== undefined) this.completedIndices.add(i);
    }
    this.active = delta.active.map((t) => t.assignment);
    this.suggestionCount = delta.suggestionCount;
  }

  suggest(count: number): readonly Suggestion[] {
    // Taken beyond the completed trials: active trials and the batch (keys and product indices).
    const takenNow = new Set<string>();
    const usedNow = new Set<number>();
    const take = (a: Assignment): void => {
      takenNow.add(this.key(a));
      const i = this.product.enumerable ? this.product.indexOf(a) : undefined;
      if (i !== undefined && !this.completedIndices.has(i)) usedNow.add(i);
    };
    const taken = (k: string): boolean => this.completed.has(k) || takenNow.has(k);
    for (const a of this.active) take(a);
    const out: Suggestion[] = [];
    let cursor = this.suggestionCount;
    for (let i = 0; i < count; i++) {
      const exhausted =
        this.product.enumerable && this.completedIndices.size + usedNow.size >= this.product.size;
      let chosen: Assignment | undefined;
      for (let scanned = 0; scanned <= SCAN_LIMIT; scanned++) {
        const a = this.pointAt(cursor);
        cursor++;
        if (exhausted || !taken(this.key(a))) {
          chosen = a;
          break;
        }
      }
      chosen ??=
        pickUnusedPoint(
          this.product,
          new Set([...this.completedIndices, ...usedNow]),
          Rng.derive(this.ctx.seed, 'sobol', this.suggestionCount, i),
        ) ?? this.pointAt(cursor - 1);
      take(chosen);
      out.push({ assignment: chosen });
    }
    return out;
  }

  /** The assignment of sequence point `n` (indices past the sequence's end wrap around). */
  private pointAt(n: number): Assignment {
    const u = this.sequence.point(n % (MAX_SOBOL_INDEX + 1));
    return this.codec.decode(sobolToCodecPoint(this.codec, u));
  }

  private key(a: Assignment): string {
    return assignmentKey(this.ctx.space, a);
  }
}

/** Sobol's own rule: one sequence dimension per parameter, as many as the direction-number table has. */
function dimensionErrors(experiment: ExperimentSpec): FieldError[] {
  const n = specParameters(experiment)?.length ?? 0;
  return n > MAX_SOBOL_DIMENSIONS
    ? [
        FieldPath.root('spec')
          .child('parameters')
          .error(`algorithm sobol supports at most ${MAX_SOBOL_DIMENSIONS} parameters, got ${n}`),
      ]
    : [];
}

/** Katib's `sobol` (scrambled Joe–Kuo Sobol' sequence; see the module comment). */
export const sobolAlgorithm = defineAlgorithm<SobolSettings>({
  name: 'sobol',
  description:
    "Scrambled Sobol' quasi-random sequence (Joe-Kuo direction numbers), one dimension per parameter.",
  settings: sobolSettings,
  validate: (experiment: ExperimentSpec) => [
    ...requireParameters(experiment, 'sobol'),
    ...logScaleErrors(experiment),
    ...dimensionErrors(experiment),
  ],
  create: (ctx) => new SobolDesigner(ctx),
  seedOf: (s) => s.randomState,
});
