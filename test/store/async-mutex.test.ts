import { describe, expect, it } from 'vitest';
import { AsyncMutex } from '../../src/store/async-mutex.js';

describe('AsyncMutex', () => {
  it('runs callers one at a time, in call order, across awaits', async () => {
    const mutex = new AsyncMutex();
    const events: string[] = [];
    const job = (id: number, ms: number) => () =>
      (async () => {
        events.push(`start ${id}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${id}`);
        return id;
      })();
    const results = await Promise.all([
      mutex.runExclusive(job(1, 15)),
      mutex.runExclusive(job(2, 1)),
      mutex.runExclusive(job(3, 5)),
    ]);
    expect(results).toEqual([1, 2, 3]);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('passes rejections through and keeps serving later callers', async () => {
    const mutex = new AsyncMutex();
    await expect(mutex.runExclusive(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await mutex.runExclusive(() => Promise.resolve('yes'))).toBe('yes');
  });

  it('reports idle once everything queued has finished', async () => {
    const mutex = new AsyncMutex();
    let done = false;
    void mutex.runExclusive(async () => {
      await new Promise((r) => setTimeout(r, 10));
      done = true;
    });
    await mutex.idle();
    expect(done).toBe(true);
  });
});
