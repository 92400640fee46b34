/** store.read's routing between the SQLite store's writer and read connections. */
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RoutedReader } from '../../src/store/sqlite/routed-reader.js';
import type { SqliteReader } from '../../src/store/sqlite/sqlite-tx.js';
import type { StoredTrial } from '../../src/store/index.js';

class BusyError extends Error {
  readonly code = 'SQLITE_BUSY';
}

/** A reader double that records its calls and answers `getTrial` with `answer`. */
function readerDouble(answer: () => Promise<StoredTrial | undefined>): {
  reader: SqliteReader;
  calls: string[];
} {
  const calls: string[] = [];
  const reader = {
    getTrial: (name: string) => {
      calls.push(name);
      return answer();
    },
  } as unknown as SqliteReader;
  return { reader, calls };
}

const trial = (name: string): StoredTrial => ({ name }) as unknown as StoredTrial;
const isBusy = (e: unknown): boolean => e instanceof BusyError;

describe('RoutedReader', () => {
  it('reads on the writer while it has no open transaction, on the read connection while it has', async () => {
    const writer = { open: true, inTransaction: false };
    const w = readerDouble(() => Promise.resolve(trial('from-writer')));
    const r = readerDouble(() => Promise.resolve(trial('from-reader')));
    const routed = new RoutedReader(writer as unknown as Database.Database, w.reader, r.reader, isBusy);
    expect(await routed.getTrial('a')).toEqual(trial('from-writer'));
    writer.inTransaction = true;
    expect(await routed.getTrial('b')).toEqual(trial('from-reader'));
    writer.inTransaction = false;
    writer.open = false;
    expect(await routed.getTrial('c')).toEqual(trial('from-reader'));
    expect(w.calls).toEqual(['a']);
    expect(r.calls).toEqual(['b', 'c']);
  });

  it('retries a read that finds the writer busy on the read connection, and passes other errors on', async () => {
    const writer = { open: true, inTransaction: false } as unknown as Database.Database;
    const busy = readerDouble(() => Promise.reject(new BusyError('database is locked')));
    const r = readerDouble(() => Promise.resolve(trial('from-reader')));
    expect(await new RoutedReader(writer, busy.reader, r.reader, isBusy).getTrial('a')).toEqual(
      trial('from-reader'),
    );
    expect(busy.calls).toEqual(['a']);
    expect(r.calls).toEqual(['a']);

    const broken = readerDouble(() => Promise.reject(new Error('no such table: trials')));
    const r2 = readerDouble(() => Promise.resolve(trial('from-reader')));
    await expect(new RoutedReader(writer, broken.reader, r2.reader, isBusy).getTrial('a')).rejects.toThrow(
      /no such table/,
    );
    expect(r2.calls).toEqual([]);
  });
});
