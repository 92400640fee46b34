import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lazyRequire } from '../src/lazy-require.js';

describe('lazyRequire', () => {
  it('loads the module on the first call only, and returns the same module every time', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'katib-lazy-'));
    const file = path.join(dir, 'counted.cjs');
    // The module counts its own evaluations on a global the test can see.
    writeFileSync(
      file,
      'globalThis.__katibLazyLoads = (globalThis.__katibLazyLoads ?? 0) + 1;\nexports.value = 42;\n',
    );
    const g = globalThis as { __katibLazyLoads?: number };
    const load = lazyRequire<{ value: number }>(file);
    expect(g.__katibLazyLoads).toBeUndefined();
    const first = load();
    expect(first.value).toBe(42);
    expect(g.__katibLazyLoads).toBe(1);
    expect(load()).toBe(first);
    expect(g.__katibLazyLoads).toBe(1);
  });

  it('throws the loader error when the module does not exist, on the call and not before', () => {
    const load = lazyRequire('./no-such-module-anywhere.cjs');
    expect(() => load()).toThrow(/Cannot find module/);
  });
});
