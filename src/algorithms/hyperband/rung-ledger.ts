/**
 * What a multi-fidelity designer knows: every trial of the experiment sorted into brackets and
 * rungs by the labels the designer put on it (`<prefix>/bracket`, `/rung`, `/config`, `/parent`).
 * Nothing else is kept, so the designer's position is a function of the trial history: a restarted
 * service, a restored dump and a stateless caller all see the same rungs.
 *
 * Completed trials arrive as deltas and are kept; the active set is replaced on every update.
 * Trials without the labels (added by hand, or by another algorithm) take part only as taken
 * configurations, so new draws avoid them.
 */
import type { ObjectiveSpec } from '../../api/experiment.js';
import type { Assignment } from '../../api/search-space.js';
import { isObserved, lossOf, type ActiveTrial, type CompletedTrial } from '../designer.js';

/** The label keys of one algorithm. */
export interface RungLabels {
  readonly bracket: string;
  readonly rung: string;
  readonly config: string;
  readonly parent: string;
}

/** Label keys under `<algorithm>.katib-ts/`. */
export function rungLabels(algorithm: string): RungLabels {
  const prefix = `${algorithm}.katib-ts`;
  return {
    bracket: `${prefix}/bracket`,
    rung: `${prefix}/rung`,
    config: `${prefix}/config`,
    parent: `${prefix}/parent`,
  };
}

/** One labelled trial. */
export interface RungTrial {
  readonly name: string;
  /** Bracket index `s` (always 0 for ASHA). */
  readonly bracket: number;
  /** Rung index within the bracket (0 = the first, smallest resource). */
  readonly rung: number;
  /** Configuration number, shared by a configuration's trials in every rung it reaches. */
  readonly config: number;
  /** The trial this one was promoted from (absent in rung 0). */
  readonly parent?: string;
  readonly assignment: Assignment;
  /** True once the trial is in a terminal phase. */
  readonly finished: boolean;
  /** The value to minimise, when the trial finished with an observed objective; failures have none. */
  readonly loss?: number;
}

/** A completed trial as a dump keeps it (JSON-safe). */
export interface LedgerEntry {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly assignment: Assignment;
  readonly loss?: number;
}

const NATURAL = /^(0|[1-9]\d{0,8})$/;

function natural(labels: Readonly<Record<string, string>>, key: string): number | undefined {
  const v = labels[key];
  return v !== undefined && NATURAL.test(v) ? Number(v) : undefined;
}

/** Orders rung trials best first: observed losses ascending, then the unobserved, ties by config. */
export function byLoss(a: RungTrial, b: RungTrial): number {
  const la = a.loss ?? Infinity;
  const lb = b.loss ?? Infinity;
  if (la !== lb) return la < lb ? -1 : 1;
  return a.config - b.config || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The trials of one experiment, by bracket and rung. */
export class RungLedger {
  private readonly completed = new Map<string, LedgerEntry>();
  private active: readonly ActiveTrial[] = [];
  /** Built lazily from `completed` and `active`; dropped on every change. */
  private index: { readonly byRung: Map<string, RungTrial[]>; readonly all: Assignment[] } | undefined;

  constructor(
    private readonly labels: RungLabels,
    private readonly objective: ObjectiveSpec,
  ) {}

  /** Learns newly completed trials and replaces the active set. */
  update(completed: readonly CompletedTrial[], active: readonly ActiveTrial[]): void {
    for (const t of completed) {
      this.completed.set(t.name, {
        name: t.name,
        labels: this.ownLabels(t.labels),
        assignment: t.assignment,
        ...(isObserved(t) ? { loss: lossOf(t.objective, this.objective.type) } : {}),
      });
    }
    this.active = active;
    this.index = undefined;
  }

  /** Restores completed trials from a dump. */
  load(entries: readonly LedgerEntry[]): void {
    for (const e of entries) this.completed.set(e.name, e);
    this.index = undefined;
  }

  /** The completed trials, for a dump. */
  entries(): readonly LedgerEntry[] {
    return [...this.completed.values()];
  }

  /** The trials of rung `rung` of bracket `bracket`, completed and active, in no particular order. */
  rung(bracket: number, rung: number): readonly RungTrial[] {
    return this.built().byRung.get(`${bracket}/${rung}`) ?? [];
  }

  /** The assignments of every trial, labelled or not. */
  assignments(): readonly Assignment[] {
    return this.built().all;
  }

  private ownLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    const keys: readonly string[] = [
      this.labels.bracket,
      this.labels.rung,
      this.labels.config,
      this.labels.parent,
    ];
    for (const k of keys) {
      const v = labels[k];
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  private built(): { readonly byRung: Map<string, RungTrial[]>; readonly all: Assignment[] } {
    if (this.index) return this.index;
    const byRung = new Map<string, RungTrial[]>();
    const all: Assignment[] = [];
    const add = (
      name: string,
      labels: Readonly<Record<string, string>>,
      assignment: Assignment,
      finished: boolean,
      loss: number | undefined,
    ): void => {
      all.push(assignment);
      const bracket = natural(labels, this.labels.bracket);
      const rung = natural(labels, this.labels.rung);
      const config = natural(labels, this.labels.config);
      if (bracket === undefined || rung === undefined || config === undefined) return;
      const parent = labels[this.labels.parent];
      const t: RungTrial = {
        name,
        bracket,
        rung,
        config,
        assignment,
        finished,
        ...(parent !== undefined ? { parent } : {}),
        ...(loss !== undefined ? { loss } : {}),
      };
      const key = `${bracket}/${rung}`;
      const list = byRung.get(key);
      if (list) list.push(t);
      else byRung.set(key, [t]);
    };
    for (const e of this.completed.values()) add(e.name, e.labels, e.assignment, true, e.loss);
    for (const t of this.active) {
      if (!this.completed.has(t.name)) add(t.name, t.labels, t.assignment, false, undefined);
    }
    this.index = { byRung, all };
    return this.index;
  }
}

/** The dump of a designer built on a ledger (hyperband, asha), format version 1. */
export interface LedgerDump {
  readonly v: 1;
  readonly trials: unknown;
}

/** The dump of `ledger`. */
export function dumpLedger(ledger: RungLedger): LedgerDump {
  return { v: 1, trials: ledger.entries() };
}

/** The ledger entries of a designer's dump; `undefined` when `dump` is not a version-1 dump. */
export function readLedgerDump(dump: unknown): LedgerEntry[] | undefined {
  const d = dump as Partial<LedgerDump> | null;
  if (typeof d !== 'object' || d === null || d.v !== 1) return undefined;
  return readLedgerEntries(d.trials);
}

/** Reads a dumped ledger; `undefined` when `x` is not one. */
export function readLedgerEntries(x: unknown): LedgerEntry[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: LedgerEntry[] = [];
  for (const e of x as unknown[]) {
    if (typeof e !== 'object' || e === null) return undefined;
    const r = e as Record<string, unknown>;
    if (typeof r['name'] !== 'string' || typeof r['labels'] !== 'object' || r['labels'] === null)
      return undefined;
    if (typeof r['assignment'] !== 'object' || r['assignment'] === null) return undefined;
    if (r['loss'] !== undefined && typeof r['loss'] !== 'number') return undefined;
    out.push(e as LedgerEntry);
  }
  return out;
}
