/** `katib db-manager` in-process: serves the project's store, stops cleanly, rejects bad ports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { dbManagerCommand } from '../../src/cli/commands/db-manager.js';
import { UsageError } from '../../src/cli/output.js';
import { UnavailableError } from '../../src/api/index.js';
import { loadKatibProto } from '../../src/grpc/index.js';
import { DBManagerServer } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';

type HealthCheck = (
  request: { service: string },
  callback: (err: Error | null, reply: { status: string }) => void,
) => void;

const dir = mkdtempSync(path.join(tmpdir(), 'katib-dbm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dbManagerCommand', () => {
  it('prints where it listens, answers health checks, and returns 0 when stopped', async () => {
    const out = new PassThrough();
    let printed = '';
    const line = new Promise<string>((resolve) =>
      out.on('data', (d: Buffer) => {
        printed += d.toString();
        if (printed.includes('\n')) resolve(printed);
      }),
    );
    const stop = new AbortController();
    const db = path.join(dir, 'state', 'katib.db');
    const done = dbManagerCommand({ port: '0', db }, { out, signal: stop.signal });
    const text = await line;
    const m = /^db-manager listening on 127\.0\.0\.1:(\d+) \(store (.+)\)\n$/.exec(text);
    expect(m, text).not.toBeNull();
    expect(m![2]).toBe(db);
    const { Health } = loadKatibProto();
    const client = new Health(`127.0.0.1:${m![1]}`, grpc.credentials.createInsecure());
    const status = await new Promise((resolve, reject) =>
      (client as unknown as { Check: HealthCheck }).Check(
        { service: '' },
        (err: Error | null, reply: { status: string }) => (err ? reject(err) : resolve(reply.status)),
      ),
    );
    client.close();
    expect(status).toBe('SERVING');
    stop.abort();
    expect(await done).toBe(0);
  });

  it('a bad --port is a UsageError', async () => {
    for (const port of ['abc', '-1', '70000', '1.5', '']) {
      await expect(dbManagerCommand({ port, db: path.join(dir, 'x.db') }), port).rejects.toThrow(UsageError);
    }
    await expect(dbManagerCommand({ port: 'abc', db: path.join(dir, 'x.db') })).rejects.toThrow(
      '--port: "abc" is not a port number',
    );
  });
});

describe('dbManagerCommand when the port is taken', () => {
  it('fails with an UnavailableError naming the address', async () => {
    const store = await openStore(':memory:');
    const taken = await DBManagerServer.start({ store, port: 0 });
    try {
      const err = await dbManagerCommand({ port: String(taken.port), db: path.join(dir, 'y.db') }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toContain(`cannot listen on 127.0.0.1:${taken.port}`);
    } finally {
      await taken.close();
      await store.close();
    }
  });
});
