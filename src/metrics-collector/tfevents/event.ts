/**
 * TensorFlow `Event` records (tensorflow/core/util/event.proto, summary.proto, tensor.proto),
 * decoded just far enough to read scalar summaries — what Katib's TensorFlowEvent collector reads
 * through TensorBoard's EventAccumulator:
 *
 * - `Event`: `wall_time` (1, double, seconds), `step` (2, int64), `summary` (5).
 * - `Summary.value` (1), each with `tag` (1) and either `simple_value` (2, float: TF1's
 *   `tf.summary.scalar`, PyTorch's SummaryWriter) or `tensor` (8: TF2's `tf.summary.scalar`).
 * - `TensorProto`: `dtype` (1), `tensor_shape` (2), `tensor_content` (4, packed little-endian)
 *   or the typed lists `float_val` (5), `double_val` (6), `int_val` (7), `int64_val` (10),
 *   `half_val` (13). A tensor counts as a scalar when it holds exactly one number of type float,
 *   double, half, bfloat16, int32 or int64; others (strings, images, histograms) are skipped.
 */
import { WireReader, WireType, WireWriter } from './wire.js';

/** One scalar read from an event. */
export interface TfScalar {
  readonly tag: string;
  readonly value: number;
}

/** The parts of an `Event` a metrics collector uses. */
export interface TfEvent {
  /** Seconds since the epoch. */
  readonly wallTime: number;
  readonly step: number;
  readonly scalars: readonly TfScalar[];
}

/** TensorFlow `DataType` numbers (types.proto) of the numeric scalars we read. */
export const TfDataType = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  INT64: 9,
  BFLOAT16: 14,
  HALF: 19,
} as const;

/**
 * Decodes one `Event`. Summaries that are not numeric scalars are skipped.
 * @throws WireFormatError when the bytes are not a well-formed message.
 */
export function decodeTfEvent(bytes: Uint8Array): TfEvent {
  const r = new WireReader(bytes);
  let wallTime = 0;
  let step = 0;
  const scalars: TfScalar[] = [];
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1 && wireType === WireType.I64) wallTime = r.double();
    else if (field === 2 && wireType === WireType.VARINT) step = r.int64();
    else if (field === 5 && wireType === WireType.LEN) readSummary(r.sub(), scalars);
    else r.skip(wireType);
  }
  return { wallTime, step, scalars };
}

function readSummary(r: WireReader, out: TfScalar[]): void {
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1 && wireType === WireType.LEN) {
      const v = readValue(r.sub());
      if (v) out.push(v);
    } else r.skip(wireType);
  }
}

function readValue(r: WireReader): TfScalar | undefined {
  let tag = '';
  let value: number | undefined;
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1 && wireType === WireType.LEN) tag = new TextDecoder().decode(r.lengthDelimited());
    else if (field === 2 && wireType === WireType.I32) value = r.float();
    else if (field === 8 && wireType === WireType.LEN) value = readScalarTensor(r.sub());
    else r.skip(wireType);
  }
  return tag !== '' && value !== undefined ? { tag, value } : undefined;
}

/** The single number of a tensor, or undefined when it is not a numeric scalar. */
function readScalarTensor(r: WireReader): number | undefined {
  let dtype = 0;
  let elements = 1;
  let content: Uint8Array | undefined;
  const values: number[] = [];
  const halfBits: number[] = [];
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1 && wireType === WireType.VARINT) dtype = r.varint();
    else if (field === 2 && wireType === WireType.LEN) elements = shapeSize(r.sub());
    else if (field === 4 && wireType === WireType.LEN) content = r.lengthDelimited();
    else if (field === 5) readRepeated(r, wireType, WireType.I32, (x) => x.float(), values);
    else if (field === 6) readRepeated(r, wireType, WireType.I64, (x) => x.double(), values);
    else if (field === 7 || field === 10)
      readRepeated(r, wireType, WireType.VARINT, (x) => x.int64(), values);
    else if (field === 13) readRepeated(r, wireType, WireType.VARINT, (x) => x.varint(), halfBits);
    else r.skip(wireType);
  }
  if (elements !== 1 || !(Object.values(TfDataType) as number[]).includes(dtype)) return undefined;
  if (content && content.length > 0) return fromContent(dtype, content);
  // half and bfloat16 values travel as their bit patterns in half_val.
  const bits = halfBits[0];
  if (dtype === TfDataType.HALF) return bits === undefined ? 0 : halfToNumber(bits);
  if (dtype === TfDataType.BFLOAT16) return bits === undefined ? 0 : bfloat16ToNumber(bits);
  return values[0] ?? 0; // no value at all: a proto3 default scalar, 0
}

