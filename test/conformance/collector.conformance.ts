/**
 * The contract every MetricsCollector keeps (src/metrics-collector/metrics-collector.ts), as a
 * suite to call once per implementation:
 *
 * ```ts
 * describeCollectorConformance('text', () => new TextMetricsCollector({ metricNames: ['loss'], now }), 'loss=1\n');
 * ```
 *
 * `make` must return a fresh collector with a fixed clock, so that runs can be compared.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricLog } from '../../src/api/observation.js';
import type { MetricsCollector } from '../../src/metrics-collector/metrics-collector.js';
import { parseMetricNumber } from '../../src/metrics-collector/metric-value.js';
import { parseTimeStamp } from '../../src/metrics-collector/time-stamp.js';

/** Feeds `chunks` one by one, then ends; returns every log in order. */
export function collectAll(
  collector: MetricsCollector,
  chunks: readonly (string | Uint8Array)[],
): MetricLog[] {
  const logs: MetricLog[] = [];
  for (const chunk of chunks) logs.push(...collector.push(chunk));
  logs.push(...collector.end());
  return logs;
}

/** Cuts `whole` at the given positions (any order, duplicates allowed). */
function cut<T extends string | Uint8Array>(whole: T, positions: readonly number[]): T[] {
  const points = [...new Set(positions.map((p) => p % (whole.length + 1)))].sort((a, b) => a - b);
  const parts: T[] = [];
  let start = 0;
  for (const p of points) {
    parts.push(whole.slice(start, p) as T);
    start = p;
  }
  parts.push(whole.slice(start) as T);
  return parts;
}

/** Text made of the pieces collectors care about: names, numbers, separators, line ends, JSON. */
const metricishText = fc
  .array(
    fc.constantFrom(
      'loss',
      'accuracy',
      'step',
      'timestamp',
      '=',
      ' = ',
      '0.5',
      '-7.53e-05',
      '1e-3',
      '.',
      '-',
      ' ',
      '\n',
      '\r',
      '\r\n',
      '{"loss": "0.25"}',
      '{"accuracy": 0.9, "step": 3}',
      '{',
      '"',
      ':',
      '}',
      '2024-05-01T12:00:00.5Z ',
      'é',
      '😀',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/**
 * Declares the conformance tests for one collector.
 *
 * @param name - label of the implementation in the test names.
 * @param make - a fresh collector with a fixed clock.
 * @param sampleText - realistic output that yields at least one log with `make`'s settings.
 */
export function describeCollectorConformance(
  name: string,
  make: () => MetricsCollector,
  sampleText: string,
): void {
  describe(`MetricsCollector conformance: ${name}`, () => {
    const whole = collectAll(make(), [sampleText]);

    it('finds logs in the sample', () => {
      expect(whole.length).toBeGreaterThan(0);
    });

    it('gives the same logs for any chunking of the sample', () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 12 }), (positions) => {
          expect(collectAll(make(), cut(sampleText, positions))).toEqual(whole);
        }),
      );
    });

    it('gives the same logs for the sample as UTF-8 bytes cut anywhere', () => {
      const bytes = new TextEncoder().encode(sampleText);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 12 }), (positions) => {
          expect(collectAll(make(), cut(bytes, positions))).toEqual(whole);
        }),
      );
    });

    it('gives the same logs for any chunking of generated output', () => {
      fc.assert(
        fc.property(metricishText, fc.array(fc.nat(), { maxLength: 8 }), (text, positions) => {
          expect(collectAll(make(), cut(text, positions))).toEqual(collectAll(make(), [text]));
        }),
      );
    });

    it('never throws on arbitrary strings or bytes, and its logs are well formed', () => {
      const chunk = fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 64 }), metricishText);
      fc.assert(
        fc.property(fc.array(chunk, { maxLength: 10 }), (chunks) => {
          for (const log of collectAll(make(), chunks)) {
            expect(parseTimeStamp(log.timeStamp), log.timeStamp).toBeDefined();
            expect(log.metricName).not.toBe('');
            expect(parseMetricNumber(log.value), log.value).toBeDefined();
            if (log.step !== undefined) expect(Number.isSafeInteger(log.step) && log.step >= 0).toBe(true);
          }
        }),
      );
    });

    it('is finished by end(): later pushes and ends yield nothing', () => {
      const c = make();
      c.push(sampleText);
      c.end();
      expect(c.end()).toEqual([]);
      expect(c.push(sampleText)).toEqual([]);
      expect(c.end()).toEqual([]);
    });
  });
}
