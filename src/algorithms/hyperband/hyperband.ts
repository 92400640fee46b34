/**
 * Katib's `hyperband`: Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar, "Hyperband:
 * A Novel Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185), 2018, Algorithm 1).
 *
 * For each bracket `s = s_max … 0` (see `brackets.ts`), successive halving: rung 0 trains `n_0`
 * random configurations with resource `r_0`; when every trial of rung `i` has finished, the best
 * `n_{i+1} = floor(n_i / eta)` of them (by objective; failed trials and trials without a value
 * rank last and are never promoted) are trained again as new trials with resource `r_{i+1}` and
 * the same other parameters. The resource parameter (`resource_name`) is set, never sampled.
 *
 * Every trial is labelled `hyperband.katib-ts/bracket`, `/rung`, `/config` (the configuration's
 * number within its bracket) and, when promoted, `/parent` (the trial it continues). The designer's
 * position — which rung is next, which configurations go on — is computed from those labels and the
 * trials' values alone, so it survives restarts and a stateless caller sees the same thing.
 *
 * Answers shorter than asked:
 * - while a rung waits for its running trials (synchronous halving): `exhausted()` is false and
 *   the engine asks again when trials finish;
 * - for good once the last rung of the last bracket has been handed out: `exhausted()` is true, and
 *   the experiment ends with ExperimentSuggestionEndReached when its trials have finished.
 * A request larger than what the current rung can take gets what the rung can take, never more
 * (Katib's service instead stretches the first rung to the request and fails on child rungs).
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import { FieldPath, type FieldError } from '../../api/field-error.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import type { StatefulDesigner, Suggestion, TrialDelta } from '../designer.js';
import { Rng } from '../rng.js';
import { randomStateSetting, type SettingsSpec } from '../settings.js';
import { bracketPlan, minimumParallelTrials, type Bracket } from './brackets.js';
import { ConfigurationSampler } from './configuration-sampler.js';
import {
  etaSetting,
  maxResourceSetting,
  resourceErrors,
  resourceNameSetting,
  type ResourceSettings,
} from './resource-settings.js';
import { ResourceParameter } from './resource-parameter.js';
import {
  byLoss,
  dumpLedger,
  readLedgerDump,
  RungLedger,
  rungLabels,
  type LedgerDump,
  type RungTrial,
} from './rung-ledger.js';

/** Typed settings of `hyperband`. */
export interface HyperbandSettings extends ResourceSettings {
  /** `random_state` (a katib-ts addition; Katib's hyperband is unseeded). */
  readonly randomState: number | undefined;
}

/** Declared settings of `hyperband`. */
export const hyperbandSettings: SettingsSpec<HyperbandSettings> = {
  maxResource: maxResourceSetting(),
  resourceName: resourceNameSetting(),
  eta: etaSetting(),
  randomState: randomStateSetting(),
};

/** The labels hyperband puts on its trials. */
export const HYPERBAND_LABELS = rungLabels('hyperband');

/** The resource settings, which validation guarantees before a designer is made. */
function requiredResource(settings: ResourceSettings): { maxResource: number; resourceName: string } {
  if (settings.maxResource === undefined || settings.resourceName === undefined)
    throw new Error('r_l and resource_name must be set.');
  return { maxResource: settings.maxResource, resourceName: settings.resourceName };
}

/** The hyperband designer. */
class HyperbandDesigner implements StatefulDesigner {
  private readonly ledger: RungLedger;
  private readonly plan: readonly Bracket[];
  private readonly resource: ResourceParameter;
  private readonly sampler: ConfigurationSampler;
  /** Whether the last `suggest` found the plan finished (as opposed to waiting for a rung). */
  private done = false;

  constructor(private readonly ctx: DesignerContext<HyperbandSettings>) {
    const { maxResource, resourceName } = requiredResource(ctx.settings);
    this.ledger = new RungLedger(HYPERBAND_LABELS, ctx.objective);
    this.plan = bracketPlan(maxResource, ctx.settings.eta);
    this.resource = ResourceParameter.of(ctx.space, resourceName);
    this.sampler = new ConfigurationSampler(ctx.space, this.resource);
  }

  /** Loads completed trials from a dump. */
  load(trials: Parameters<RungLedger['load']>[0]): this {
    this.ledger.load(trials);
    return this;
  }

  update(delta: TrialDelta): void {
    this.ledger.update(delta.completed, delta.active);
  }

