import { readdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/api/errors.js';
import { emptyExperimentStatus } from '../../src/api/experiment.js';
import { SCHEMA_VERSION, SchemaTooNewError, SqliteStore, type StoreTx } from '../../src/store/index.js';
import { migrate, type Migration } from '../../src/store/sqlite/migrations.js';
import {
  deferred,
  describeStoreConformance,
  experimentFixture,
  trialFixture,
} from '../conformance/store.conformance.js';
import { openedStores, scratchDir } from './store-scratch.js';

const scratch = scratchDir('katib-store-');

describeStoreConformance('SqliteStore (:memory:)', () => SqliteStore.open(':memory:'));
describeStoreConformance('SqliteStore (file)', () => SqliteStore.open(scratch.file('store')));

describe('SqliteStore', () => {
  const open = openedStores();
  const fresh = (): string => scratch.file();

  it('creates the parent directory and a WAL file at the current schema version', async () => {
    const path = scratch.path('nested', scratch.unique('deeper'), 'katib.db');
    const store = await open(path);
    expect(store.path).toBe(path);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      raw.close();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const path = fresh();
    const first = await open(path);
    await first.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('persisted'));
      await tx.createTrial(trialFixture('persisted', 'persisted-1'), { attempt: 1, pgid: 123 });
      await tx.appendObservations('persisted-1', [
        { timeStamp: '2024-05-01T10:00:00.000Z', metricName: 'loss', value: '1' },
      ]);
    });
    await first.close();
    const second = await open(path);
    expect((await second.read.getExperiment('persisted'))?.version).toBe(1);
    expect((await second.read.getTrial('persisted-1'))?.runtime).toEqual({ attempt: 1, pgid: 123 });
    expect(await second.read.getObservationLog('persisted-1')).toHaveLength(1);
  });

  it('lets a second store on the same file see what the first committed, and only that', async () => {
    const path = fresh();
    const writer = await open(path);
    const reader = await open(path);
    await writer.transaction((tx) => tx.createExperiment(experimentFixture('shared')));
    expect((await reader.read.getExperiment('shared'))?.version).toBe(1);

    const written = deferred();
    const release = deferred();
    const running = writer.transaction(async (tx) => {
      await tx.updateExperimentStatus('shared', { ...emptyExperimentStatus(), trials: 5 });
      written.resolve();
      await release.promise;
    });
    try {
      await written.promise;
      expect((await reader.read.getExperiment('shared'))?.version).toBe(1);
    } finally {
      release.resolve();
      await running;
    }
    expect((await reader.read.getExperiment('shared'))?.experiment.status?.trials).toBe(5);
    await reader.transaction((tx) => tx.updateExperimentStatus('shared', emptyExperimentStatus(), 2));
    expect((await writer.read.getExperiment('shared'))?.version).toBe(3);
  });

  it("waits for another connection's write lock without blocking the event loop", async () => {
    const path = fresh();
    const a = await open(path);
    const b = await open(path);
    await a.transaction((tx) => tx.createExperiment(experimentFixture('locked')));
    const holding = deferred();
    const release = deferred();
    const first = a.transaction(async (tx) => {
      await tx.updateExperimentStatus('locked', emptyExperimentStatus(), 1);
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    const second = b.transaction((tx) => tx.updateExperimentStatus('locked', emptyExperimentStatus(), 2));
    // B is waiting for A's lock; timers still fire, so the event loop is free.
    await new Promise((r) => setTimeout(r, 30));
    release.resolve();
    await first;
    expect(await second).toBe(3);
  });

  it('gives up with UnavailableError when the write lock is held past busyTimeoutMs', async () => {
    const path = fresh();
    const a = await open(path);
    const b = await open(path, { busyTimeoutMs: 40 });
    const holding = deferred();
    const release = deferred();
    const first = a.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('held'));
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    try {
      await expect(
        b.transaction((tx) => tx.createExperiment(experimentFixture('other'))),
      ).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      release.resolve();
      await first;
    }
    await b.transaction((tx) => tx.createExperiment(experimentFixture('other')));
    expect((await a.read.listExperiments()).map((s) => s.experiment.metadata.name)).toEqual([
      'held',
      'other',
    ]);
  });

  it('refuses a file whose schema is newer than this build, leaving it untouched', async () => {
    const path = fresh();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const error: unknown = await SqliteStore.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as Error).message).toContain(`schema is version ${SCHEMA_VERSION + 1}`);
    expect((error as Error).message).toContain('newer katib-ts');
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({
        n: 0,
      });
    } finally {
      check.close();
    }
  });

  it('applies migrations all or nothing', () => {
    const raw = new Database(':memory:');
    try {
      const broken: Migration[] = [
        { version: 1, description: 'ok', sql: 'CREATE TABLE a (x INTEGER)' },
        { version: 2, description: 'broken', sql: 'CREATE TABLE b (x INTEGER); THIS IS NOT SQL' },
      ];
      expect(() => migrate(raw, ':memory:', broken)).toThrow();
      expect(raw.pragma('user_version', { simple: true })).toBe(0);
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
      expect(migrate(raw, ':memory:', broken.slice(0, 1))).toEqual({ from: 0, to: 1 });
      expect(migrate(raw, ':memory:', broken.slice(0, 1))).toEqual({ from: 1, to: 1 });
    } finally {
      raw.close();
    }
  });

  it('rejects a nested transaction on the same store without disturbing the outer one', async () => {
    const store = await open(':memory:');
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('outer'));
      await expect(store.transaction(() => Promise.resolve())).rejects.toThrow(/inside a transaction/);
    });
    expect((await store.read.getExperiment('outer'))?.version).toBe(1);
  });

  it('recognises a nested transaction through awaits, then-callbacks and helpers, but not a concurrent or detached one', async () => {
    const store = await open(':memory:');
    const nested = /inside a transaction/;
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const inner = (): Promise<void> => store.transaction(() => Promise.resolve());
    async function helper(depth: number): Promise<void> {
      if (depth > 0) return helper(depth - 1);
      await tick();
      await inner();
    }
    let detached: Promise<void> | undefined;
    await store.transaction(async (tx) => {
      await expect(inner()).rejects.toThrow(nested); // before any await of the body
      await tx.createExperiment(experimentFixture('outer'));
      await tick();
      await expect(inner()).rejects.toThrow(nested); // after awaits
      await expect(helper(20)).rejects.toThrow(nested); // through a chain of async helpers
      await expect(tick().then(inner)).rejects.toThrow(nested); // from a then-callback
      await expect(Promise.all([tick().then(inner)])).rejects.toThrow(nested);
      // Started here but not awaited: it queues behind this transaction and runs after it.
      detached = (async () => {
        await tick();
        await store.transaction((t) => t.createExperiment(experimentFixture('detached')));
      })();
      await tick();
      await tick();
    });
    // Started outside any transaction body while one holds the lock: queues behind it.
    let release: (() => void) | undefined;
    const holding = store.transaction(async () => {
      await new Promise<void>((resolve) => (release = resolve));
    });
    while (release === undefined) await tick();
    const concurrent = store.transaction(async (t) => {
      await t.createExperiment(experimentFixture('concurrent'));
    });
    release();
    await holding;
    await detached;
    await concurrent;
    for (const name of ['outer', 'detached', 'concurrent'])
      expect((await store.read.getExperiment(name))?.version).toBe(1);
    // A stack formatter installed by the process (source maps, say) does not hide the nesting.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- saved to be put back
    const formatter = Error.prepareStackTrace;
    Error.prepareStackTrace = () => 'formatted elsewhere';
    try {
      await store.transaction(async () => {
        await tick();
        await expect(inner()).rejects.toThrow(nested);
      });
      expect(new Error().stack).toBe('formatted elsewhere');
    } finally {
      Error.prepareStackTrace = formatter;
    }
  });

  it('refuses a tx used after its transaction ended', async () => {
    const store = await open(':memory:');
    let kept: StoreTx | undefined;
    await store.transaction((tx) => {
      kept = tx;
      return Promise.resolve();
    });
    await expect(kept!.createExperiment(experimentFixture('late'))).rejects.toThrow(/transaction has ended/);
    await expect(kept!.getExperiment('late')).rejects.toThrow(/transaction has ended/);
    expect(await store.read.getExperiment('late')).toBeUndefined();
  });

  it('lets a transaction started earlier finish when closed, then refuses everything', async () => {
    const store = await open(fresh());
    const release = deferred();
    const running = store.transaction(async (tx) => {
      await release.promise;
      return tx.createExperiment(experimentFixture('last'));
    });
    const closing = store.close();
    release.resolve();
    expect(await running).toBe(1);
    await closing;
    await expect(store.transaction(() => Promise.resolve())).rejects.toThrow(/closed/);
    await expect(store.read.getExperiment('last')).rejects.toThrow(/closed/);
  });

  it('hands out deeply frozen snapshots', async () => {
    const store = await open(':memory:');
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('frozen'));
      await tx.createTrial(trialFixture('frozen', 'frozen-1'), { attempt: 1 });
      await tx.appendObservations('frozen-1', [
        { timeStamp: '2024-05-01T10:00:00.000Z', metricName: 'loss', value: '1' },
      ]);
      await tx.putAlgorithmState('frozen', { suggestionCount: 1, designer: { xs: [1, 2] } });
    });
    const stored = await store.read.getExperiment('frozen');
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored?.experiment.spec.parameters?.[0]?.feasibleSpace)).toBe(true);
    const trials = await store.read.listTrials('frozen');
    expect(Object.isFrozen(trials)).toBe(true);
    expect(Object.isFrozen(trials[0]?.trial.spec.parameterAssignments[0])).toBe(true);
    expect(Object.isFrozen(trials[0]?.runtime)).toBe(true);
    expect(Object.isFrozen((await store.read.getObservationLog('frozen-1'))[0])).toBe(true);
    const state = await store.read.getAlgorithmState('frozen');
    expect(Object.isFrozen((state?.designer as { xs: number[] }).xs)).toBe(true);
  });

  it('hands out one parsed algorithm state per stored text, a new one after every write', async () => {
    const store = await open(':memory:');
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('s'));
      await tx.createExperiment(experimentFixture('t'));
      await tx.putAlgorithmState('s', { suggestionCount: 1, designer: { xs: [1] } });
      await tx.putAlgorithmState('t', { suggestionCount: 1, designer: { xs: [1] } });
    });
    const first = await store.read.getAlgorithmState('s');
    expect(await store.read.getAlgorithmState('s')).toBe(first);
    // Another experiment with the same text has its own entry; a transaction reads the same text too.
    expect(await store.read.getAlgorithmState('t')).toEqual(first);
    expect(await store.transaction((tx) => tx.getAlgorithmState('s'))).toBe(first);
    await store.transaction((tx) =>
      tx.putAlgorithmState('s', { suggestionCount: 2, designer: { xs: [1, 2] } }),
    );
    const second = await store.read.getAlgorithmState('s');
    expect(second).not.toBe(first);
    expect(second).toEqual({ suggestionCount: 2, designer: { xs: [1, 2] } });
    expect(first).toEqual({ suggestionCount: 1, designer: { xs: [1] } });
    // Inside a transaction, its own uncommitted write is what it reads back.
    await store.transaction(async (tx) => {
      await tx.putAlgorithmState('s', { suggestionCount: 3 });
      expect(await tx.getAlgorithmState('s')).toEqual({ suggestionCount: 3 });
    });
  });

  it('never reuses a trial seq, even after the newest trial is deleted', async () => {
    const store = await open(':memory:');
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('a'));
      await tx.createTrial(trialFixture('a', 'a-1'));
    });
    const seq = (await store.read.getTrial('a-1'))!.seq;
    await store.transaction((tx) => tx.deleteExperiment('a'));
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('a'));
      await tx.createTrial(trialFixture('a', 'a-1'));
    });
    expect((await store.read.getTrial('a-1'))!.seq).toBeGreaterThan(seq);
  });

  it('returns observation times in UTC, keeping precision beyond milliseconds', async () => {
    const store = await open(':memory:');
    const times = ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000000123Z', '2024-05-01T12:00:01+02:00'];
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('t'));
      await tx.createTrial(trialFixture('t', 't-1'));
      await tx.appendObservations(
        't-1',
        times.map((timeStamp) => ({ timeStamp, metricName: 'loss', value: '1' })),
      );
    });
    expect((await store.read.getObservationLog('t-1')).map((l) => l.timeStamp)).toEqual([
      '2024-05-01T10:00:00.000Z',
      '2024-05-01T10:00:00.000000123Z',
      '2024-05-01T10:00:01.000Z',
    ]);
  });

  it("gives every ':memory:' store its own database and writes nothing to the working directory", async () => {
    const before = await readdir(process.cwd());
    const a = await open(':memory:');
    const b = await open(':memory:');
    await a.transaction((tx) => tx.createExperiment(experimentFixture('only-in-a')));
    expect(await b.read.getExperiment('only-in-a')).toBeUndefined();
    expect(a.path).toBe(':memory:');
    await Promise.all([a.close(), b.close()]);
    expect(await readdir(process.cwd())).toEqual(before);
  });

  it('rejects a negative busyTimeoutMs', async () => {
    await expect(SqliteStore.open(':memory:', { busyTimeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  });
});
