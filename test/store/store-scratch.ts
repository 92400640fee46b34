/**
 * Scratch space for SQLite store tests: a temporary directory for the file (removed after the
 * file's tests) and the stores a test opens (closed after each test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/index.js';

/** Paths in a temporary directory made before the file's tests and removed after them. */
export interface ScratchDir {
  /** A path below the directory. */
  path(...parts: string[]): string;
  /** `stem-N` with a number not handed out before. */
  unique(stem: string): string;
  /** A new database file path, `<dir>/<stem>-N.db`. */
  file(stem?: string): string;
}

/** Registers the directory's creation and removal (call at the top level of a test file). */
export function scratchDir(prefix: string): ScratchDir {
  let dir = '';
  let count = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const unique = (stem: string): string => `${stem}-${++count}`;
  return {
    path: (...parts) => join(dir, ...parts),
    unique,
    file: (stem = 'case') => join(dir, `${unique(stem)}.db`),
  };
}

/** Opens stores that are closed after each test (call inside a `describe`). */
export function openedStores(): (path: string, options?: SqliteStoreOptions) => Promise<SqliteStore> {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  return async (path, options) => {
    const store = await SqliteStore.open(path, options);
    stores.push(store);
    return store;
  };
}
