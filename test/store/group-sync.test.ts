/** The SQLite store's group commit: syncs asked for now (`durable`) and later (`later`). */
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GroupSync } from '../../src/store/sqlite/group-sync.js';
import { scratchDir } from './store-scratch.js';

const scratch = scratchDir('group-sync-');

/** A database file in WAL mode with one commit in its log, and the connection keeping the log. */
function walDatabase(): { file: string; db: Database.Database } {
  const file = scratch.file('wal');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
  return { file, db };
}

describe('GroupSync', () => {
  it('later() runs one background sync within the delay, however often it is asked', async () => {
    const { file, db } = walDatabase();
    const sync = new GroupSync(file);
    try {
      for (let i = 0; i < 5; i++) sync.later(20);
      expect(sync.completedSyncs).toBe(0);
      for (let waited = 0; sync.completedSyncs === 0 && waited < 2000; waited += 10) await sleep(10);
      expect(sync.completedSyncs).toBe(1);
      await sleep(40);
      expect(sync.completedSyncs).toBe(1);
      await sync.durable();
      expect(sync.completedSyncs).toBe(2);
    } finally {
      await sync.close();
      db.close();
    }
  });

  it('close() runs a sync that later() asked for and has not started', async () => {
    const { file, db } = walDatabase();
    const sync = new GroupSync(file);
    sync.later(60_000);
    await sync.close();
    expect(sync.completedSyncs).toBe(1);
    db.close();
  });
});
