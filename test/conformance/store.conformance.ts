/**
 * The ExperimentStore contract as tests (Optuna's StorageTestCase idea): every backend calls
 * `describeStoreConformance` once with a factory, and must pass all of it.
 *
 * Each test opens a fresh store and closes it afterwards, and uses names unique to the test, so
 * backends that share one database between tests (a PostgreSQL server) can run it as it is.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, SpecError } from '../../src/api/errors.js';
import type {
  Experiment,
  ExperimentStatus,
  MetricLog,
  Trial,
  TrialConditionType,
  TrialStatus,
} from '../../src/api/index.js';
import { emptyExperimentStatus } from '../../src/api/experiment.js';
import { EXPERIMENT_LABEL } from '../../src/api/trial.js';
import type { ExperimentStore, StoreTx } from '../../src/store/index.js';

/** A minimal valid Experiment named `name`. */
export function experimentFixture(name: string): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name, namespace: 'default', labels: { team: 'tuning' } },
    spec: {
      parameters: [{ name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.001', max: '0.1' } }],
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'random' },
      parallelTrialCount: 3,
      maxTrialCount: 12,
      metricsCollectorSpec: { collector: { kind: 'StdOut' } },
      resumePolicy: 'Never',
    },
  };
}

/** A trial status with one condition set to True (none for Pending). */
export function trialStatusFixture(condition?: TrialConditionType): TrialStatus {
  const at = '2024-05-01T10:00:00.000Z';
  return {
    conditions:
      condition === undefined
        ? []
        : [
            {
              type: condition,
              status: 'True',
              reason: `Trial${condition}`,
              message: '',
              lastUpdateTime: at,
              lastTransitionTime: at,
            },
          ],
  };
}

/** A minimal valid Trial of `experiment`. */
export function trialFixture(experiment: string, name: string, condition?: TrialConditionType): Trial {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Trial',
    metadata: { name, labels: { [EXPERIMENT_LABEL]: experiment } },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      parameterAssignments: [{ name: 'lr', value: '0.01' }],
      metricsCollector: { collector: { kind: 'StdOut' } },
    },
    status: trialStatusFixture(condition),
  };
}

function log(timeStamp: string, metricName: string, value: string, step?: number): MetricLog {
  return step === undefined ? { timeStamp, metricName, value } : { timeStamp, metricName, value, step };
}

