/**
 * Opening a store from a URL, as the CLI's `--store` flag and configuration give it.
 */
import type { ExperimentStore } from './experiment-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

/**
 * Opens the store a URL names:
 * - `sqlite:<path>`, `sqlite://<path>` (so `sqlite:///abs/katib.db` is an absolute path) or a
 *   plain path: a SQLite file, created with its directory if missing; `:memory:` or
 *   `sqlite::memory:` for a temporary database removed on close.
 * - `postgres://…` / `postgresql://…`: not built yet (a later issue); throws a clear Error.
 *
 * A one-letter "scheme" is taken as a Windows drive (`C:\…`), i.e. a plain path. `options` apply to
 * a SQLite store (durability, busy timeout).
 *
 * @throws Error for a URL scheme with no store behind it.
 */
export async function openStore(url: string, options?: SqliteStoreOptions): Promise<ExperimentStore> {
  if (url === '') throw new Error('store URL is empty: give a path or sqlite:<path>');
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || url === ':memory:') return SqliteStore.open(url, options);
  const rest = url.slice(scheme.length + 1);
  switch (scheme) {
    case 'sqlite': {
      const path = rest.startsWith('//') ? rest.slice(2) : rest;
      if (path === '') throw new Error(`store URL "${url}" names no file: use sqlite:<path>`);
      return SqliteStore.open(path, options);
    }
    case 'postgres':
    case 'postgresql':
      throw new Error(
        `store URL "${redact(url)}": the PostgreSQL store is not built yet; use sqlite:<path> for now`,
      );
    default:
      throw new Error(
        `store URL "${redact(url)}": unknown scheme "${scheme}:"; use sqlite:<path> or a plain path`,
      );
  }
}

/** Hides a password in `scheme://user:password@host` so errors can be logged. */
function redact(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}
