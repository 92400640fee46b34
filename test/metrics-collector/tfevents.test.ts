import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc32c,
  decodeTfEvent,
  encodeTfEvent,
  formatScalar,
  frameTfRecord,
  halfToNumber,
  matchesMetric,
  maskedCrc32c,
  TfEventsCollector,
  TfEventsWriter,
  TfRecordReader,
  WireFormatError,
} from '../../src/metrics-collector/tfevents/index.js';

const GOLDEN = path.join(import.meta.dirname, '..', 'fixtures', 'tfevents');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('CRC-32C', () => {
  it('matches the standard check value and TFRecord masking', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    // The masked CRC of a little-endian length 24 as found in every TF event file header.
    const len = new Uint8Array([0x18, 0, 0, 0, 0, 0, 0, 0]);
    expect(maskedCrc32c(len)).toBe(0x224b7fa3);
  });
});

describe('TFRecord framing', () => {
  it('reads back any records under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }),
        (records, cuts) => {
          const file = Buffer.concat(records.map(frameTfRecord));
          const reader = new TfRecordReader();
          const got: Uint8Array[] = [];
          let at = 0;
          let i = 0;
          while (at < file.length) {
            const n = cuts[i++ % cuts.length] ?? 1;
            got.push(...reader.push(file.subarray(at, at + n)));
            at += n;
          }
          expect(got.map((r) => [...r])).toEqual(records.map((r) => [...r]));
          expect(reader.problem).toBeUndefined();
          expect(reader.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps an incomplete last record pending', () => {
    const file = Buffer.concat([frameTfRecord(bytes('one')), frameTfRecord(bytes('two'))]);
    const reader = new TfRecordReader();
    expect(reader.push(file.subarray(0, file.length - 1)).map((r) => Buffer.from(r).toString())).toEqual([
      'one',
    ]);
    expect(reader.pendingBytes).toBe(18);
    expect(reader.push(file.subarray(file.length - 1)).map((r) => Buffer.from(r).toString())).toEqual([
      'two',
    ]);
  });

  it('stops at a corrupted record, keeping the ones before it', () => {
    const file = Buffer.concat([
      frameTfRecord(bytes('good')),
      frameTfRecord(bytes('flipped')),
      frameTfRecord(bytes('after')),
    ]);
    file[20 + 12 + 2] = (file[20 + 12 + 2] ?? 0) ^ 0x01; // a payload byte of the second record
    const reader = new TfRecordReader();
    expect(reader.push(file).map((r) => Buffer.from(r).toString())).toEqual(['good']);
    expect(reader.problem).toEqual({ offset: 20, message: 'data checksum mismatch' });
    expect(reader.push(frameTfRecord(bytes('more')))).toEqual([]);
  });

  it('refuses a corrupted length instead of allocating it', () => {
    const file = Buffer.from(frameTfRecord(bytes('x')));
    file[3] = 0x7f;
    const reader = new TfRecordReader();
    expect(reader.push(file)).toEqual([]);
    expect(reader.problem?.message).toBe('length checksum mismatch');
  });
});

describe('Event decoding', () => {
  it('round-trips simple and tensor scalars with step and wall time', () => {
    const e = decodeTfEvent(
      encodeTfEvent({
        wallTime: 1700000000.25,
        step: 12,
        scalars: [
          { tag: 'loss', value: 0.5 },
          { tag: 'acc', value: 0.875, as: 'tensor' },
        ],
      }),
    );
    expect(e).toEqual({
      wallTime: 1700000000.25,
      step: 12,
      scalars: [
        { tag: 'loss', value: 0.5 },
        { tag: 'acc', value: 0.875 },
      ],
    });
  });

  it('reports malformed bytes as a WireFormatError', () => {
    expect(() => decodeTfEvent(new Uint8Array([0x2a, 0x05, 0x0a]))).toThrow(WireFormatError);
    expect(() => decodeTfEvent(new Uint8Array([0x10, 0xff]))).toThrow(/truncated varint/);
  });

  it('decodes half precision', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0x3a00)).toBe(0.75);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
  });

  it('formats float32 values with the shortest exact decimal', () => {
    expect(formatScalar(Math.fround(0.1))).toBe('0.1');
    expect(formatScalar(Math.fround(0.7654321))).toBe('0.7654321');
    expect(formatScalar(0.1)).toBe('0.1');
    expect(formatScalar(-7)).toBe('-7');
  });
});

