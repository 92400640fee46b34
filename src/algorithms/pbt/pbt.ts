/**
 * Katib's `pbt`: Population Based Training (Jaderberg et al. 2017, "Population Based Training of
 * Neural Networks", arXiv:1711.09846), synchronous generations with truncation selection.
 *
 * - Generation 0: `n_population` members drawn from the parameters' distributions.
 * - When every member of generation g has finished, generation g+1 is planned from g's ranking
 *   (by objective; members without a value rank last):
 *   - the bottom `truncation_threshold` fraction (at most half) **exploits**: each copies the
 *     parameters and — through the `parent` label — the checkpoint of a member drawn from the
 *     top fraction of the same size, then **explores**: every parameter is perturbed (numbers ×0.8
 *     or ×1.2, lists one place up or down), or with `resample_probability` redrawn from its
 *     distribution;
 *   - every other member continues: same parameters, its own checkpoint (the paper's `ready`
 *     members that are not replaced). A member that failed is always replaced.
 * - Trials carry Katib's labels `pbt.suggestion.katib.kubeflow.org/generation` and
 *   `…/parent` (the trial whose checkpoint directory the engine copies into the new trial's).
 * - The plan is a pure function of the seed and the finished trials, so a restarted engine or a
 *   stateless gRPC caller continues the same population. While a generation is still running
 *   the designer answers short and says it is waiting (`exhausted()` is false); the experiment
 *   ends at `maxTrialCount` or its goal.
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import type { FieldError } from '../../api/field-error.js';
import type { Assignment, ParameterSpace } from '../../api/search-space.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';
import {
  isObserved,
  lossOf,
  type ActiveTrial,
  type CompletedTrial,
  type Designer,
  type Suggestion,
  type TrialDelta,
} from '../designer.js';
import { assignmentKey, drawPoint } from '../random/random.js';
import { Rng } from '../rng.js';
import { ALGORITHM_SETTINGS_PATH } from '../settings.js';
import { logScaleErrors, requireParameters } from '../space-rules.js';
import { pbtSettings, REQUIRED_PBT_SETTINGS, type PbtSettings } from './pbt-settings.js';

/** Katib's label holding a pbt trial's generation (0, 1, …). */
export const PBT_GENERATION_LABEL = 'pbt.suggestion.katib.kubeflow.org/generation';
/** Katib's label naming the trial whose checkpoint a pbt trial starts from. */
export const PBT_PARENT_LABEL = 'pbt.suggestion.katib.kubeflow.org/parent';

/** Perturbation factors of the paper's "perturb" explore step. */
const PERTURB_FACTORS = [0.8, 1.2] as const;
/** Redraws of a generation-0 member that repeats another. */
const RETRIES = 16;

/** One planned member of a generation. */
interface PlannedMember {
  readonly assignment: Assignment;
  readonly parent?: string;
}

/** A finished member, as ranked. */
interface RankedMember {
  readonly name: string;
  readonly assignment: Assignment;
  /** Loss to minimise; `Infinity` when the trial has no value. */
  readonly loss: number;
  readonly observed: boolean;
}

