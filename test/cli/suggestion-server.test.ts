/** `katib suggestion-server` option checks (the serving path is covered by test/e2e/python-grpc.test.ts). */
import { describe, expect, it } from 'vitest';
import { algorithmNames } from '../../src/algorithms/index.js';
import { parsePort, suggestionServerCommand } from '../../src/cli/commands/suggestion-server.js';
import { UsageError } from '../../src/cli/output.js';

describe('suggestion-server options', () => {
  it('refuses an unknown algorithm, listing the known ones', async () => {
    const err = await suggestionServerCommand({ algorithm: 'tpe-ish', port: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      `--algorithm: unknown algorithm "tpe-ish"; known algorithms: ${algorithmNames().join(', ')}`,
    );
  });

  it('parses ports', () => {
    expect(parsePort(undefined)).toBe(6789);
    expect(parsePort('0')).toBe(0);
    expect(parsePort(' 7000 ')).toBe(7000);
    for (const bad of ['', 'x', '-1', '65536', '1.5', '0x10']) {
      expect(() => parsePort(bad)).toThrow(/--port: .* is not a port number \(0-65535\)/);
    }
  });

  it('refuses a bad port before starting anything', async () => {
    await expect(suggestionServerCommand({ port: 'abc' })).rejects.toThrow(UsageError);
  });
});
