import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromSortableTime, inStoredOrder, toSortableTime } from '../../src/store/observation-time.js';
import { experimentFixture, trialFixture } from '../conformance/store.conformance.js';
import { openedStores, scratchDir } from './store-scratch.js';

describe('toSortableTime', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000000000Z'],
    ['2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500000000Z'],
    ['2024-05-01t10:00:00.123456789z', '2024-05-01T10:00:00.123456789Z'],
    ['2024-05-01 10:00:00.1234567891234Z', '2024-05-01T10:00:00.123456789Z'],
    ['2024-05-01T12:30:00+02:30', '2024-05-01T10:00:00.000000000Z'],
    ['2024-05-01T00:00:00-01:00', '2024-05-01T01:00:00.000000000Z'],
    ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000000000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000000000Z'],
    ['0045-03-01T00:00:00Z', '0045-03-01T00:00:00.000000000Z'],
  ])('normalises %s', (input, expected) => {
    expect(toSortableTime(input)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2024-05-01',
    '2024-05-01T10:00:00',
    '2024-05-01T10:00Z',
    '2024-13-01T10:00:00Z',
    '2023-02-29T10:00:00Z',
    '2024-04-31T10:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T10:60:00Z',
    '2024-05-01T10:00:60Z',
    '2024-05-01T10:00:00.Z',
    '2024-05-01T10:00:00+0200',
    '2024-05-01T10:00:00+24:00',
    '0000-01-01T00:00:00+01:00',
    ' 2024-05-01T10:00:00Z',
  ])('rejects %j', (input) => {
    expect(toSortableTime(input)).toBeUndefined();
  });

  const instants = fc.date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('2200-01-01T00:00:00Z'),
    noInvalidDate: true,
  });

  it('orders text as the instants it names, whatever the offset', () => {
    const offsets = fc.integer({ min: -14 * 60, max: 14 * 60 });
    const written = (d: Date, offsetMinutes: number): string => {
      const local = new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    };
    fc.assert(
      fc.property(instants, offsets, instants, offsets, (a, oa, b, ob) => {
        const sa = toSortableTime(written(a, oa))!;
        const sb = toSortableTime(written(b, ob))!;
        expect(sa < sb).toBe(a.getTime() < b.getTime());
        expect(sa === sb).toBe(a.getTime() === b.getTime());
      }),
    );
  });

  it('round-trips toISOString output exactly', () => {
    fc.assert(
      fc.property(instants, (d) => {
        const iso = d.toISOString();
        expect(fromSortableTime(toSortableTime(iso)!)).toBe(iso);
      }),
    );
  });
});

describe('fromSortableTime', () => {
  it.each([
    ['2024-05-01T10:00:00.000000000Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.500000000Z', '2024-05-01T10:00:00.500Z'],
    ['2024-05-01T10:00:00.123400000Z', '2024-05-01T10:00:00.1234Z'],
    ['2024-05-01T10:00:00.000000001Z', '2024-05-01T10:00:00.000000001Z'],
  ])('formats %s as %s', (input, expected) => {
    expect(fromSortableTime(input)).toBe(expected);
  });
});

describe('inStoredOrder', () => {
  const scratch = scratchDir('stored-order-');
  const open = openedStores();
  // Stamps over a few seconds, in several precisions and offsets, so that equal instants written
  // differently and out-of-order writes both occur.
  const arbStamp = fc
    .tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom('', '.5', '.500', '.25', '.123456789'),
      fc.constantFrom('Z', '+00:00', '+01:00'),
    )
    .map(([s, frac, zone]) => `2024-05-01T${zone === '+01:00' ? '11' : '10'}:00:0${s}${frac}${zone}`);
  const arbLogs = fc.array(
    fc.record({
      timeStamp: arbStamp,
      metricName: fc.constantFrom('loss', 'acc'),
      value: fc.integer().map(String),
    }),
    { maxLength: 12 },
  );

  it('orders logs exactly as a store reads them back after writing them', async () => {
    const store = await open(scratch.file('order'));
    await store.transaction(async (tx) => {
      await tx.createExperiment(experimentFixture('order'));
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(arbLogs, async (logs) => {
        const trial = `order-${n++}`;
        await store.transaction(async (tx) => {
          await tx.createTrial(trialFixture('order', trial));
          await tx.appendObservations(trial, logs);
        });
        const read = await store.read.getObservationLog(trial);
        const ours = inStoredOrder(logs);
        expect(ours.map((l) => [toSortableTime(l.timeStamp), l.metricName, l.value])).toEqual(
          read.map((l) => [toSortableTime(l.timeStamp), l.metricName, l.value]),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('returns the same list when it is in order already', () => {
    const logs = [
      { timeStamp: '2024-05-01T10:00:00Z' },
      { timeStamp: '2024-05-01T10:00:00.000Z' },
      { timeStamp: '2024-05-01T10:00:01Z' },
    ];
    expect(inStoredOrder(logs)).toBe(logs);
  });
});