/** A promise with its resolve function outside (Node 20 has no Promise.withResolvers). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Registers the conformance tests for one ExperimentStore implementation.
 *
 * @param name - shown in the test report, e.g. `'SqliteStore (:memory:)'`.
 * @param makeStore - opens a fresh, usable store; the suite closes it after each test.
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<ExperimentStore>): void {
  describe(`ExperimentStore conformance: ${name}`, () => {
    let store: ExperimentStore;
    let prefix: string;
    /** A name unique to this test. */
    const unique = (label: string): string => `${prefix}-${label}`;
    const inTx = <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => store.transaction(fn);

    beforeEach(async () => {
      prefix = `t${randomUUID().slice(0, 8)}`;
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('experiments', () => {
      it('creates at version 1 and reads back an equal experiment', async () => {
        const e = experimentFixture(unique('exp'));
        expect(await inTx((tx) => tx.createExperiment(e))).toBe(1);
        const stored = await store.read.getExperiment(e.metadata.name);
        expect(stored).toEqual({ experiment: e, version: 1 });
      });

      it('keeps a status given at creation', async () => {
        const status: ExperimentStatus = { ...emptyExperimentStatus(), trials: 2 };
        const e = { ...experimentFixture(unique('exp')), status };
        await inTx((tx) => tx.createExperiment(e));
        expect((await store.read.getExperiment(e.metadata.name))?.experiment.status).toEqual(status);
      });

      it('returns undefined and empty lists for names that do not exist', async () => {
        expect(await store.read.getExperiment(unique('missing'))).toBeUndefined();
        expect(await store.read.getTrial(unique('missing'))).toBeUndefined();
        expect(await store.read.getAlgorithmState(unique('missing'))).toBeUndefined();
        expect(await store.read.listTrials(unique('missing'))).toEqual([]);
        expect(await store.read.getObservationLog(unique('missing'))).toEqual([]);
      });

      it('rejects a duplicate name with ConflictError and keeps the first', async () => {
        const e = experimentFixture(unique('exp'));
        await inTx((tx) => tx.createExperiment(e));
        const other = { ...e, spec: { ...e.spec, parallelTrialCount: 9 } };
        await expect(inTx((tx) => tx.createExperiment(other))).rejects.toBeInstanceOf(ConflictError);
        expect((await store.read.getExperiment(e.metadata.name))?.experiment.spec.parallelTrialCount).toBe(3);
      });

      it('rejects an experiment without a name with SpecError at metadata.name', async () => {
        const e = experimentFixture('');
        const error: unknown = await inTx((tx) => tx.createExperiment(e)).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(SpecError);
        expect((error as SpecError).errors.map((f) => f.path)).toEqual(['metadata.name']);
      });

      it('lists experiments in creation order', async () => {
        const names = [unique('c'), unique('a'), unique('b')];
        for (const n of names) await inTx((tx) => tx.createExperiment(experimentFixture(n)));
        const listed = (await store.read.listExperiments()).map((s) => s.experiment.metadata.name);
        expect(listed.filter((n) => n.startsWith(prefix))).toEqual(names);
      });

      it('bumps the version on every spec and status write and keeps the other part', async () => {
        const e = experimentFixture(unique('exp'));
        const name = e.metadata.name;
        await inTx((tx) => tx.createExperiment(e));
        const spec = { ...e.spec, parallelTrialCount: 5 };
        expect(await inTx((tx) => tx.updateExperimentSpec(name, spec, 1))).toBe(2);
        const status = { ...emptyExperimentStatus(), trials: 4 };
        expect(await inTx((tx) => tx.updateExperimentStatus(name, status, 2))).toBe(3);
        expect(await inTx((tx) => tx.updateExperimentSpec(name, { ...spec, maxTrialCount: 20 }))).toBe(4);
        const stored = await store.read.getExperiment(name);
        expect(stored?.version).toBe(4);
        expect(stored?.experiment.spec).toEqual({ ...spec, maxTrialCount: 20 });
        expect(stored?.experiment.status).toEqual(status);
        expect(stored?.experiment.metadata).toEqual(e.metadata);
      });

      it('fails a write with a stale expectedVersion with ConflictError and changes nothing', async () => {
        const e = experimentFixture(unique('exp'));
        const name = e.metadata.name;
        await inTx((tx) => tx.createExperiment(e));
        await inTx((tx) => tx.updateExperimentStatus(name, emptyExperimentStatus(), 1));
        await expect(
          inTx((tx) => tx.updateExperimentStatus(name, { ...emptyExperimentStatus(), trials: 9 }, 1)),
        ).rejects.toBeInstanceOf(ConflictError);
        await expect(
          inTx((tx) => tx.updateExperimentSpec(name, { ...e.spec, parallelTrialCount: 9 }, 1)),
        ).rejects.toBeInstanceOf(ConflictError);
        const stored = await store.read.getExperiment(name);
        expect(stored?.version).toBe(2);
        expect(stored?.experiment.status?.trials).toBe(0);
        expect(stored?.experiment.spec.parallelTrialCount).toBe(3);
      });

      it('fails writes to a missing experiment with NotFoundError', async () => {
        const name = unique('missing');
        const e = experimentFixture(name);
        await expect(inTx((tx) => tx.updateExperimentSpec(name, e.spec))).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await expect(inTx((tx) => tx.updateExperimentSpec(name, e.spec, 1))).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await expect(
          inTx((tx) => tx.updateExperimentStatus(name, emptyExperimentStatus())),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(inTx((tx) => tx.deleteExperiment(name))).rejects.toBeInstanceOf(NotFoundError);
        await expect(inTx((tx) => tx.putAlgorithmState(name, { suggestionCount: 1 }))).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });
    });

    describe('trials', () => {
      it('records a trial at version 1 under its experiment, with seq and runtime', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        const t = trialFixture(exp, unique('trial'));
        await inTx((tx) => tx.createTrial(t, { attempt: 1, pgid: 4242, workDir: '/tmp/w' }));
        const stored = await store.read.getTrial(t.metadata.name);
        expect(stored?.trial).toEqual(t);
        expect(stored?.experimentName).toBe(exp);
        expect(stored?.version).toBe(1);
        expect(stored?.runtime).toEqual({ attempt: 1, pgid: 4242, workDir: '/tmp/w' });
        expect(Number.isInteger(stored?.seq)).toBe(true);
      });

      it('has no runtime until one is recorded, and bumps the version when it is', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        const t = trialFixture(exp, unique('trial'));
        await inTx((tx) => tx.createTrial(t));
        const before = await store.read.getTrial(t.metadata.name);
        expect(before?.runtime).toBeUndefined();
        expect(before ? 'runtime' in before : true).toBe(false);
        await inTx((tx) => tx.updateTrialRuntime(t.metadata.name, { attempt: 2, pgid: 7 }));
        const after = await store.read.getTrial(t.metadata.name);
        expect(after?.runtime).toEqual({ attempt: 2, pgid: 7 });
        expect(after?.version).toBe(2);
        await expect(
          inTx((tx) => tx.updateTrialRuntime(unique('nope'), { attempt: 1 })),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it('rejects a duplicate trial name with ConflictError, even under another experiment', async () => {
        const [a, b] = [unique('a'), unique('b')];
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(a));
          await tx.createExperiment(experimentFixture(b));
        });
        const name = unique('trial');
        await inTx((tx) => tx.createTrial(trialFixture(a, name)));
        await expect(inTx((tx) => tx.createTrial(trialFixture(a, name, 'Running')))).rejects.toBeInstanceOf(
          ConflictError,
        );
        await expect(inTx((tx) => tx.createTrial(trialFixture(b, name)))).rejects.toBeInstanceOf(
          ConflictError,
        );
        const stored = await store.read.getTrial(name);
        expect(stored?.experimentName).toBe(a);
        expect(stored?.trial.status.conditions).toEqual([]);
        expect(await store.read.listTrials(b)).toEqual([]);
      });

      it('rejects a trial of a missing experiment with NotFoundError', async () => {
        const t = trialFixture(unique('missing'), unique('trial'));
        await expect(inTx((tx) => tx.createTrial(t))).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.read.getTrial(t.metadata.name)).toBeUndefined();
      });

      it('rejects a trial without the experiment label with SpecError', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        const t = trialFixture(exp, unique('trial'));
        const unlabelled: Trial = { ...t, metadata: { name: t.metadata.name } };
        await expect(inTx((tx) => tx.createTrial(unlabelled))).rejects.toBeInstanceOf(SpecError);
      });

      it('lists trials in creation order with strictly increasing seq', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        const names = ['zulu', 'alpha', 'mike', 'bravo'].map(unique);
        await inTx(async (tx) => {
          await tx.createTrial(trialFixture(exp, names[0]!));
          await tx.createTrial(trialFixture(exp, names[1]!));
        });
        for (const n of names.slice(2)) await inTx((tx) => tx.createTrial(trialFixture(exp, n)));
        const listed = await store.read.listTrials(exp);
        expect(listed.map((s) => s.trial.metadata.name)).toEqual(names);
        const seqs = listed.map((s) => s.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
      });

      it("lists only the experiment's trials", async () => {
        const [a, b] = [unique('a'), unique('b')];
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(a));
          await tx.createExperiment(experimentFixture(b));
          await tx.createTrial(trialFixture(a, unique('a1')));
          await tx.createTrial(trialFixture(b, unique('b1')));
          await tx.createTrial(trialFixture(a, unique('a2')));
        });
        expect((await store.read.listTrials(a)).map((s) => s.trial.metadata.name)).toEqual([
          unique('a1'),
          unique('a2'),
        ]);
        expect((await store.read.listTrials(b)).map((s) => s.experimentName)).toEqual([b]);
      });

      it('filters trials by phase, derived from the stored status', async () => {
        const exp = unique('exp');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, unique('p')));
          await tx.createTrial(trialFixture(exp, unique('r1'), 'Running'));
          await tx.createTrial(trialFixture(exp, unique('s'), 'Succeeded'));
          await tx.createTrial(trialFixture(exp, unique('r2'), 'Running'));
          await tx.createTrial(trialFixture(exp, unique('f'), 'Failed'));
        });
        const names = async (phases: Parameters<StoreTx['listTrials']>[1]): Promise<string[]> =>
          (await store.read.listTrials(exp, phases)).map((s) => s.trial.metadata.name);
        expect(await names({ phases: ['Running'] })).toEqual([unique('r1'), unique('r2')]);
        expect(await names({ phases: ['Failed', 'Pending'] })).toEqual([unique('p'), unique('f')]);
        expect(await names({ phases: [] })).toEqual([]);
        expect(await names({})).toHaveLength(5);

        await inTx((tx) => tx.updateTrialStatus(unique('r1'), trialStatusFixture('Succeeded')));
        expect(await names({ phases: ['Running'] })).toEqual([unique('r2')]);
        expect(await names({ phases: ['Succeeded'] })).toEqual([unique('r1'), unique('s')]);
      });

      it('versions trial status writes and rejects stale or missing ones', async () => {
        const exp = unique('exp');
        const name = unique('trial');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, name));
        });
        expect(await inTx((tx) => tx.updateTrialStatus(name, trialStatusFixture('Running'), 1))).toBe(2);
        await expect(
          inTx((tx) => tx.updateTrialStatus(name, trialStatusFixture('Failed'), 1)),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await inTx((tx) => tx.updateTrialStatus(name, trialStatusFixture('Succeeded')))).toBe(3);
        const stored = await store.read.getTrial(name);
        expect(stored?.version).toBe(3);
        expect(stored?.trial.status).toEqual(trialStatusFixture('Succeeded'));
        await expect(
          inTx((tx) => tx.updateTrialStatus(unique('nope'), trialStatusFixture('Running'))),
        ).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('transactions', () => {
      it('returns what the callback returns', async () => {
        expect(await inTx(() => Promise.resolve({ answer: 42 }))).toEqual({ answer: 42 });
      });

      it('rolls back everything when the callback throws, and rethrows the same error', async () => {
        const exp = unique('exp');
        const boom = new Error('boom');
        const error: unknown = await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, unique('trial')));
          await tx.putAlgorithmState(exp, { suggestionCount: 1 });
          throw boom;
        }).catch((e: unknown) => e);
        expect(error).toBe(boom);
        expect(await store.read.getExperiment(exp)).toBeUndefined();
        expect(await store.read.getTrial(unique('trial'))).toBeUndefined();
        expect(await store.read.getAlgorithmState(exp)).toBeUndefined();
      });

      it('rolls back earlier writes when a store error ends the transaction', async () => {
        const exp = unique('exp');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, unique('taken')));
        });
        await expect(
          inTx(async (tx) => {
            await tx.updateExperimentStatus(exp, { ...emptyExperimentStatus(), trials: 2 });
            await tx.createTrial(trialFixture(exp, unique('new')));
            await tx.createTrial(trialFixture(exp, unique('taken')));
          }),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.read.getTrial(unique('new'))).toBeUndefined();
        const stored = await store.read.getExperiment(exp);
        expect(stored?.version).toBe(1);
        expect(stored?.experiment.status).toBeUndefined();
      });

      it('sees its own writes through tx before commit', async () => {
        const exp = unique('exp');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, unique('trial')));
          expect((await tx.getExperiment(exp))?.version).toBe(1);
          expect(await tx.listTrials(exp)).toHaveLength(1);
        });
      });

      it('keeps an open transaction invisible to reads outside it until it commits', async () => {
        const exp = unique('exp');
        const written = deferred();
        const release = deferred();
        const running = inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          written.resolve();
          await release.promise;
        });
        try {
          await written.promise;
          expect(await store.read.getExperiment(exp)).toBeUndefined();
          const listed = await store.read.listExperiments();
          expect(listed.map((s) => s.experiment.metadata.name)).not.toContain(exp);
        } finally {
          release.resolve();
          await running;
        }
        expect((await store.read.getExperiment(exp))?.version).toBe(1);
      });

      it('serialises concurrent transactions: no read-modify-write is lost', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        const callers = 40;
        const increment = (): Promise<number> =>
          inTx(async (tx) => {
            const current = await tx.getExperiment(exp);
            const trials = current?.experiment.status?.trials ?? 0;
            // Give other callers every chance to interleave between the read and the write.
            await new Promise((r) => setTimeout(r, 0));
            return tx.updateExperimentStatus(
              exp,
              { ...emptyExperimentStatus(), trials: trials + 1 },
              current?.version ?? -1,
            );
          });
        const versions = await Promise.all(Array.from({ length: callers }, increment));
        expect([...versions].sort((x, y) => x - y)).toEqual(Array.from({ length: callers }, (_, i) => i + 2));
        const stored = await store.read.getExperiment(exp);
        expect(stored?.experiment.status?.trials).toBe(callers);
        expect(stored?.version).toBe(callers + 1);
      });

      it('runs the next transaction after one that failed', async () => {
        const exp = unique('exp');
        await expect(inTx(() => Promise.reject(new Error('first fails')))).rejects.toThrow('first fails');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        expect(await store.read.getExperiment(exp)).toBeDefined();
      });
    });

    describe('delete', () => {
      it('cascades to trials, observation logs and algorithm state, and nothing else', async () => {
        const [gone, kept] = [unique('gone'), unique('kept')];
        await inTx(async (tx) => {
          for (const exp of [gone, kept]) {
            await tx.createExperiment(experimentFixture(exp));
            await tx.createTrial(trialFixture(exp, `${exp}-t`));
            await tx.appendObservations(`${exp}-t`, [log('2024-05-01T10:00:00.000Z', 'loss', '0.5')]);
            await tx.putAlgorithmState(exp, { suggestionCount: 1 });
          }
        });
        await inTx((tx) => tx.deleteExperiment(gone));
        expect(await store.read.getExperiment(gone)).toBeUndefined();
        expect(await store.read.getTrial(`${gone}-t`)).toBeUndefined();
        expect(await store.read.listTrials(gone)).toEqual([]);
        expect(await store.read.getObservationLog(`${gone}-t`)).toEqual([]);
        expect(await store.read.getAlgorithmState(gone)).toBeUndefined();
        expect(await store.read.getTrial(`${kept}-t`)).toBeDefined();
        expect(await store.read.getObservationLog(`${kept}-t`)).toHaveLength(1);
        expect(await store.read.getAlgorithmState(kept)).toEqual({ suggestionCount: 1 });
      });

      it('lets the name be reused, starting again at version 1 with no trials', async () => {
        const exp = unique('exp');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.updateExperimentStatus(exp, emptyExperimentStatus());
          await tx.createTrial(trialFixture(exp, unique('trial')));
        });
        await inTx((tx) => tx.deleteExperiment(exp));
        expect(await inTx((tx) => tx.createExperiment(experimentFixture(exp)))).toBe(1);
        expect(await store.read.listTrials(exp)).toEqual([]);
        await inTx((tx) => tx.createTrial(trialFixture(exp, unique('trial'))));
        expect(await store.read.listTrials(exp)).toHaveLength(1);
      });
    });

    describe('snapshots', () => {
      it('are not changed by later writes', async () => {
        const exp = unique('exp');
        const trial = unique('trial');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, trial));
          await tx.putAlgorithmState(exp, { suggestionCount: 1 });
        });
        const e1 = await store.read.getExperiment(exp);
        const t1 = await store.read.getTrial(trial);
        const list1 = await store.read.listTrials(exp);
        const s1 = await store.read.getAlgorithmState(exp);
        await inTx(async (tx) => {
          await tx.updateExperimentSpec(exp, { ...experimentFixture(exp).spec, parallelTrialCount: 8 });
          await tx.updateTrialStatus(trial, trialStatusFixture('Running'));
          await tx.createTrial(trialFixture(exp, unique('second')));
          await tx.putAlgorithmState(exp, { suggestionCount: 2 });
        });
        expect(e1?.version).toBe(1);
        expect(e1?.experiment.spec.parallelTrialCount).toBe(3);
        expect(t1?.trial.status.conditions).toEqual([]);
        expect(list1).toHaveLength(1);
        expect(s1).toEqual({ suggestionCount: 1 });
      });

      it('cannot be changed by the caller to affect the store or other readers', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        const first = await store.read.getExperiment(exp);
        try {
          (first!.experiment.spec as { parallelTrialCount: number }).parallelTrialCount = 99;
        } catch {
          // Frozen snapshots throw in strict mode; either way the store must be unaffected.
        }
        const second = await store.read.getExperiment(exp);
        expect(second?.experiment.spec.parallelTrialCount).toBe(3);
        expect(second).not.toBe(first);
      });

      it('do not alias objects the caller passed in', async () => {
        const exp = unique('exp');
        const e = structuredClone(experimentFixture(exp)) as {
          spec: { parallelTrialCount: number };
        } & Experiment;
        await inTx((tx) => tx.createExperiment(e));
        e.spec.parallelTrialCount = 77;
        expect((await store.read.getExperiment(exp))?.experiment.spec.parallelTrialCount).toBe(3);
      });
    });

    describe('observation logs', () => {
      const setUp = async (): Promise<string> => {
        const exp = unique('exp');
        const trial = unique('trial');
        await inTx(async (tx) => {
          await tx.createExperiment(experimentFixture(exp));
          await tx.createTrial(trialFixture(exp, trial, 'Running'));
        });
        return trial;
      };

      it('reads back what was appended, with and without step', async () => {
        const trial = await setUp();
        const logs = [
          log('2024-05-01T10:00:01.000Z', 'loss', '0.9', 1),
          log('2024-05-01T10:00:02.123Z', 'acc', '0.1'),
        ];
        await inTx((tx) => tx.appendObservations(trial, logs));
        const read = await store.read.getObservationLog(trial);
        expect(read).toEqual(logs);
        expect('step' in read[1]!).toBe(false);
      });

      it('orders by time, then by insertion, across appends', async () => {
        const trial = await setUp();
        await inTx((tx) =>
          tx.appendObservations(trial, [
            log('2024-05-01T10:00:03.000Z', 'loss', 'c'),
            log('2024-05-01T10:00:01.000Z', 'loss', 'a'),
            log('2024-05-01T10:00:02.000Z', 'loss', 'same-1'),
          ]),
        );
        await inTx((tx) =>
          tx.appendObservations(trial, [
            log('2024-05-01T10:00:02.000Z', 'loss', 'same-2'),
            log('2024-05-01T09:59:59.000Z', 'loss', 'first'),
          ]),
        );
        expect((await store.read.getObservationLog(trial)).map((l) => l.value)).toEqual([
          'first',
          'a',
          'same-1',
          'same-2',
          'c',
        ]);
      });

      it('compares times as instants, whatever their offset or precision', async () => {
        const trial = await setUp();
        await inTx((tx) =>
          tx.appendObservations(trial, [
            log('2024-05-01T12:00:00.5+02:00', 'loss', 'b'), // 10:00:00.500 UTC
            log('2024-05-01T10:00:00.25Z', 'loss', 'a'),
            log('2024-05-01T10:00:00.500000001Z', 'loss', 'c'),
            log('2024-05-01T05:00:01-05:00', 'loss', 'd'), // 10:00:01 UTC
          ]),
        );
        const read = await store.read.getObservationLog(trial);
        expect(read.map((l) => l.value)).toEqual(['a', 'b', 'c', 'd']);
        expect(Date.parse(read[1]!.timeStamp)).toBe(Date.parse('2024-05-01T10:00:00.500Z'));
        expect(Date.parse(read[3]!.timeStamp)).toBe(Date.parse('2024-05-01T10:00:01Z'));
      });

      it('filters by metric name and an inclusive time window', async () => {
        const trial = await setUp();
        await inTx((tx) =>
          tx.appendObservations(trial, [
            log('2024-05-01T10:00:01.000Z', 'loss', 'l1', 1),
            log('2024-05-01T10:00:01.000Z', 'acc', 'a1', 1),
            log('2024-05-01T10:00:02.000Z', 'loss', 'l2', 2),
            log('2024-05-01T10:00:03.000Z', 'loss', 'l3', 3),
            log('2024-05-01T10:00:04.000Z', 'acc', 'a4', 4),
          ]),
        );
        const values = async (q: Parameters<StoreTx['getObservationLog']>[1]): Promise<string[]> =>
          (await store.read.getObservationLog(trial, q)).map((l) => l.value);
        expect(await values({ metricName: 'loss' })).toEqual(['l1', 'l2', 'l3']);
        expect(await values({ metricName: 'nope' })).toEqual([]);
        expect(await values({ startTime: '2024-05-01T10:00:02Z' })).toEqual(['l2', 'l3', 'a4']);
        expect(await values({ endTime: '2024-05-01T10:00:02.000Z' })).toEqual(['l1', 'a1', 'l2']);
        expect(
          await values({
            metricName: 'loss',
            startTime: '2024-05-01T10:00:01.5Z',
            endTime: '2024-05-01T10:00:03Z',
          }),
        ).toEqual(['l2', 'l3']);
        // The window's bounds in another offset mean the same instants.
        expect(
          await values({ startTime: '2024-05-01T12:00:02+02:00', endTime: '2024-05-01T12:00:03+02:00' }),
        ).toEqual(['l2', 'l3']);
      });

      it('rejects a query time that is not RFC 3339 with SpecError', async () => {
        const trial = await setUp();
        await expect(store.read.getObservationLog(trial, { startTime: 'yesterday' })).rejects.toBeInstanceOf(
          SpecError,
        );
      });

      it('rejects a whole batch with a bad time, leaving nothing behind', async () => {
        const trial = await setUp();
        await inTx(async (tx) => {
          await expect(
            tx.appendObservations(trial, [
              log('2024-05-01T10:00:00Z', 'loss', '1'),
              log('not a time', 'loss', '2'),
            ]),
          ).rejects.toBeInstanceOf(SpecError);
        });
        expect(await store.read.getObservationLog(trial)).toEqual([]);
      });

      it('fails to append to a missing trial with NotFoundError', async () => {
        await expect(
          inTx((tx) => tx.appendObservations(unique('nope'), [log('2024-05-01T10:00:00Z', 'loss', '1')])),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it("deletes one trial's log only, idempotently", async () => {
        const trial = await setUp();
        const exp = (await store.read.getTrial(trial))!.experimentName;
        const other = unique('other');
        await inTx(async (tx) => {
          await tx.createTrial(trialFixture(exp, other));
          await tx.appendObservations(trial, [log('2024-05-01T10:00:00Z', 'loss', '1')]);
          await tx.appendObservations(other, [log('2024-05-01T10:00:00Z', 'loss', '2')]);
        });
        await inTx((tx) => tx.deleteObservations(trial));
        await inTx((tx) => tx.deleteObservations(trial));
        expect(await store.read.getObservationLog(trial)).toEqual([]);
        expect(await store.read.getObservationLog(other)).toHaveLength(1);
        await inTx((tx) => tx.appendObservations(trial, [log('2024-05-01T11:00:00Z', 'loss', '3')]));
        expect((await store.read.getObservationLog(trial)).map((l) => l.value)).toEqual(['3']);
      });
    });

    describe('algorithm state', () => {
      it('puts, replaces and reads back JSON state', async () => {
        const exp = unique('exp');
        await inTx((tx) => tx.createExperiment(experimentFixture(exp)));
        await inTx((tx) =>
          tx.putAlgorithmState(exp, { suggestionCount: 3, seed: 7, designer: { mean: [0.5, 1.5], gen: 2 } }),
        );
        expect(await store.read.getAlgorithmState(exp)).toEqual({
          suggestionCount: 3,
          seed: 7,
          designer: { mean: [0.5, 1.5], gen: 2 },
        });
        const settings = [{ name: 'n_startup_trials', value: '5' }];
        await inTx((tx) => tx.putAlgorithmState(exp, { suggestionCount: 4, algorithmSettings: settings }));
        expect(await store.read.getAlgorithmState(exp)).toEqual({
          suggestionCount: 4,
          algorithmSettings: settings,
        });
      });
    });

    describe('close', () => {
      it('is idempotent', async () => {
        await store.close();
        await store.close();
      });
    });
  });
}
