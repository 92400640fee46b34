/**
 * `asha`: asynchronous successive halving (Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt,
 * Recht and Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020,
 * Algorithm 2). Katib has no ASHA (kubeflow/katib#1582); the settings follow Katib's hyperband
 * (`r_l`, `resource_name`, `eta`) plus the paper's minimum resource `r` (`r_min`) and minimum
 * early-stopping rate `s`.
 *
 * Rung `k = 0 … K` trains with resource `r_min · eta^(s + k)`, where `K` is the largest `k` with
 * `r_min · eta^(s + k) <= R` (`R` = `r_l`). Whenever a worker is free (every requested
 * suggestion), `get_job` looks at rungs `K-1 … 0`, highest first: the first configuration that is
 * among the best `floor(|rung k| / eta)` finished trials of rung `k` and has not been promoted yet
 * is trained again in rung `k + 1`; if there is none, a new random configuration starts in rung 0.
 * `|rung k|` counts finished trials; failed ones rank last and are never promoted. Unlike
 * Hyperband, nothing waits for a whole rung, so every request is answered in full: the experiment
 * ends at `maxTrialCount` or at its goal.
 *
 * Labels: `asha.katib-ts/rung`, `/config` (the configuration's number, kept through promotions),
 * `/parent` (the trial a promotion continues), `/bracket` (always 0). The designer's position is
 * computed from them and the trials' values, as for hyperband.
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import type { FieldError } from '../../api/field-error.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import type { StatefulDesigner, Suggestion, TrialDelta } from '../designer.js';
import { Rng } from '../rng.js';
import {
  ALGORITHM_SETTINGS_PATH,
  intSetting,
  randomStateSetting,
  type SettingDecl,
  type SettingsSpec,
} from '../settings.js';
import { floorLog, power } from './brackets.js';
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
} from './rung-ledger.js';

/** Typed settings of `asha`. */
export interface AshaSettings extends ResourceSettings {
  /** `r_min`: the paper's minimum resource `r`; unset: `r_l / eta^floor(log_eta r_l)`. */
  readonly minResource: number | undefined;
  /** `s`: the paper's minimum early-stopping rate (rung 0 trains with `r_min · eta^s`). */
  readonly earlyStoppingRate: number;
  readonly randomState: number | undefined;
}

/** `r_min`: a positive float without default. */
function minResourceSetting(): SettingDecl<number | undefined> {
  return {
    name: 'r_min',
    type: 'float',
    default: undefined,
    description:
      'Minimum resource r of the paper: rung k trains with r_min * eta^(s+k). Default: r_l / eta^floor(log_eta(r_l)), i.e. 1 when r_l is a power of eta.',
    parse(text) {
      const v = text.trim() === '' ? NaN : Number(text);
      return Number.isFinite(v) && v > 0
        ? { ok: true, value: v }
        : { ok: false, message: 'r_min must be a positive float number.' };
    },
  };
}

/** Declared settings of `asha`. */
export const ashaSettings: SettingsSpec<AshaSettings> = {
  maxResource: maxResourceSetting(),
  resourceName: resourceNameSetting(),
  eta: etaSetting(),
  minResource: minResourceSetting(),
  earlyStoppingRate: intSetting('s', {
    default: 0,
    min: 0,
    rangeMessage: 's must be an integer not less than 0.',
    description:
      'Minimum early-stopping rate s of the paper: rung 0 trains with r_min * eta^s (integer >= 0).',
  }),
  randomState: randomStateSetting(),
};

/** The labels asha puts on its trials. */
export const ASHA_LABELS = rungLabels('asha');

/** The rung resources of ASHA: `r_min · eta^(s+k)` for `k = 0 … K`, all `<= r_l`; empty when none fits. */
export function ashaRungResources(settings: {
  readonly maxResource: number;
  readonly eta: number;
  readonly minResource?: number | undefined;
  readonly earlyStoppingRate: number;
}): number[] {
  const { maxResource, eta, earlyStoppingRate: s } = settings;
  const minResource = defaultMinResource(settings);
  // With the default r_min = R / eta^s_max, rung resources are R / eta^(s_max - e), exact for
  // integer R; with a given r_min they are r_min * eta^e.
  const sMax = settings.minResource === undefined ? floorLog(maxResource, eta) : undefined;
  const out: number[] = [];
  for (let e = s; e <= s + 64; e++) {
    const r =
      sMax !== undefined
        ? e <= sMax
          ? maxResource / power(eta, sMax - e)
          : Infinity
        : minResource * power(eta, e);
    if (r > maxResource * (1 + 1e-9)) break;
    // The top rung gets exactly r_l when r_min * eta^e is r_l up to rounding.
    out.push(Math.abs(r - maxResource) <= maxResource * 1e-9 ? maxResource : r);
  }
  return out;
}

/** `r_min`, or its default `r_l / eta^floor(log_eta r_l)` (`r_l` itself when `r_l < eta`). */
export function defaultMinResource(settings: {
  readonly maxResource: number;
  readonly eta: number;
  readonly minResource?: number | undefined;
}): number {
  return (
    settings.minResource ??
    settings.maxResource / power(settings.eta, floorLog(settings.maxResource, settings.eta))
  );
}