describe('metric names', () => {
  it.each([
    ['loss', 'loss', '', true],
    ['loss', 'loss', 'train', true],
    ['train/loss', 'loss', 'train', true],
    ['train/loss', 'loss', 'runs/1/train', true],
    ['train/loss', 'loss', 'validation', false],
    ['train/loss', 'loss', 'pretrain', false],
    ['loss', 'loss_2', '', false],
    ['epoch/loss', 'epoch/loss', 'x', true],
  ])('%s names tag %s in dir "%s": %s', (name, tag, dir, want) => {
    expect(matchesMetric(name, tag, dir)).toBe(want);
  });
});

describe('TfEventsCollector', () => {
  it('reads the golden files written by protobuf (simple, tensor_content, double, int64, half)', async () => {
    const c = new TfEventsCollector(GOLDEN, [
      'train/loss',
      'train/accuracy',
      'validation/accuracy',
      'batches',
    ]);
    const logs = await c.poll();
    expect(logs).toEqual([
      { timeStamp: '2023-11-14T22:13:21.500Z', metricName: 'train/loss', value: '0.75', step: 1 },
      { timeStamp: '2023-11-14T22:13:21.500Z', metricName: 'train/accuracy', value: '0.5', step: 1 },
      { timeStamp: '2023-11-14T22:13:22.250Z', metricName: 'train/loss', value: '0.5', step: 2 },
      { timeStamp: '2023-11-14T22:13:22.250Z', metricName: 'train/accuracy', value: '0.625', step: 2 },
      { timeStamp: '2023-11-14T22:13:23.000Z', metricName: 'train/loss', value: '0.25', step: 3 },
      { timeStamp: '2023-11-14T22:13:24.000Z', metricName: 'validation/accuracy', value: '0.375', step: 1 },
      { timeStamp: '2023-11-14T22:13:24.000Z', metricName: 'batches', value: '-7', step: 1 },
      { timeStamp: '2023-11-14T22:13:25.000Z', metricName: 'validation/accuracy', value: '0.75', step: 2 },
    ]);
    expect(c.problems).toEqual([]);
    expect(await c.poll()).toEqual([]);
  });

  it('reads only what was appended since the last poll, and a missing directory is empty', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfev-'));
    const c = new TfEventsCollector(path.join(dir, 'logs'), ['loss']);
    expect(await c.poll()).toEqual([]);
    let t = 100;
    const w = new TfEventsWriter(path.join(dir, 'logs'), { now: () => t++ });
    w.scalar('loss', 0.5, 1);
    expect((await c.poll()).map((l) => [l.value, l.step])).toEqual([['0.5', 1]]);
    w.scalar('loss', 0.25, 2);
    w.scalar('other', 9, 2);
    // Half a record: stays pending until the rest arrives.
    const tail = frameTfRecord(
      encodeTfEvent({ wallTime: 200, step: 3, scalars: [{ tag: 'loss', value: 0.125 }] }),
    );
    appendFileSync(w.file, tail.subarray(0, 10));
    expect((await c.poll()).map((l) => [l.value, l.step])).toEqual([['0.25', 2]]);
    appendFileSync(w.file, tail.subarray(10));
    expect((await c.poll()).map((l) => [l.value, l.step])).toEqual([['0.125', 3]]);
  });

  it('keeps the values before a corruption and reports it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfev-'));
    cpSync(path.join(GOLDEN, 'train'), path.join(dir, 'train'), { recursive: true });
    const file = path.join(dir, 'train', 'events.out.tfevents.1700000000.golden');
    const b = readFileSync(file);
    b[b.length - 6] = (b[b.length - 6] ?? 0) ^ 0xff; // inside the last record
    writeFileSync(file, b);
    const c = new TfEventsCollector(dir, ['loss']);
    const logs = await c.poll();
    expect(logs.map((l) => l.value)).toEqual(['0.75', '0.5']);
    expect(c.problems).toEqual([
      expect.stringMatching(/^train\/events\.out\.tfevents.*: data checksum mismatch at byte \d+$/),
    ]);
  });
});
