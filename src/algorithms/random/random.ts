/**
 * Katib's `random` algorithm: independent draws from each parameter's distribution.
 *
 * Katib runs this with hyperopt's `rand.suggest` (katib-reference.md §5.1). Our mapping keeps
 * hyperopt's distributions as Katib configures them, with two deliberate differences, both so that
 * every value is feasible:
 * - `uniform` on a double without step: uniform on `[min, max]`. With a step, and for `int`:
 *   uniform over the grid points `min + k·step` (hyperopt's `quniform` rounds `uniform(min, max)`
 *   to multiples of `step`, which gives the two end points half the mass of the others and can
 *   leave `[min, max]` or the `min + k·step` grid).
 * - `logUniform`: uniform in `[ln min, ln max]`, then `exp` (and the step rounding above).
 * - `normal`: mean `(min + max) / 2`, standard deviation `(max − min) / 6`, so ±3σ spans the range
 *   (Katib's choice); `logNormal`: the same on `ln min … ln max`. Hyperopt's normal is unbounded
 *   and Katib's service passes out-of-range values through; we **truncate** it to the range
 *   (redraw until inside, ~0.3 % of draws; after 64 misses the value is clamped), which keeps the
 *   shape inside the range and never leaves the feasible space.
 * - `categorical` and `discrete`: a uniform choice from the list (hyperopt's `hp.choice`).
 *
 * Draws go through the shared {@link createSpaceCodec} (Optuna's `RandomSampler` likewise draws in
 * its transform's box and decodes). The random stream of a call is derived from the seed and the
 * number of assignments handed out before it, so the same history gives the same suggestions
 * whether or not state was kept between calls.
 *
 * A batch holds distinct assignments whenever the space allows: a draw that repeats a trial of
 * the batch, an active trial or a completed trial is redrawn a few times; in a finite space a
 * point is then picked uniformly among the unused ones. Only when the space has fewer points than
 * needed are repeats allowed — first of completed trials, then of active ones, last within the batch
 * (which then covers the space round after round, each point once per round).
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import type { Assignment, SearchSpace } from '../../api/search-space.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import { pickUnusedPoint, productSpace, type ProductSpace } from '../codec/product-space.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';
import type { Designer, Suggestion, TrialDelta } from '../designer.js';
import { Rng } from '../rng.js';
import { randomStateSetting, type SettingsSpec } from '../settings.js';
import { logScaleErrors, requireParameters } from '../space-rules.js';

/** Typed settings of `random`. */
export interface RandomSettings {
  /** Katib's `random_state`. */
  readonly randomState: number | undefined;
}

/** Declared settings of `random`. */
export const randomSettings: SettingsSpec<RandomSettings> = {
  randomState: randomStateSetting(),
};

/** Redraws before a colliding draw gives way to the next fallback. */
const RETRIES = 16;
/** Redraws of a truncated normal before clamping. */
const NORMAL_RETRIES = 64;

/** A stable text key of an assignment, for duplicate detection (values in space order). */
export function assignmentKey(space: SearchSpace, a: Assignment): string {
  return space.map((p) => String(a[p.name])).join('\u001f');
}

/** A normal draw truncated to [lo, hi] by redrawing (clamped after {@link NORMAL_RETRIES} misses). */
function truncatedNormal(rng: Rng, mu: number, sigma: number, lo: number, hi: number): number {
  if (!(sigma > 0)) return Math.min(Math.max(mu, lo), hi);
  let x = mu;
  for (let i = 0; i < NORMAL_RETRIES; i++) {
    x = mu + sigma * rng.normal();
    if (x >= lo && x <= hi) return x;
  }
  return Math.min(Math.max(x, lo), hi);
}

/**
 * One draw from every parameter's distribution, as a codec point (then decoded). Exposed for the
 * distribution tests.
 */
