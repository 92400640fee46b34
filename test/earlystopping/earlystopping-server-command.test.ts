/** `katib earlystopping-server`: serves on the project's store until stopped, then exits 0. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trialPhase } from '../../src/api/index.js';
import { earlyStoppingServerCommand } from '../../src/cli/commands/earlystopping-server.js';
import { UsageError } from '../../src/cli/output.js';
import { loadKatibProto } from '../../src/grpc/index.js';
import { openStore } from '../../src/store/index.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';

type Rpc = (request: unknown, callback: (err: grpc.ServiceError | null, reply: unknown) => void) => void;

function call(client: grpc.Client, method: string, request: unknown): Promise<unknown> {
  const rpc = (client as unknown as Record<string, Rpc>)[method]!.bind(client);
  return new Promise((resolve, reject) => rpc(request, (err, reply) => (err ? reject(err) : resolve(reply))));
}

describe('katib earlystopping-server', () => {
  let dir: string;
  let db: string;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'katib-es-cli-'));
    db = path.join(dir, 'katib.db');
    const store = await openStore(db);
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('exp'));
      await tx.createTrial(trialFixture('exp', 'running-trial', 'Running'));
    });
    await store.close();
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its address, marks trials in the project store, and exits 0 when stopped', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (b: Buffer) => (printed += b.toString()));
    const stop = new AbortController();
    const done = earlyStoppingServerCommand({ port: '0', db }, { out, signal: stop.signal });
    while (!printed.includes('\n')) await new Promise((r) => setTimeout(r, 10));
    const address = /listening on (\S+)/.exec(printed)?.[1];
    expect(printed).toMatch(/^earlystopping server listening on 127\.0\.0\.1:\d+ /);
    const { EarlyStopping } = loadKatibProto();
    const client = new EarlyStopping(address!, grpc.credentials.createInsecure());
    try {
      await call(client, 'SetTrialStatus', { trial_name: 'running-trial' });
    } finally {
      client.close();
    }
    stop.abort();
    expect(await done).toBe(0);
    const store = await openStore(db);
    try {
      expect(trialPhase((await store.read.getTrial('running-trial'))!.trial.status)).toBe('EarlyStopped');
    } finally {
      await store.close();
    }
  });

  it('refuses a bad port', async () => {
    await expect(earlyStoppingServerCommand({ port: 'http', db })).rejects.toThrow(UsageError);
    await expect(earlyStoppingServerCommand({ port: '70000', db })).rejects.toThrow(UsageError);
  });
});
