/**
 * The few protobuf wire-format primitives the TensorFlow event decoder and encoder need
 * (https://protobuf.dev/programming-guides/encoding/): varints, fixed 32/64-bit values and
 * length-delimited fields. Readers never throw past the end of their input: they report
 * truncation with {@link WireFormatError}.
 */

/** Malformed or truncated protobuf bytes. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/** Protobuf wire types. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** A cursor over protobuf bytes. */
export class WireReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** True when every byte was read. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wireType: t % 8 };
  }

  /** An unsigned varint, exact up to 2^53; larger values lose precision (never throw). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireFormatError('truncated varint');
      const b = this.bytes[this.pos++] ?? 0;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }

  /**
   * A varint read as a two's-complement int64 (protobuf `int64`, also `int32`, whose negative
   * values are sign-extended to ten bytes), as a JS number (exact within ±2^53).
   */
  int64(): number {
    const start = this.pos;
    const u = this.varint();
    if (this.pos - start < 8) return u; // < 2^49: the plain number is exact
    let big = 0n;
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt((this.bytes[i] ?? 0) & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A little-endian IEEE double. */
  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A little-endian IEEE float. */
  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field's bounds `[start, end)` in the underlying bytes (skipped over). */
  span(): { start: number; end: number } {
    const n = this.varint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return { start, end: this.pos };
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  lengthDelimited(): Uint8Array {
    const { start, end } = this.span();
    return this.bytes.subarray(start, end);
  }

  /** A sub-reader over a length-delimited field. */
  sub(): WireReader {
    const { start, end } = this.span();
    return new WireReader(this.bytes, start, end);
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.span();
        return;
      case WireType.I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new WireFormatError(`unsupported wire type ${wireType}`);
    }
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new WireFormatError('truncated field');
  }
}

/** Appends protobuf fields to a growing buffer. */
export class WireWriter {
  private readonly parts: number[] = [];

  /** A field's tag. */
  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** An unsigned varint (non-negative integers up to 2^53). */
  varint(v: number): this {
    let x = Math.floor(v);
    while (x >= 0x80) {
      this.parts.push((x % 128) | 0x80);
      x = Math.floor(x / 128);
    }
    this.parts.push(x);
    return this;
  }

  /** A little-endian double. */
  double(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.raw(b);
  }

  /** A little-endian float. */
  float(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.raw(b);
  }

  /** A length-delimited field body (length prefix + bytes). */
  bytes(b: Uint8Array): this {
    return this.varint(b.length).raw(b);
  }

  /** A UTF-8 string body. */
  string(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }

  /** Raw bytes. */
  raw(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }

  /** The bytes written. */
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
