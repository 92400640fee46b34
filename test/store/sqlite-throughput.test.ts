/**
 * The SQLite store's throughput machinery: group commit (`synchronous: 'FULL'`), transactions that
 * do not wait for the disk, the incremental trial list (migration 2's change counter) and the
 * content-addressed snapshot caches. Each must be invisible in what the store returns.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { emptyExperimentStatus } from '../../src/api/experiment.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/index.js';
import { experimentFixture, trialFixture, trialStatusFixture } from '../conformance/store.conformance.js';
import { openedStores, scratchDir } from './store-scratch.js';

const scratch = scratchDir('katib-store-tp-');

describe('SqliteStore throughput paths', () => {
  const open = openedStores();
  const fresh = (): string => scratch.file();

  for (const synchronous of ['FULL', 'SQLITE-FULL', 'NORMAL'] as const) {
    it(`commits concurrent transactions, each whole, with synchronous ${synchronous}`, async () => {
      const path = fresh();
      const store = await open(path, { synchronous });
      await store.transaction((tx) => tx.createExperiment(experimentFixture('e')));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(
            async (tx) => {
              await tx.createTrial(trialFixture('e', `t${i}`));
              await tx.appendObservations(`t${i}`, [
                { timeStamp: '2024-01-01T00:00:00Z', metricName: 'loss', value: String(i) },
              ]);
            },
            { durable: i % 2 === 0 },
          ),
        ),
      );
      await store.sync();
      expect((await store.read.listTrials('e')).map((t) => t.trial.metadata.name)).toEqual(
        Array.from({ length: 20 }, (_, i) => `t${i}`),
      );
      await store.close();
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.prepare('SELECT count(*) AS n FROM observation_logs').get()).toEqual({ n: 20 });
      } finally {
        raw.close();
      }
    });
  }

  it('rejects an unknown synchronous level', async () => {
    await expect(
      SqliteStore.open(fresh(), { synchronous: 'EXTRA' as NonNullable<SqliteStoreOptions['synchronous']> }),
    ).rejects.toThrow(RangeError);
  });

  it('lets a transaction that does not wait for the disk be read at once, and rolls it back whole on error', async () => {
    const store = await open(fresh());
    await store.transaction((tx) => tx.createExperiment(experimentFixture('e')), { durable: false });
    expect((await store.read.getExperiment('e'))?.version).toBe(1);
    await expect(
      store.transaction(
        async (tx) => {
          await tx.createTrial(trialFixture('e', 'lost'));
          throw new Error('boom');
        },
        { durable: false },
      ),
    ).rejects.toThrow('boom');
    expect(await store.read.listTrials('e')).toEqual([]);
  });

  it('lists trials incrementally: new, changed and unchanged trials, in creation order', async () => {
    const store = await open(fresh());
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('e'));
      await tx.createExperiment(experimentFixture('other'));
      for (const n of ['a', 'b', 'c']) await tx.createTrial(trialFixture('e', n));
    });
    const first = await store.read.listTrials('e');
    expect(await store.read.listTrials('e')).toBe(first); // nothing changed: the same snapshot
    await store.transaction(async (tx) => {
      await tx.updateTrialStatus('b', trialStatusFixture('Running'));
      await tx.createTrial(trialFixture('other', 'x'));
      await tx.createTrial(trialFixture('e', 'd'));
    });
    const second = await store.read.listTrials('e');
    expect(second.map((t) => t.trial.metadata.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(second[0]).toBe(first[0]); // unchanged trials keep their snapshot
    expect(second[1]?.version).toBe(2);
    expect(second[1]?.trial.status).toEqual(trialStatusFixture('Running'));
    expect(first.map((t) => t.version)).toEqual([1, 1, 1]); // an earlier list never changes
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('sees another connection’s writes, and an experiment deleted and recreated under the same name', async () => {
    const path = fresh();
    const store = await open(path);
    const other = await open(path);
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('e'));
      await tx.createTrial(trialFixture('e', 'old-1'));
      await tx.createTrial(trialFixture('e', 'old-2'));
    });
    expect((await store.read.listTrials('e')).length).toBe(2);
    await other.transaction(async (tx) => {
      await tx.updateTrialStatus('old-2', trialStatusFixture('Succeeded'));
    });
    expect((await store.read.listTrials('e'))[1]?.version).toBe(2);
    await other.transaction(async (tx) => {
      await tx.deleteExperiment('e');
      await tx.createExperiment(experimentFixture('e'));
      await tx.createTrial(trialFixture('e', 'new-1'));
    });
    expect((await store.read.listTrials('e')).map((t) => t.trial.metadata.name)).toEqual(['new-1']);
    expect((await store.read.getExperiment('e'))?.version).toBe(1);
    await other.transaction((tx) => tx.deleteExperiment('e'));
    expect(await store.read.listTrials('e')).toEqual([]);
    // Re-created at the same version as the one read before: still read afresh.
    const spec = { ...experimentFixture('e').spec, parallelTrialCount: 7 };
    await other.transaction(async (tx) => {
      await tx.createExperiment({ ...experimentFixture('e'), spec });
    });
    expect((await store.read.getExperiment('e'))?.experiment.spec.parallelTrialCount).toBe(7);
  });

  it('reads an experiment whose status changed afresh, as its own snapshot', async () => {
    const store = await open(fresh());
    await store.transaction((tx) => tx.createExperiment(experimentFixture('e')));
    const before = await store.read.getExperiment('e');
    await store.transaction((tx) =>
      tx.updateExperimentStatus('e', { ...emptyExperimentStatus(), trials: 3 }),
    );
    const after = await store.read.getExperiment('e');
    expect(before?.experiment.status).toBeUndefined();
    expect(after?.experiment.status?.trials).toBe(3);
    expect(after?.version).toBe(2);
    expect(after?.experiment.spec).toBe(before?.experiment.spec); // the unchanged body is shared
    expect(Object.isFrozen(after?.experiment.status)).toBe(true);
  });

  it('upgrades a version-1 file: existing trials list, and later changes are seen', async () => {
    const path = fresh();
    const store = await open(path);
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('e'));
      await tx.createTrial(trialFixture('e', 'a'));
    });
    await store.close();
    // Make it look like a file written before migration 2.
    const raw = new Database(path);
    raw.exec(
      'DROP INDEX trials_changes; ALTER TABLE trials DROP COLUMN changed; ' +
        'DROP INDEX experiments_key; ALTER TABLE experiments DROP COLUMN incarnation; PRAGMA user_version = 1',
    );
    raw.close();
    const reopened = await open(path);
    expect((await reopened.read.getExperiment('e'))?.version).toBe(1);
    expect((await reopened.read.listTrials('e')).map((t) => t.trial.metadata.name)).toEqual(['a']);
    await reopened.transaction((tx) => tx.updateTrialStatus('a', trialStatusFixture('Running')));
    expect((await reopened.read.listTrials('e'))[0]?.version).toBe(2);
  });

  it('checkpoints a long stream of commits without losing any', async () => {
    const path = fresh();
    const store = await open(path);
    await store.transaction((tx) => tx.createExperiment(experimentFixture('e')));
    for (let i = 0; i < 600; i++) {
      await store.transaction((tx) => tx.createTrial(trialFixture('e', `t${i}`)), { durable: false });
    }
    expect((await store.read.listTrials('e')).length).toBe(600);
    await store.close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) AS n FROM trials').get()).toEqual({ n: 600 });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      raw.close();
    }
  });
});
