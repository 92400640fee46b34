/**
 * The contract every algorithm meets, as one function each algorithm's test file calls (Optuna's
 * `BasicSamplerTestCase`, one line per sampler):
 *
 * ```ts
 * describeDesignerConformance('random');
 * describeDesignerConformance('grid', (parameters, settings) => …);   // shape the experiment
 * ```
 *
 * It drives the algorithm through the whole in-process stack (registry → DesignerPolicy →
 * InProcessSuggestionService, string assignments in and out) over simulated experiments on
 * arbitrary search spaces and seeds, and checks:
 * 1. every suggestion is inside the space (the service would raise InternalError otherwise), and
 *    a call returns fewer than requested only once the space is exhausted, for good;
 * 2. the same seed and history give the same suggestions (two independent runs);
 * 3. the history given in one call or in many gives the same suggestions: state kept in memory
 *    (cache), restored from its dump, or absent (a stateless caller) — all agree round by round;
 * 4. when the space has room, no suggestion repeats another suggestion or an earlier trial.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findAlgorithm } from '../../src/algorithms/index.js';
import type { AlgorithmState } from '../../src/api/algorithm-state.js';
import type { AlgorithmSetting, ExperimentSpec, ParameterSpec } from '../../src/api/experiment.js';
import { fromParameterAssignments, infeasibilities, toSearchSpace } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import { productSpace } from '../../src/algorithms/codec/product-space.js';
import { InProcessSuggestionService } from '../../src/suggestion/index.js';
import {
  arbParameters,
  experimentOf,
  experimentSpec,
  trialView,
  type SpaceArbitraryOptions,
} from '../arbitraries/search-space.js';

/** Builds the experiment an algorithm is tested on, from generated parameters and settings. */
export type MakeExperiment = (
  parameters: readonly ParameterSpec[],
  settings: readonly AlgorithmSetting[],
) => ExperimentSpec;

/** Extra knobs for the suite. */
export interface DesignerConformanceOptions {
  /** Shape of the generated spaces. */
  readonly space?: SpaceArbitraryOptions;
  /** fast-check runs per property. @default 40 */
  readonly numRuns?: number;
  /**
   * The algorithm repeats assignments on purpose (pbt continues a member with the same
   * hyperparameters from its checkpoint), so the no-repeat property is not checked.
   * @default false
   */
  readonly allowRepeats?: boolean;
}

/** How a simulated experiment passes state between calls. */
export type StateMode = 'cached' | 'restored' | 'stateless-cached' | 'stateless';

/** One simulated experiment's suggestions, round by round, as `name=value` strings. */
export type SimulationRecord = readonly (readonly string[])[];

