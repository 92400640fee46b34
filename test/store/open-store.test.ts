import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, SqliteStore, type ExperimentStore } from '../../src/store/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'katib-open-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function opened(url: string): Promise<SqliteStore> {
  const store: ExperimentStore = await openStore(url);
  await store.close();
  expect(store).toBeInstanceOf(SqliteStore);
  return store as SqliteStore;
}

describe('openStore', () => {
  it.each([
    ['a plain path', (p: string) => p],
    ['sqlite:<path>', (p: string) => `sqlite:${p}`],
    ['sqlite://<absolute path>', (p: string) => `sqlite://${p}`],
  ])('opens a SQLite file from %s', async (_label, url) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.db`);
    expect((await opened(url(path))).path).toBe(path);
    expect((await stat(path)).isFile()).toBe(true);
  });

  it('resolves a relative sqlite:// path against the working directory', async () => {
    const path = join(dir, 'relative.db');
    expect((await opened(`sqlite://${relative(process.cwd(), path)}`)).path).toBe(path);
  });

  it.each([':memory:', 'sqlite::memory:', 'sqlite://:memory:'])('opens %s in memory', async (url) => {
    expect((await opened(url)).path).toBe(':memory:');
  });

  it.each(['postgres://katib:secret@localhost:5432/katib', 'postgresql://localhost/katib'])(
    'says the PostgreSQL store is not built yet for %s, without the password',
    async (url) => {
      const error: unknown = await openStore(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/PostgreSQL store is not built yet/);
      expect((error as Error).message).not.toContain('secret');
    },
  );

  it('rejects an unknown scheme and an empty URL', async () => {
    await expect(openStore('mysql://localhost/katib')).rejects.toThrow(/unknown scheme "mysql:"/);
    await expect(openStore('')).rejects.toThrow(/empty/);
    await expect(openStore('sqlite:')).rejects.toThrow(/names no file/);
  });
});