/** The ASHA designer. */
class AshaDesigner implements StatefulDesigner {
  private readonly ledger: RungLedger;
  private readonly rungs: readonly number[];
  private readonly resource: ResourceParameter;
  private readonly sampler: ConfigurationSampler;

  constructor(private readonly ctx: DesignerContext<AshaSettings>) {
    const { maxResource, resourceName } = ctx.settings;
    if (maxResource === undefined || resourceName === undefined)
      throw new Error('r_l and resource_name must be set.');
    this.ledger = new RungLedger(ASHA_LABELS, ctx.objective);
    this.rungs = ashaRungResources({ ...ctx.settings, maxResource });
    if (this.rungs.length === 0) throw new Error('r_min * eta^s must not exceed r_l');
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
    const out: Suggestion[] = [];
    // Configurations promoted by this batch, per target rung.
    const promotedNow = new Set<string>();
    let nextConfig: number | undefined;
    const taken = new Set<string>();
    for (let n = 0; n < count; n++) {
      const promotion = this.promotion(promotedNow);
      if (promotion) {
        out.push(promotion);
        continue;
      }
      if (nextConfig === undefined) {
        nextConfig = this.nextConfig();
        for (const a of this.ledger.assignments()) taken.add(this.sampler.configurationKey(a));
      }
      const config = nextConfig++;
      const rng = Rng.derive(this.ctx.seed, 'asha', config);
      const assignment = this.sampler.draw(rng, this.rungs[0] ?? 0, (key) => taken.has(key));
      taken.add(this.sampler.configurationKey(assignment));
      out.push({ assignment, labels: this.labels(0, config) });
    }
    return out;
  }

  /** ASHA never answers short, and is never exhausted: it runs until maxTrialCount or the goal. */
  exhausted(): boolean {
    return false;
  }

  dump(): LedgerDump {
    return dumpLedger(this.ledger);
  }

  /** Algorithm 2's `get_job` promotion step: the highest rung with a promotable configuration. */
  private promotion(promotedNow: Set<string>): Suggestion | undefined {
    for (let k = this.rungs.length - 2; k >= 0; k--) {
      const finished = this.ledger.rung(0, k).filter((t) => t.finished);
      const quota = Math.floor(finished.length / this.ctx.settings.eta);
      if (quota === 0) continue;
      const above = new Set(this.ledger.rung(0, k + 1).map((t) => t.config));
      const top = finished.sort(byLoss).slice(0, quota);
      for (const t of top) {
        if (t.loss === undefined || above.has(t.config) || promotedNow.has(`${k + 1}/${t.config}`)) continue;
        promotedNow.add(`${k + 1}/${t.config}`);
        return {
          assignment: this.resource.withResource(t.assignment, this.rungs[k + 1] ?? 0),
          labels: this.labels(k + 1, t.config, t.name),
        };
      }
    }
    return undefined;
  }

  /** One more than the highest configuration number so far. */
  private nextConfig(): number {
    let next = 0;
    for (let k = 0; k < this.rungs.length; k++)
      for (const t of this.ledger.rung(0, k)) next = Math.max(next, t.config + 1);
    return next;
  }

  private labels(rung: number, config: number, parent?: string): Record<string, string> {
    return {
      [ASHA_LABELS.bracket]: '0',
      [ASHA_LABELS.rung]: String(rung),
      [ASHA_LABELS.config]: String(config),
      ...(parent !== undefined ? { [ASHA_LABELS.parent]: parent } : {}),
    };
  }
}

/** ASHA's rules: the shared resource rules, and at least one rung within `r_l`. */
function validateAsha(spec: ExperimentSpec, settings: AshaSettings): FieldError[] {
  const errors = resourceErrors(spec, settings, 'asha');
  if (errors.length > 0 || settings.maxResource === undefined) return errors;
  if (ashaRungResources({ ...settings, maxResource: settings.maxResource }).length === 0) {
    errors.push(
      ALGORITHM_SETTINGS_PATH.error(
        `r_min * eta^s (${defaultMinResource({ ...settings, maxResource: settings.maxResource }) * power(settings.eta, settings.earlyStoppingRate)}) must not exceed r_l (${settings.maxResource})`,
      ),
    );
  }
  return errors;
}

/** `asha`: asynchronous successive halving (see the module comment). */
export const ashaAlgorithm = defineAlgorithm<AshaSettings>({
  name: 'asha',
  description:
    'ASHA: asynchronous successive halving over a resource parameter (e.g. epochs); promotes without waiting for a whole rung.',
  settings: ashaSettings,
  validate: validateAsha,
  create: (ctx) => new AshaDesigner(ctx),
  restore: (ctx, dump) => {
    const trials = readLedgerDump(dump);
    return trials ? new AshaDesigner(ctx).load(trials) : undefined;
  },
  seedOf: (s) => s.randomState,
});