/** A deterministic fake objective of a trial's assignment (so histories are reproducible). */
function fakeLoss(assignments: readonly { readonly name: string; readonly value: string }[]): number {
  let h = 0;
  for (const a of assignments)
    for (const ch of `${a.name}=${a.value};`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return (h >>> 0) / 2 ** 32;
}

/**
 * Runs an experiment for `rounds` suggestion calls (each asking `counts[i]`), turning suggestions
 * into trials and completing all but the newest one after each round (every third completion
 * fails, every fifth is early-stopped). Returns what each round suggested.
 */
export async function simulateExperiment(
  spec: ExperimentSpec,
  counts: readonly number[],
  mode: StateMode,
  seed: number,
): Promise<{
  readonly rounds: SimulationRecord;
  readonly requested: readonly number[];
  /** Per round: undefined when the reply was full, else the reply's `exhausted` (true when absent). */
  readonly exhausted: readonly (boolean | undefined)[];
}> {
  const experiment = experimentOf(spec);
  const space = toSearchSpace(spec.parameters ?? []);
  const make = (): InProcessSuggestionService => new InProcessSuggestionService({ seedSource: () => seed });
  const shared = make();
  let trials: TrialView[] = [];
  let state: AlgorithmState | undefined;
  let handedOut = 0;
  let finished = 0;
  const rounds: string[][] = [];
  const exhaustedFlags: (boolean | undefined)[] = [];
  for (const count of counts) {
    const service = mode === 'cached' || mode === 'stateless-cached' ? shared : make();
    const passState = mode === 'cached' || mode === 'restored';
    const reply = await service.getSuggestions({
      experiment,
      trials,
      currentRequestNumber: count,
      totalRequestNumber: handedOut + count,
      ...(passState && state ? { state } : {}),
    });
    state = reply.state;
    for (const s of reply.assignments) {
      const problems = infeasibilities(space, fromParameterAssignments(space, s.parameterAssignments));
      expect(problems).toEqual([]);
    }
    rounds.push(
      reply.assignments.map((s) => s.parameterAssignments.map((a) => `${a.name}=${a.value}`).join(',')),
    );
    const created = reply.assignments.map((s, i) =>
      trialView(s.trialName ?? `t${handedOut + i}`, s.parameterAssignments, 'Pending', undefined, s.labels),
    );
    exhaustedFlags.push(reply.assignments.length < count ? (reply.exhausted ?? true) : undefined);
    handedOut += reply.assignments.length;
    trials = [...trials, ...created];
    // Complete every active trial but the newest.
    const active = trials.filter((t) => t.phase === 'Pending');
    const done = new Set(active.slice(0, Math.max(0, active.length - 1)).map((t) => t.name));
    trials = trials.map((t) => {
      if (!done.has(t.name)) return t;
      finished++;
      if (finished % 3 === 0) return trialView(t.name, t.parameterAssignments, 'Failed', undefined, t.labels);
      const phase = finished % 5 === 0 ? 'EarlyStopped' : 'Succeeded';
      return trialView(t.name, t.parameterAssignments, phase, fakeLoss(t.parameterAssignments), t.labels);
    });
  }
  return { rounds, requested: counts, exhausted: exhaustedFlags };
}

/** Runs the designer contract against the registered algorithm `name`. */
export function describeDesignerConformance(
  name: string,
  makeExperiment?: MakeExperiment,
  options: DesignerConformanceOptions = {},
): void {
  const build: MakeExperiment =
    makeExperiment ?? ((parameters, settings) => experimentSpec(name, parameters, settings));
  const numRuns = options.numRuns ?? 40;
  const arbCase = fc.record({
    parameters: arbParameters(options.space),
    randomState: fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: undefined }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    counts: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }),
  });
  const specOf = (c: { parameters: ParameterSpec[]; randomState: number | undefined }): ExperimentSpec =>
    build(
      c.parameters,
      c.randomState !== undefined ? [{ name: 'random_state', value: String(c.randomState) }] : [],
    );

  describe(`designer conformance: ${name}`, () => {
    it('is registered', () => {
      expect(findAlgorithm(name)?.name).toBe(name);
    });

    it('suggests only feasible assignments, and fewer than asked only when exhausted for good', async () => {
      await fc.assert(
        fc.asyncProperty(arbCase, async (c) => {
          const {
            rounds,
            requested,
            exhausted: flags,
          } = await simulateExperiment(specOf(c), c.counts, 'cached', c.seed);
          let exhausted = false;
          rounds.forEach((r, i) => {
            expect(r.length).toBeLessThanOrEqual(requested[i]!);
            if (exhausted) expect(r).toEqual([]);
            // A short reply is either the end for good or an explicit wait for running trials.
            if (r.length < requested[i]!) exhausted = flags[i] !== false;
          });
        }),
        { numRuns },
      );
    });

    it('gives the same suggestions for the same seed and history', async () => {
      await fc.assert(
        fc.asyncProperty(arbCase, async (c) => {
          const a = await simulateExperiment(specOf(c), c.counts, 'cached', c.seed);
          const b = await simulateExperiment(specOf(c), c.counts, 'cached', c.seed);
          expect(b.rounds).toEqual(a.rounds);
        }),
        { numRuns },
      );
    });

    it('gives the same suggestions whether the history comes in one call or many (cache, dump, stateless)', async () => {
      await fc.assert(
        fc.asyncProperty(arbCase, async (c) => {
          const spec = specOf(c);
          const cached = await simulateExperiment(spec, c.counts, 'cached', c.seed);
          for (const mode of ['restored', 'stateless-cached', 'stateless'] as const) {
            const other = await simulateExperiment(spec, c.counts, mode, c.seed);
            expect(other.rounds, mode).toEqual(cached.rounds);
          }
        }),
        { numRuns },
      );
    });

    it.skipIf(options.allowRepeats === true)(
      'never repeats an assignment while the space has room',
      async () => {
        await fc.assert(
          fc.asyncProperty(arbCase, async (c) => {
            const spec = specOf(c);
            const size = productSpace(toSearchSpace(spec.parameters ?? []), { distinct: true }).size;
            const total = c.counts.reduce((s, n) => s + n, 0);
            fc.pre(size >= total);
            const { rounds } = await simulateExperiment(spec, c.counts, 'cached', c.seed);
            const all = rounds.flat();
            expect(new Set(all).size).toBe(all.length);
          }),
          { numRuns },
        );
      },
    );
  });
}