/** A repeated number field, packed (one LEN field) or not (one field per element). */
function readRepeated(
  r: WireReader,
  wireType: number,
  elementWireType: number,
  read: (from: WireReader) => number,
  out: number[],
): void {
  if (wireType === WireType.LEN) {
    const packed = r.sub();
    while (!packed.done()) out.push(read(packed));
  } else if (wireType === elementWireType) out.push(read(r));
  else r.skip(wireType);
}

function shapeSize(r: WireReader): number {
  let size = 1;
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 2 && wireType === WireType.LEN) {
      const dim = r.sub();
      let n = 0;
      while (!dim.done()) {
        const t = dim.tag();
        if (t.field === 1 && t.wireType === WireType.VARINT) n = dim.int64();
        else dim.skip(t.wireType);
      }
      size *= n;
    } else if (field === 3 && wireType === WireType.VARINT) {
      if (r.varint() !== 0) return -1; // unknown_rank
    } else r.skip(wireType);
  }
  return size;
}

function fromContent(dtype: number, b: Uint8Array): number | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (n: number): boolean => b.length >= n;
  switch (dtype) {
    case TfDataType.FLOAT:
      return need(4) ? v.getFloat32(0, true) : undefined;
    case TfDataType.DOUBLE:
      return need(8) ? v.getFloat64(0, true) : undefined;
    case TfDataType.INT32:
      return need(4) ? v.getInt32(0, true) : undefined;
    case TfDataType.INT64:
      return need(8) ? Number(v.getBigInt64(0, true)) : undefined;
    case TfDataType.HALF:
      return need(2) ? halfToNumber(v.getUint16(0, true)) : undefined;
    case TfDataType.BFLOAT16:
      return need(2) ? bfloat16ToNumber(v.getUint16(0, true)) : undefined;
    default:
      return undefined;
  }
}

/** IEEE 754 half precision bits → number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function bfloat16ToNumber(bits: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, (bits & 0xffff) << 16);
  return b.getFloat32(0);
}

/** What {@link encodeTfEvent} writes. */
export interface TfEventToWrite {
  readonly wallTime: number;
  readonly step?: number;
  /** The first record of a file: `brain.Event:2`. */
  readonly fileVersion?: string;
  /** Scalars; `as: 'tensor'` writes TF2's float tensor form, otherwise `simple_value`. */
  readonly scalars?: readonly (TfScalar & { readonly as?: 'simple' | 'tensor' })[];
}

/** Encodes an `Event` (for trial code in Node, and for tests). */
export function encodeTfEvent(e: TfEventToWrite): Uint8Array {
  const w = new WireWriter().tag(1, WireType.I64).double(e.wallTime);
  if (e.step !== undefined && e.step !== 0) w.tag(2, WireType.VARINT).varint(e.step);
  if (e.fileVersion !== undefined) w.tag(3, WireType.LEN).string(e.fileVersion);
  if (e.scalars && e.scalars.length > 0) {
    const summary = new WireWriter();
    for (const s of e.scalars) {
      const value = new WireWriter().tag(1, WireType.LEN).string(s.tag);
      if (s.as === 'tensor') {
        const content = new Uint8Array(4);
        new DataView(content.buffer).setFloat32(0, s.value, true);
        const tensor = new WireWriter()
          .tag(1, WireType.VARINT)
          .varint(TfDataType.FLOAT)
          .tag(2, WireType.LEN)
          .bytes(new Uint8Array(0))
          .tag(4, WireType.LEN)
          .bytes(content);
        value.tag(8, WireType.LEN).bytes(tensor.finish());
      } else {
        value.tag(2, WireType.I32).float(s.value);
      }
      summary.tag(1, WireType.LEN).bytes(value.finish());
    }
    w.tag(5, WireType.LEN).bytes(summary.finish());
  }
  return w.finish();
}
