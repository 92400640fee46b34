/**
 * Katib's `grid` algorithm: every combination of the parameters' values, each suggested once.
 *
 * Katib runs grid search with Optuna's `GridSampler` (katib-reference.md §5.3). The axes are
 * Katib's: `int` is `min..max` by `step` (default 1); `double` needs a `step` and takes
 * `min, min + step, …` up to `max`; `categorical` and `discrete` lists are taken as given.
 * Combinations are numbered in mixed radix, first parameter most significant (the order of
 * `itertools.product`), and decoded from their number on demand, so a huge grid is never built.
 *
 * Order: lexicographic by default. With `random_state` set, a permutation fixed by the seed (as
 * Optuna's `GridSampler(seed=…)` shuffles its visits; unlike Optuna, without `random_state` the
 * order is deterministic rather than unseeded-random).
 *
 * Combinations already assigned — the parameter values of every trial in the request, completed
 * or active, plus every combination this designer handed out before — are skipped. When fewer
 * than the requested number remain, fewer are returned: the space is exhausted and the controller
 * ends the experiment with `ExperimentSuggestionEndReached`.
 */
import type { ExperimentSpec, ParameterSpec } from '../../api/experiment.js';
import { FieldPath, type FieldError } from '../../api/field-error.js';
import { toSearchSpace } from '../../api/search-space.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import { productSpace, type ProductSpace } from '../codec/product-space.js';
import type { StatefulDesigner, Suggestion, TrialDelta } from '../designer.js';
import { randomStateSetting, type SettingsSpec } from '../settings.js';
import { feasibleSpacePath, requireParameters, specParameters } from '../space-rules.js';
import { lexicographicOrder, MAX_GRID_POSITIONS, permutedOrder, type GridOrder } from './grid-order.js';

/** Typed settings of `grid`. */
export interface GridSettings {
  /** Katib's `random_state`: when set, the grid is visited in an order shuffled by this seed. */
  readonly randomState: number | undefined;
}

/** Declared settings of `grid`. */
export const gridSettings: SettingsSpec<GridSettings> = {
  randomState: randomStateSetting(),
};

/** The dump of a grid designer (format version 1). */
interface GridDump {
  readonly v: 1;
  /** Indices of every combination assigned so far (completed trials and hand-outs), ascending. */
  readonly taken: readonly number[];
}

/** Katib's rendering of a parameter in grid messages (`HyperParameter.__str__` in its Python helpers). */
function describeParameter(p: ParameterSpec): string {
  const fs: Partial<ParameterSpec['feasibleSpace']> =
    typeof p.feasibleSpace === 'object' ? p.feasibleSpace : {};
  if (p.parameterType === 'int' || p.parameterType === 'double') {
    return `HyperParameter(name: ${p.name}, type: ${p.parameterType}, min: ${fs.min ?? ''}, max: ${fs.max ?? ''}, step: ${fs.step ?? ''})`;
  }
  return `HyperParameter(name: ${p.name}, type: ${p.parameterType}, list: ${(Array.isArray(fs.list) ? fs.list : []).join(', ')})`;
}

/** Number of combinations of the grid over `spec.parameters`; `undefined` when the space is not one grid search can count. */
export function gridSize(spec: ExperimentSpec): bigint | undefined {
  const ps = specParameters(spec);
  if (!ps || ps.length === 0) return undefined;
  const known = ['double', 'int', 'discrete', 'categorical'];
  if (
    !ps.every(
      (p) =>
        known.includes(p.parameterType) && typeof p.feasibleSpace === 'object' && p.feasibleSpace !== null,
    )
  ) {
    return undefined;
  }
  try {
    const product = productSpace(toSearchSpace(ps));
    // An empty or unparsable axis is the API validator's to report, not a count of zero.
    return product.axes.every((a) => Number.isFinite(a.size) && a.size > 0) ? product.exactSize : undefined;
  } catch {
    return undefined;
  }
}