  suggest(count: number): readonly Suggestion[] {
    this.done = false;
    if (count <= 0) return [];
    const finalBracket = this.plan[this.plan.length - 1];
    for (const bracket of this.plan) {
      // `target`: how many trials rung i gets (n_0, then the best n_i of the rung below).
      let target = bracket.rungs[0]?.configurations ?? 0;
      for (let i = 0; i < bracket.rungs.length && target > 0; i++) {
        // The last rung of the last bracket: once it is handed out, nothing ever follows.
        const final = bracket === finalBracket && i === bracket.rungs.length - 1;
        const trials = this.ledger.rung(bracket.s, i);
        if (trials.length < target) {
          // What the rung can take; the rest of the request waits for the rung to finish.
          const want = Math.min(count, target - trials.length);
          const out =
            i === 0
              ? this.newConfigurations(bracket, trials, want)
              : this.promotions(bracket, i, target, want);
          this.done = final && trials.length + out.length >= target;
          return out;
        }
        // Synchronous halving: rung i+1 starts when every trial of rung i has finished.
        if (trials.some((t) => !t.finished)) {
          this.done = final;
          return [];
        }
        const next = bracket.rungs[i + 1];
        if (next) target = Math.min(next.configurations, trials.filter((t) => t.loss !== undefined).length);
      }
    }
    this.done = true;
    return [];
  }

  /**
   * After a short `suggest`: true once the last rung of the last bracket has been handed out (the
   * search is over), false while a rung's running trials hold up the next rung.
   */
  exhausted(): boolean {
    return this.done;
  }

  dump(): LedgerDump {
    return dumpLedger(this.ledger);
  }

  /** `want` new random configurations for rung 0 of `bracket`. */
  private newConfigurations(bracket: Bracket, existing: readonly RungTrial[], want: number): Suggestion[] {
    const taken = new Set(this.ledger.assignments().map((a) => this.sampler.configurationKey(a)));
    let config = existing.reduce((m, t) => Math.max(m, t.config + 1), 0);
    const resource = bracket.rungs[0]?.resource ?? bracket.r;
    const out: Suggestion[] = [];
    for (let k = 0; k < want; k++, config++) {
      const rng = Rng.derive(this.ctx.seed, 'hyperband', bracket.s, config);
      const assignment = this.sampler.draw(rng, resource, (key) => taken.has(key));
      taken.add(this.sampler.configurationKey(assignment));
      out.push({ assignment, labels: this.labels(bracket.s, 0, config) });
    }
    return out;
  }

  /** Up to `want` of the best `target` configurations of rung `i - 1` not yet in rung `i`. */
  private promotions(bracket: Bracket, i: number, target: number, want: number): Suggestion[] {
    const resource = bracket.rungs[i]?.resource ?? bracket.r;
    const promoted = new Set(this.ledger.rung(bracket.s, i).map((t) => t.config));
    const best = [...this.ledger.rung(bracket.s, i - 1)]
      .filter((t) => t.loss !== undefined)
      .sort(byLoss)
      .slice(0, target);
    const out: Suggestion[] = [];
    for (const parent of best) {
      if (out.length >= want) break;
      if (promoted.has(parent.config)) continue;
      out.push({
        assignment: this.resource.withResource(parent.assignment, resource),
        labels: this.labels(bracket.s, i, parent.config, parent.name),
      });
    }
    return out;
  }

  private labels(s: number, rung: number, config: number, parent?: string): Record<string, string> {
    return {
      [HYPERBAND_LABELS.bracket]: String(s),
      [HYPERBAND_LABELS.rung]: String(rung),
      [HYPERBAND_LABELS.config]: String(config),
      ...(parent !== undefined ? { [HYPERBAND_LABELS.parent]: parent } : {}),
    };
  }
}

/** Hyperband's rules on the experiment: the shared resource rules and Katib's parallelism bound. */
function validateHyperband(spec: ExperimentSpec, settings: HyperbandSettings): FieldError[] {
  const errors = resourceErrors(spec, settings, 'hyperband');
  if (errors.length > 0 || settings.maxResource === undefined) return errors;
  const k = minimumParallelTrials(settings.maxResource, settings.eta);
  const parallel: unknown = spec.parallelTrialCount;
  if (typeof parallel === 'number' && parallel < k) {
    errors.push(
      FieldPath.root('spec')
        .child('parallelTrialCount')
        .error(`parallelTrialCount must be not less than ${k}.`, parallel),
    );
  }
  return errors;
}

/** Katib's `hyperband` (see the module comment). */
export const hyperbandAlgorithm = defineAlgorithm<HyperbandSettings>({
  name: 'hyperband',
  description:
    'Hyperband: brackets of synchronous successive halving over a resource parameter (e.g. epochs); ends when the last bracket is done.',
  settings: hyperbandSettings,
  validate: validateHyperband,
  create: (ctx) => new HyperbandDesigner(ctx),
  restore: (ctx, dump) => {
    const trials = readLedgerDump(dump);
    return trials ? new HyperbandDesigner(ctx).load(trials) : undefined;
  },
  seedOf: (s) => s.randomState,
});