function generationOf(labels: Readonly<Record<string, string>>): number | undefined {
  const raw = labels[PBT_GENERATION_LABEL];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** The pbt designer; all it knows is derived from the trials it is given. */
class PbtDesigner implements Designer {
  private readonly codec: SpaceCodec;
  private readonly population: number;
  private readonly finished = new Map<number, CompletedTrial[]>();
  private active = new Map<number, ActiveTrial[]>();
  private readonly plans = new Map<number, readonly PlannedMember[]>();

  constructor(private readonly ctx: DesignerContext<PbtSettings>) {
    this.codec = createSpaceCodec(ctx.space, { discrete: 'index' });
    this.population = Math.max(1, ctx.settings.nPopulation ?? 5);
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) {
      const g = generationOf(t.labels);
      if (g === undefined) continue;
      const list = this.finished.get(g) ?? [];
      list.push(t);
      this.finished.set(g, list);
    }
    const active = new Map<number, ActiveTrial[]>();
    for (const t of delta.active) {
      const g = generationOf(t.labels);
      if (g === undefined) continue;
      active.set(g, [...(active.get(g) ?? []), t]);
    }
    this.active = active;
  }

  suggest(count: number): readonly Suggestion[] {
    const out: Suggestion[] = [];
    let g = 0;
    while (out.length < count) {
      const plan = this.plan(g);
      const finished = this.finished.get(g)?.length ?? 0;
      const running = this.active.get(g)?.length ?? 0;
      const issued = finished + running;
      if (issued < plan.length) {
        for (let i = issued; i < plan.length && out.length < count; i++) {
          const m = plan[i];
          if (!m) break;
          out.push({
            assignment: m.assignment,
            labels: {
              [PBT_GENERATION_LABEL]: String(g),
              ...(m.parent !== undefined ? { [PBT_PARENT_LABEL]: m.parent } : {}),
            },
          });
        }
        // What is planned for g is handed out; g+1 needs g finished.
        break;
      }
      if (running > 0) break; // waiting for generation g
      g++;
    }
    return out;
  }

  /** Never exhausted: the population trains until maxTrialCount or the goal. */
  exhausted(): boolean {
    return false;
  }

  /** The members of generation `g` (memoised; a pure function of the seed and generation g−1). */
  private plan(g: number): readonly PlannedMember[] {
    const known = this.plans.get(g);
    if (known) return known;
    const rng = Rng.derive(this.ctx.seed, 'pbt', g);
    const plan = g === 0 ? this.initialPlan(rng) : this.nextPlan(this.ranked(g - 1), rng);
    this.plans.set(g, plan);
    return plan;
  }

  private initialPlan(rng: Rng): PlannedMember[] {
    const seen = new Set<string>();
    const out: PlannedMember[] = [];
    for (let i = 0; i < this.population; i++) {
      let a = this.codec.decode(drawPoint(this.codec, rng));
      for (let k = 0; k < RETRIES && seen.has(assignmentKey(this.ctx.space, a)); k++) {
        a = this.codec.decode(drawPoint(this.codec, rng));
      }
      seen.add(assignmentKey(this.ctx.space, a));
      out.push({ assignment: a });
    }
    return out;
  }

  /** Generation g−1's finished members, best first (ties by name, so arrival order never matters). */
  private ranked(g: number): RankedMember[] {
    const type = this.ctx.objective.type;
    return (this.finished.get(g) ?? [])
      .map((t) => {
        const observed = isObserved(t) && Number.isFinite(t.objective);
        return {
          name: t.name,
          assignment: t.assignment,
          loss: observed ? lossOf(t.objective ?? 0, type) : Infinity,
          observed,
        };
      })
      .sort((a, b) => a.loss - b.loss || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private nextPlan(ranked: readonly RankedMember[], rng: Rng): PlannedMember[] {
    const observed = ranked.filter((m) => m.observed);
    if (observed.length === 0) return this.initialPlan(rng); // nothing to learn from: start over
    const n = ranked.length;
    const q = this.ctx.settings.truncationThreshold ?? 0.2;
    const truncated = Math.min(Math.floor(n * q), Math.floor(n / 2));
    const top = observed.slice(0, Math.max(1, truncated));
    const out: PlannedMember[] = [];
    ranked.forEach((m, i) => {
      if (i < n - truncated && m.observed) {
        out.push({ assignment: m.assignment, parent: m.name });
        return;
      }
      const donor = top[rng.int(0, top.length - 1)] ?? m;
      out.push({ assignment: this.explore(donor.assignment, rng), parent: donor.name });
    });
    // A generation always has the full population, even if some trials of the last one vanished.
    while (out.length < this.population) {
      const donor = top[rng.int(0, top.length - 1)] ?? observed[0];
      if (!donor) break;
      out.push({ assignment: this.explore(donor.assignment, rng), parent: donor.name });
    }
    return out.slice(0, this.population);
  }

  /** The paper's explore step on every parameter, snapped to the feasible space. */
  private explore(a: Assignment, rng: Rng): Assignment {
    const resample = this.ctx.settings.resampleProbability;
    const fresh = resample !== undefined ? this.codec.decode(drawPoint(this.codec, rng)) : undefined;
    const out: Record<string, number | string> = {};
    for (const p of this.ctx.space) {
      const v = a[p.name];
      if (v === undefined || (fresh && rng.next() < (resample ?? 0))) {
        out[p.name] = fresh?.[p.name] ?? v ?? '';
        continue;
      }
      out[p.name] = perturb(p, v, rng);
    }
    // Snap steps, ints and lists onto the space (the codec's decode is total and feasible).
    return this.codec.decode(this.codec.encode(out));
  }
}

/** ×0.8 or ×1.2 for numbers (an int always moves when it can), one place up or down for lists. */
export function perturb(p: ParameterSpace, v: number | string, rng: Rng): number | string {
  switch (p.type) {
    case 'double':
    case 'int': {
      const x = Number(v);
      const factor = PERTURB_FACTORS[rng.int(0, 1)] ?? 1;
      let y = x * factor;
      if (p.type === 'int' || p.step !== undefined) {
        const step = p.step ?? 1;
        const k = Math.round((y - p.min) / step);
        y = p.min + k * step;
        // Rounding can undo a small change: then move one step the way the factor pointed.
        if (y === x && x !== 0) y = x + step * Math.sign(x * factor - x);
      }
      return Math.min(Math.max(y, p.min), p.max);
    }
    case 'categorical':
    case 'discrete': {
      const values: readonly (number | string)[] = p.values;
      const i = values.indexOf(v);
      if (values.length < 2 || i < 0) return v;
      let j = i + (rng.int(0, 1) === 0 ? -1 : 1);
      if (j < 0) j = 1;
      if (j >= values.length) j = values.length - 2;
      return values[j] ?? v;
    }
  }
}

/** Katib's required-settings check, at `spec.algorithm.algorithmSettings`. */
function requiredSettingErrors(settings: PbtSettings): FieldError[] {
  const missing = REQUIRED_PBT_SETTINGS.filter((k) => settings[k] === undefined).map(
    (k) => pbtSettings[k].name,
  );
  return missing.length > 0
    ? [ALGORITHM_SETTINGS_PATH.error(`Required params missing: ${missing.join(', ')}`)]
    : [];
}

/** Katib's `pbt` (see the module comment). */
export const pbtAlgorithm = defineAlgorithm<PbtSettings>({
  name: 'pbt',
  description:
    'Population Based Training: generations of trials; the bottom exploits (copies parameters and checkpoint of a top member) and explores (x0.8/x1.2 or resample).',
  settings: pbtSettings,
  validate: (experiment: ExperimentSpec, settings) => [
    ...requiredSettingErrors(settings),
    ...requireParameters(experiment, 'pbt'),
    ...logScaleErrors(experiment),
  ],
  create: (ctx) => new PbtDesigner(ctx),
  seedOf: (s) => s.randomState,
});