/** Grid search's own rules: a step on every double, and no more trials than combinations. */
function validateGrid(experiment: ExperimentSpec): FieldError[] {
  const missing = requireParameters(experiment, 'grid');
  if (missing.length > 0) return missing;
  const ps = specParameters(experiment) ?? [];
  const errors: FieldError[] = [];
  const all = `[${ps.map(describeParameter).join(', ')}]`;
  ps.forEach((p, i) => {
    if (p.parameterType !== 'double' && p.parameterType !== 'int') return;
    const step: unknown = typeof p.feasibleSpace === 'object' ? p.feasibleSpace.step : undefined;
    if (p.parameterType === 'double' && (step === undefined || step === '')) {
      errors.push(
        feasibleSpacePath(i, 'step').error(
          `failed to validate parameters(${all}): Param ${p.name} step is nil; For discrete search space, all parameters must include step`,
        ),
      );
    } else if (step !== undefined && step !== '' && !(Number(step) > 0 && Number.isFinite(Number(step)))) {
      errors.push(
        feasibleSpacePath(i, 'step').error(
          `failed to validate parameters(${all}): Param ${p.name} step must be greater than 0`,
          step,
        ),
      );
    }
  });
  if (errors.length > 0) return errors;
  const size = gridSize(experiment);
  const m = experiment.maxTrialCount;
  if (size !== undefined && typeof m === 'number' && Number.isInteger(m) && BigInt(m) > size) {
    errors.push(
      FieldPath.root('spec')
        .child('maxTrialCount')
        .error(`Max Trial Count: ${m} > all possible search combinations: ${size}`, m),
    );
  }
  return errors;
}

/** The grid designer: a cursor over the visiting order plus the set of assigned combinations. */
class GridDesigner implements StatefulDesigner {
  private readonly product: ProductSpace;
  private readonly order: GridOrder;
  private readonly taken = new Set<number>();
  private active = new Set<number>();
  /** Every position before the cursor holds a taken combination. */
  private cursor = 0;

  constructor(ctx: DesignerContext<GridSettings>, taken: readonly number[] = []) {
    this.product = productSpace(ctx.space);
    const finite = this.product.axes.every((a) => Number.isFinite(a.size));
    const positions = finite ? Math.min(this.product.size, MAX_GRID_POSITIONS) : 0;
    this.order =
      ctx.settings.randomState !== undefined
        ? permutedOrder(positions, ctx.seed)
        : lexicographicOrder(positions);
    for (const i of taken) this.taken.add(i);
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) {
      const i = this.product.indexOf(t.assignment);
      if (i !== undefined) this.taken.add(i);
    }
    const active = new Set<number>();
    for (const t of delta.active) {
      const i = this.product.indexOf(t.assignment);
      if (i !== undefined) active.add(i);
    }
    this.active = active;
  }

  suggest(count: number): readonly Suggestion[] {
    const size = this.order.size;
    while (this.cursor < size && this.taken.has(this.canonical(this.order.at(this.cursor)))) this.cursor++;
    const out: Suggestion[] = [];
    for (let p = this.cursor; p < size && out.length < count; p++) {
      const i = this.canonical(this.order.at(p));
      if (this.taken.has(i) || this.active.has(i)) continue;
      this.taken.add(i);
      out.push({ assignment: this.product.at(i) });
    }
    return out;
  }

  dump(): GridDump {
    return { v: 1, taken: [...this.taken].sort((a, b) => a - b) };
  }

  /** The first index with the same parameter values (lists may repeat an entry). */
  private canonical(index: number): number {
    return this.product.indexOf(this.product.at(index)) ?? index;
  }
}

function readDump(x: unknown): GridDump | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const d = x as Partial<GridDump>;
  if (d.v !== 1 || !Array.isArray(d.taken) || !d.taken.every((i) => Number.isSafeInteger(i) && i >= 0))
    return undefined;
  return d as GridDump;
}

/** Katib's `grid` (see the module comment). */
export const gridAlgorithm = defineAlgorithm<GridSettings>({
  name: 'grid',
  description: 'Grid search over every combination of parameter values (double parameters need a step).',
  settings: gridSettings,
  validate: (experiment) => validateGrid(experiment),
  create: (ctx) => new GridDesigner(ctx),
  restore: (ctx, dump) => {
    const d = readDump(dump);
    return d ? new GridDesigner(ctx, d.taken) : undefined;
  },
  seedOf: (s) => s.randomState,
});
