/** The coalescing work queue: one key at a time, re-run when enqueued during processing. */
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/controller/work-queue.js';

describe('WorkQueue', () => {
  it('coalesces a key added while waiting and re-runs a key added while processing', async () => {
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const q = new WorkQueue(
      async (key) => {
        calls.push(key);
        if (calls.length === 1) await new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    q.add('a');
    await Promise.resolve();
    q.add('a'); // while 'a' is processing: runs again afterwards
    q.add('b');
    q.add('b'); // coalesced
    release();
    await q.settled();
    expect(calls).toEqual(['a', 'a', 'b']);
    expect(q.idle()).toBe(true);
  });

  it('reports handler errors and keeps going; close cancels delayed keys', async () => {
    const errors: string[] = [];
    const seen: string[] = [];
    const q = new WorkQueue(
      (key) => {
        seen.push(key);
        return key === 'bad' ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    );
    q.add('bad');
    q.add('good');
    await q.settled();
    expect(errors).toEqual(['bad: boom']);
    expect(seen).toEqual(['bad', 'good']);
    q.addAfter('late', 20);
    await q.close();
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).toEqual(['bad', 'good']);
  });
});