export function drawPoint(codec: SpaceCodec, rng: Rng): Float64Array {
  const point = new Float64Array(codec.dimensions);
  for (const e of codec.encodings) {
    const [lo, hi] = codec.bounds[e.offset] ?? [0, 0];
    switch (e.kind) {
      case 'one-hot':
        if (e.width > 0) point[e.offset + rng.int(0, e.width - 1)] = 1;
        break;
      case 'discrete-index':
        point[e.offset] = e.parameter.values.length > 0 ? rng.int(0, e.parameter.values.length - 1) : 0;
        break;
      case 'discrete-value':
        // Not used by random (it builds its codec with discrete: 'index'); uniform over the list anyway.
        point[e.offset] = e.parameter.values.length > 0 ? rng.choice(e.parameter.values) : 0;
        break;
      case 'continuous':
      case 'stepped': {
        const p = e.parameter;
        if (p.distribution === 'normal' || p.distribution === 'logNormal') {
          const a = e.scale === 'log' ? Math.log(p.min) : p.min;
          const b = e.scale === 'log' ? Math.log(p.max) : p.max;
          point[e.offset] = truncatedNormal(rng, (a + b) / 2, (b - a) / 6, lo, hi);
        } else {
          point[e.offset] = rng.uniform(lo, hi);
        }
        break;
      }
    }
  }
  return point;
}

/** The random-search designer. Knows only which points are taken; learns nothing from values. */
class RandomDesigner implements Designer {
  private readonly codec: SpaceCodec;
  private readonly product: ProductSpace;
  private readonly completed = new Set<string>();
  private active = new Set<string>();
  /** Product index per key (undefined when outside the finite product). */
  private readonly indexOfKey = new Map<string, number | undefined>();
  private suggestionCount = 0;

  constructor(private readonly ctx: DesignerContext<RandomSettings>) {
    this.codec = createSpaceCodec(ctx.space, { discrete: 'index' });
    this.product = productSpace(ctx.space, { distinct: true });
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) this.completed.add(this.key(t.assignment));
    this.active = new Set(delta.active.map((t) => this.key(t.assignment)));
    this.suggestionCount = delta.suggestionCount;
  }

  suggest(count: number): readonly Suggestion[] {
    const rng = Rng.derive(this.ctx.seed, 'random', this.suggestionCount);
    const batch = new Set<string>();
    const out: Suggestion[] = [];
    for (let i = 0; i < count; i++) {
      // A batch bigger than a finite space covers it again and again, evenly: once every point
      // is in the batch, a new round of distinct points starts.
      if (this.product.enumerable && batch.size >= this.product.size) batch.clear();
      const a = this.draw(rng, batch);
      batch.add(this.key(a));
      out.push({ assignment: a });
    }
    return out;
  }

  private key(a: Assignment): string {
    const k = assignmentKey(this.ctx.space, a);
    if (!this.indexOfKey.has(k)) {
      this.indexOfKey.set(k, this.product.enumerable ? this.product.indexOf(a) : undefined);
    }
    return k;
  }

  private draw(rng: Rng, batch: ReadonlySet<string>): Assignment {
    const levels: readonly (readonly ReadonlySet<string>[])[] = [
      [batch, this.active, this.completed],
      [batch, this.active],
      [batch],
    ];
    let last: Assignment | undefined;
    for (const taken of levels) {
      for (let attempt = 0; attempt < RETRIES; attempt++) {
        const a = this.codec.decode(drawPoint(this.codec, rng));
        last = a;
        const k = this.key(a);
        if (!taken.some((s) => s.has(k))) return a;
      }
      if (this.product.enumerable) {
        const a = this.pickUnused(rng, taken);
        if (a) return a;
      }
    }
    return last ?? this.codec.decode(drawPoint(this.codec, rng));
  }

  /** A uniformly chosen point of the finite product that no set in `taken` holds. */
  private pickUnused(rng: Rng, taken: readonly ReadonlySet<string>[]): Assignment | undefined {
    const used = new Set<number>();
    for (const s of taken) {
      for (const k of s) {
        const i = this.indexOfKey.get(k);
        if (i !== undefined) used.add(i);
      }
    }
    return pickUnusedPoint(this.product, used, rng);
  }
}

/** Katib's `random` (hyperopt mapping; see the module comment). */
export const randomAlgorithm = defineAlgorithm<RandomSettings>({
  name: 'random',
  description:
    "Random search: independent draws from each parameter's distribution (hyperopt mapping, truncated normals).",
  settings: randomSettings,
  validate: (experiment: ExperimentSpec) => [
    ...requireParameters(experiment, 'random'),
    ...logScaleErrors(experiment),
  ],
  create: (ctx) => new RandomDesigner(ctx),
  seedOf: (s) => s.randomState,
});
