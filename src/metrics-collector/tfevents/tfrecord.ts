/**
 * TFRecord framing, read incrementally (tensorflow/core/lib/io/record_reader.cc's format):
 *
 * ```text
 * uint64 length            (little endian)
 * uint32 masked_crc32c(length bytes)
 * byte   data[length]
 * uint32 masked_crc32c(data)
 * ```
 *
 * The reader accepts any chunking of a file; an incomplete record at the end stays pending (the
 * writer may still be appending). A record whose CRC does not match is corruption: the reader
 * stops there and reports it, as TensorFlow's reader raises `DataLossError`, instead of guessing
 * where the next record starts.
 */
import { maskedCrc32c } from './crc32c.js';

/** The largest record accepted (a guard against reading a garbage length as a huge allocation). */
export const MAX_TFRECORD_LENGTH = 64 * 1024 * 1024;

/** Why a TFRecord stream stopped being read. */
export interface TfRecordProblem {
  /** Byte offset of the record that failed. */
  readonly offset: number;
  readonly message: string;
}

/** Splits a TFRecord byte stream into records. */
export class TfRecordReader {
  private pending: Uint8Array = new Uint8Array(0);
  private consumed = 0;
  private failed: TfRecordProblem | undefined;

  /** The corruption that stopped the reader, if any. */
  get problem(): TfRecordProblem | undefined {
    return this.failed;
  }

  /** Bytes waiting for the rest of their record. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  /** Feeds the next bytes; returns the payloads of the records they complete. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) return [];
    const buf = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const out: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 12) {
      const view = new DataView(buf.buffer, buf.byteOffset + at, 12);
      const lo = view.getUint32(0, true);
      const hi = view.getUint32(4, true);
      if (maskedCrc32c(buf, at, at + 8) !== view.getUint32(8, true)) {
        this.fail(at, 'length checksum mismatch');
        break;
      }
      if (hi !== 0 || lo > MAX_TFRECORD_LENGTH) {
        this.fail(at, `record of ${hi * 2 ** 32 + lo} bytes is larger than ${MAX_TFRECORD_LENGTH}`);
        break;
      }
      if (buf.length - at < 12 + lo + 4) break;
      const dataEnd = at + 12 + lo;
      const stored = new DataView(buf.buffer, buf.byteOffset + dataEnd, 4).getUint32(0, true);
      if (maskedCrc32c(buf, at + 12, dataEnd) !== stored) {
        this.fail(at, 'data checksum mismatch');
        break;
      }
      out.push(buf.slice(at + 12, dataEnd));
      at = dataEnd + 4;
    }
    this.consumed += at;
    this.pending = this.failed ? new Uint8Array(0) : buf.slice(at);
    return out;
  }

  private fail(at: number, message: string): void {
    this.failed = { offset: this.consumed + at, message };
  }
}

/** Frames `data` as one TFRecord. */
export function frameTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, true);
  view.setUint32(4, 0, true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
