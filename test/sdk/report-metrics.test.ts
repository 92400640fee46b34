/** reportMetrics (Push collection from Node trial code) against a running DBManagerServer. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, SpecError, UnavailableError } from '../../src/api/index.js';
import { reportMetrics } from '../../src/sdk/index.js';
import { DBManagerServer } from '../../src/server/index.js';
import { openStore, type ExperimentStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';

describe('reportMetrics', () => {
  let dir: string;
  let store: ExperimentStore;
  let server: DBManagerServer;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'katib-report-'));
    store = await openStore(path.join(dir, 'katib.db'));
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('exp'));
      await tx.createTrial(trialFixture('exp', 'exp-trial-1', 'Running'));
      await tx.createTrial(trialFixture('exp', 'exp-trial-2', 'Running'));
    });
    server = await DBManagerServer.start({ store, port: 0 });
  });

  afterEach(() => {
    process.env = { ...savedEnv };
  });

  afterAll(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports every metric in one call, stamped now to the second, like Katib's report_metrics", async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    await reportMetrics(
      { loss: 0.25, accuracy: 0.9, tiny: 1e-7 },
      { address: server.address, trialName: 'exp-trial-1' },
    );
    await reportMetrics({ loss: 0.125 }, { address: server.address, trialName: 'exp-trial-1' });
    const after = Date.now();
    const logs = await store.read.getObservationLog('exp-trial-1');
    expect(logs.map((l) => [l.metricName, l.value, l.step])).toEqual([
      ['loss', '0.25', 1],
      ['accuracy', '0.9', 1],
      ['tiny', '1e-7', 1],
      ['loss', '0.125', 2],
    ]);
    const first = logs[0]!.timeStamp;
    expect(logs.slice(0, 3).every((l) => l.timeStamp === first)).toBe(true);
    expect(first).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(first)).toBeLessThanOrEqual(after);
  });

  it('takes the trial name from KATIB_TRIAL_NAME and the address from KATIB_DB_MANAGER_ADDRESS', async () => {
    process.env['KATIB_TRIAL_NAME'] = 'exp-trial-2';
    process.env['KATIB_DB_MANAGER_ADDRESS'] = server.address;
    await reportMetrics({ loss: 3 });
    expect((await store.read.getObservationLog('exp-trial-2')).map((l) => l.value)).toEqual(['3']);
  });

  it('without a trial name: a clear SpecError, before any call', async () => {
    delete process.env['KATIB_TRIAL_NAME'];
    const err = await reportMetrics({ loss: 1 }, { address: server.address }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain('KATIB_TRIAL_NAME is not set');
  });

  it('rejects non-finite values and an empty metrics object', async () => {
    const opts = { address: server.address, trialName: 'exp-trial-1' };
    await expect(reportMetrics({ loss: Number.NaN }, opts)).rejects.toThrow(
      /metrics\.loss: must be a finite number, got NaN/,
    );
    await expect(reportMetrics({ loss: Infinity }, opts)).rejects.toThrow(/got Infinity/);
    await expect(reportMetrics({ loss: '0.5' as unknown as number }, opts)).rejects.toThrow(
      /must be a finite number/,
    );
    await expect(reportMetrics({}, opts)).rejects.toThrow(/nothing to report/);
  });

  it('an unknown trial is a NotFoundError from the server', async () => {
    const err = await reportMetrics({ loss: 1 }, { address: server.address, trialName: 'ghost' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain('trial "ghost" not found');
  });

  it('no db-manager at the address: an UnavailableError within the timeout', async () => {
    const probe = await DBManagerServer.start({ store, port: 0 });
    const address = probe.address;
    await probe.close(); // a port where nothing listens now
    const started = Date.now();
    const err = await reportMetrics(
      { loss: 1 },
      { address, trialName: 'exp-trial-1', timeoutMs: 1000 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain(`db-manager at ${address}`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
