/**
 * A fast protobuf codec for Katib's messages, compiled from the same descriptors
 * @grpc/proto-loader reads from proto/*.proto (so the .proto files stay the one source of truth).
 *
 * Why: proto-loader serializes through protobufjs's `fromObject` → `encode` and back through
 * `decode` → `toObject`, which costs several milliseconds each way for a GetSuggestionsRequest
 * carrying a thousand trials. This codec goes straight between the plain objects proto-loader
 * would produce (snake_case names, enums by name, int32/double as numbers, every field present
 * with its default, unset messages as `null`, maps as objects) and bytes, in one pass each way.
 * The bytes are standard proto3 (tests check them against protobufjs both ways).
 *
 * ```ts
 * const { Suggestion } = katibFastServices();
 * server.addService(Suggestion.definition, handlers);          // instead of Suggestion.service
 * const client = new Suggestion.Client('127.0.0.1:6789', grpc.credentials.createInsecure());
 * ```
 *
 * Supported field types: string, int32, uint32, sint32 (no), bool, double, float, enum, message,
 * repeated (packed and unpacked numbers accepted) and `map<string, scalar>`; anything else (bytes,
 * 64-bit integers, groups) makes compilation fail loudly rather than miscode silently.
 */
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { grpcJs, protoLoaderJs } from './grpc-js.js';
import type * as protoLoader from '@grpc/proto-loader';
import { PROTO_DIR, PROTO_LOADER_OPTIONS } from './proto.js';

type Rec = Record<string, unknown>;

type ScalarKind = 'string' | 'int32' | 'uint32' | 'bool' | 'double' | 'float' | 'enum';

/** One compiled field. */
interface FieldCodec {
  readonly name: string;
  readonly number: number;
  readonly kind: ScalarKind | 'message' | 'map';
  readonly repeated: boolean;
  /** The message type (kind 'message'), resolved after every type is known. */
  message?: MessageCodec;
  /** Key and value of a map entry (kind 'map'). */
  mapValue?: FieldCodec;
  /** Enum value names by number, and numbers by name (kind 'enum'). */
  readonly enumNames?: readonly string[];
  readonly enumNumbers?: ReadonlyMap<string, number>;
  readonly typeName: string;
}

/** One compiled message type. */
export interface MessageCodec {
  readonly fullName: string;
  readonly fields: readonly FieldCodec[];
  readonly byNumber: ReadonlyMap<number, FieldCodec>;
  readonly mapEntry: boolean;
}

interface DescriptorField {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}
interface DescriptorMessage {
  name: string;
  field: DescriptorField[];
  nestedType: DescriptorMessage[];
  enumType: { name: string; value: { name: string; number: number }[] }[];
  options?: { mapEntry?: boolean } | null;
}

const SCALAR: Readonly<Record<string, ScalarKind>> = {
  TYPE_STRING: 'string',
  TYPE_INT32: 'int32',
  TYPE_UINT32: 'uint32',
  TYPE_BOOL: 'bool',
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'float',
  TYPE_ENUM: 'enum',
};

/** Compiled codecs for every message of a proto-loader package definition, by full name. */
export function compileCodecs(def: protoLoader.PackageDefinition): ReadonlyMap<string, MessageCodec> {
  const messages = new Map<string, { d: DescriptorMessage; codec: MessageCodec }>();
  const enums = new Map<string, string[]>();
  const pending: { field: FieldCodec; scope: string }[] = [];

  const enumNames = (values: { name: string; number: number }[]): string[] => {
    const names: string[] = [];
    for (const v of values) if (names[v.number] === undefined) names[v.number] = v.name;
    return names;
  };
  const registerMessage = (fullName: string, d: DescriptorMessage): void => {
    const fields: FieldCodec[] = d.field.map((f) => {
      const repeated = f.label === 'LABEL_REPEATED';
      if (f.type === 'TYPE_MESSAGE') {
        const field: FieldCodec = {
          name: f.name,
          number: f.number,
          kind: 'message',
          repeated,
          typeName: f.typeName,
        };
        pending.push({ field, scope: fullName });
        return field;
      }
      const kind = SCALAR[f.type];
      if (!kind) throw new Error(`codec: ${fullName}.${f.name} has unsupported type ${f.type}`);
      const field: FieldCodec = { name: f.name, number: f.number, kind, repeated, typeName: f.typeName };
      if (kind === 'enum') pending.push({ field, scope: fullName });
      return field;
    });
    const codec: MessageCodec = {
      fullName,
      fields,
      byNumber: new Map(fields.map((f) => [f.number, f])),
      mapEntry: d.options?.mapEntry === true,
    };
    messages.set(fullName, { d, codec });
    for (const n of d.nestedType) registerMessage(`${fullName}.${n.name}`, n);
    for (const e of d.enumType) enums.set(`${fullName}.${e.name}`, enumNames(e.value));
  };
  for (const [name, entry] of Object.entries(def)) {
    const e = entry as { format?: string; type?: unknown };
    if (e.format === 'Protocol Buffer 3 DescriptorProto') registerMessage(name, e.type as DescriptorMessage);
    else if (e.format === 'Protocol Buffer 3 EnumDescriptorProto') {
      enums.set(name, enumNames((e.type as { value: { name: string; number: number }[] }).value));
    }
  }

  /** Resolves a (possibly relative) type name the way protoc does: innermost scope first. */
  const resolve = <T>(table: Map<string, T>, typeName: string, scope: string): [string, T] | undefined => {
    if (typeName.startsWith('.')) {
      const hit = table.get(typeName.slice(1));
      return hit === undefined ? undefined : [typeName.slice(1), hit];
    }
    let s = scope;
    for (;;) {
      const candidate = s === '' ? typeName : `${s}.${typeName}`;
      const hit = table.get(candidate);
      if (hit !== undefined) return [candidate, hit];
      if (s === '') return undefined;
      const i = s.lastIndexOf('.');
      s = i < 0 ? '' : s.slice(0, i);
    }
  };
  for (const { field, scope } of pending) {
    if (field.kind === 'enum') {
      const hit = resolve(enums, field.typeName, scope);
      if (!hit) throw new Error(`codec: enum ${field.typeName} of ${scope}.${field.name} not found`);
      const names = hit[1];
      const mutable = field as { -readonly [K in keyof FieldCodec]: FieldCodec[K] };
      mutable.enumNames = names;
      mutable.enumNumbers = new Map(
        names.map((n, i) => [n, i]).filter(([n]) => n !== undefined) as [string, number][],
      );
      continue;
    }
    const hit = resolve(messages, field.typeName, scope);
    if (!hit) throw new Error(`codec: message ${field.typeName} of ${scope}.${field.name} not found`);
    const target = hit[1].codec;
    if (target.mapEntry) {
      const key = target.byNumber.get(1);
      const value = target.byNumber.get(2);
      if (key?.kind !== 'string' || !value || value.kind === 'message' || value.kind === 'map') {
        throw new Error(`codec: ${scope}.${field.name}: only map<string, scalar> is supported`);
      }
      const mutable = field as { -readonly [K in keyof FieldCodec]: FieldCodec[K] };
      mutable.kind = 'map';
      mutable.mapValue = value;
    } else {
      field.message = target;
    }
  }
  return new Map([...messages].map(([k, v]) => [k, v.codec]));
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/**
 * ASCII strings are cut from the buffer's text, decoded once per chunk of 2^TEXT_CHUNK_BITS bytes
 * (one runtime call per chunk instead of one per string; a string kept alive keeps at most its
 * chunk's text alive).
 */
const TEXT_CHUNK_BITS = 16;

/**
 * Short ASCII strings are interned in a small direct-mapped cache keyed by a hash of their bytes.
 * Only strings V8 copies when cutting a substring (under 13 characters) are kept, so the cache
 * never holds on to a chunk's text.
 */
const INTERN_MAX_BYTES = 12;
const INTERN_SLOTS = 4096;
const internStrings: string[] = new Array<string>(INTERN_SLOTS).fill('');

/**
 * Reads protobuf wire data: varints, length-delimited fields, strings, doubles. Every read checks
 * its bounds and throws "invalid protobuf message: truncated or malformed" past them.
 */
export class WireReader {
  /** Offset of the next byte to read. */
  pos = 0;
  /** The same bytes as a Buffer, for its string decoders. */
  private readonly node: Buffer;
  /** Latin-1 text of each chunk, decoded on first use. */
  private readonly texts: (string | undefined)[] = [];

  /** A reader of `buf` from offset 0. */
  constructor(readonly buf: Uint8Array) {
    this.node = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Throws the "truncated or malformed" error. */
  fail(): never {
    throw new Error('invalid protobuf message: truncated or malformed');
  }

  /** A varint's low 32 bits as an unsigned number (reads and drops the high bytes of a 64-bit varint). */
  varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++] ?? this.fail();
    if (b < 0x80) return b;
    let v = b & 0x7f;
    b = buf[this.pos++] ?? this.fail();
    v |= (b & 0x7f) << 7;
    if (b < 0x80) return v;
    b = buf[this.pos++] ?? this.fail();
    v |= (b & 0x7f) << 14;
    if (b < 0x80) return v;
    b = buf[this.pos++] ?? this.fail();
    v |= (b & 0x7f) << 21;
    if (b < 0x80) return v;
    b = buf[this.pos++] ?? this.fail();
    v = (v | ((b & 0x0f) << 28)) >>> 0;
    for (let i = 0; b >= 0x80; i++) {
      if (i >= 5) this.fail();
      b = buf[this.pos++] ?? this.fail();
    }
    return v;
  }

  /** The end offset of a length-delimited field starting here. */
  delimited(limit: number): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > limit) this.fail();
    return end;
  }

  /**
   * Like {@link string}, but returns `expected` itself when the bytes spell it and it is ASCII
   * (e.g. the same field of the previous trial): repeated values come back as one string, cheap
   * to compare and to use as a key.
   */
  stringLike(limit: number, expected: string): string {
    const n = expected.length;
    if (n > 0) {
      const buf = this.buf;
      const p = this.pos;
      // A one-byte length: strings under 128 bytes.
      if (n < 0x80 && buf[p] === n && p + 1 + n <= limit) {
        let j = 0;
        for (; j < n; j++) {
          const c = expected.charCodeAt(j);
          if (c >= 0x80 || c !== buf[p + 1 + j]) break;
        }
        if (j === n) {
          this.pos = p + 1 + n;
          return expected;
        }
      }
    }
    return this.string(limit);
  }

  /** A length-delimited UTF-8 string ending at or before `limit`. */
  string(limit: number): string {
    const end = this.delimited(limit);
    const buf = this.buf;
    const start = this.pos;
    const len = end - start;
    this.pos = end;
    if (len === 0) return '';
    let slot = -1;
    if (len <= INTERN_MAX_BYTES) {
      // Short strings (parameter and metric names, categorical values) repeat from trial to
      // trial: hand out the same string each time, so later comparisons and map lookups are
      // cheap. The slot comes from the length and three bytes; a hit is confirmed byte by byte
      // against the cached string (cached entries are ASCII, so a hit is ASCII too).
      slot =
        (Math.imul(
          Math.imul(Math.imul(len, 31) + (buf[start] as number), 31) + (buf[start + (len >> 1)] as number),
          31,
        ) +
          (buf[end - 1] as number)) &
        (INTERN_SLOTS - 1);
      const cached = internStrings[slot] as string;
      if (cached.length === len) {
        let j = 0;
        while (j < len && cached.charCodeAt(j) === buf[start + j]) j++;
        if (j === len) return cached;
      }
    }
    let i = start;
    while (i < end && (buf[i] as number) < 0x80) i++;
    if (i !== end) return this.node.toString('utf8', start, end);
    // ASCII: a substring of the chunk's text, made by V8 without a call into the runtime (short
    // ones are copies, longer ones share the chunk's characters).
    const chunk = start >>> TEXT_CHUNK_BITS;
    let str: string;
    if ((end - 1) >>> TEXT_CHUNK_BITS !== chunk) str = this.node.toString('latin1', start, end);
    else {
      const base = chunk << TEXT_CHUNK_BITS;
      const text = (this.texts[chunk] ??= this.node.toString(
        'latin1',
        base,
        Math.min(buf.length, base + (1 << TEXT_CHUNK_BITS)),
      ));
      str = text.substring(start - base, end - base);
    }
    if (slot >= 0) internStrings[slot] = str;
    return str;
  }

  /** A little-endian 64-bit float. */
  double(): number {
    if (this.pos + 8 > this.buf.length) this.fail();
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A little-endian 32-bit float. */
  float(): number {
    if (this.pos + 4 > this.buf.length) this.fail();
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  /** Skips one field's value of `wireType` (0, 1, 2 or 5; others are malformed). */
  skip(wireType: number, limit: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        break;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimited(limit);
        break;
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail();
    }
    if (this.pos > limit) this.fail();
  }
}

const WIRE: Readonly<Record<ScalarKind, number>> = {
  string: 2,
  int32: 0,
  uint32: 0,
  bool: 0,
  enum: 0,
  double: 1,
  float: 5,
};

function defaultOf(f: FieldCodec): unknown {
  if (f.repeated) return f.kind === 'map' ? {} : [];
  switch (f.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'enum':
      return f.enumNames?.[0] ?? 0;
    case 'message':
      return null;
    case 'map':
      return {};
    default:
      return 0;
  }
}

function readScalar(f: FieldCodec, r: WireReader, limit: number): unknown {
  switch (f.kind) {
    case 'string':
      return r.string(limit);
    case 'int32':
      return r.varint() | 0;
    case 'uint32':
      return r.varint();
    case 'bool':
      return r.varint() !== 0;
    case 'enum': {
      const n = r.varint() | 0;
      return f.enumNames?.[n] ?? n;
    }
    case 'double':
      return r.double();
    case 'float':
      return r.float();
    default:
      return r.fail();
  }
}

function setKey(obj: Rec, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Reads one map entry into `target` (the map field's object). */
function readMapEntry(f: FieldCodec, target: Rec, r: WireReader, end: number): void {
  const e = r.delimited(end);
  const vf = f.mapValue as FieldCodec;
  let key = '';
  let value: unknown = defaultOf(vf);
  while (r.pos < e) {
    const t = r.varint();
    const n = t >>> 3;
    if (n === 1 && (t & 7) === 2) key = r.string(e);
    else if (n === 2 && (t & 7) === WIRE[vf.kind as ScalarKind]) value = readScalar(vf, r, e);
    else r.skip(t & 7, e);
  }
  if (r.pos !== e) r.fail();
  setKey(target, key, value);
}

/** Reads packed numbers into `list`. */
function readPacked(f: FieldCodec, list: unknown[], r: WireReader, end: number): void {
  const e = r.delimited(end);
  while (r.pos < e) list.push(readScalar(f, r, e));
  if (r.pos !== e) r.fail();
}

type DecodeFn = (r: WireReader, end: number) => Rec;
type EncodeFn = (o: Rec, w: WireWriter) => void;

/** The generated coder of one message type (filled in after generation, so types may recurse). */
interface Compiled {
  decode: DecodeFn;
  encode: EncodeFn;
}

const compiledCoders = new WeakMap<MessageCodec, Compiled>();

/** Proto identifiers only: what may be spliced into generated code (and it is quoted anyway). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function literalDefault(f: FieldCodec): string {
  if (f.kind === 'map') return '{}';
  if (f.repeated) return '[]';
  return JSON.stringify(defaultOf(f));
}

/**
 * Generates the decoder and encoder of a message type: straight-line code with the field names
 * as constants, so V8 sees one object shape per message type and plain property stores (what
 * protobufjs does too; an interpreted loop with computed keys is several times slower).
 */
function coderOf(m: MessageCodec): Compiled {
  const known = compiledCoders.get(m);
  if (known) return known;
  const self: Compiled = {
    decode: () => {
      throw new Error('codec: not compiled yet');
    },
    encode: () => {
      throw new Error('codec: not compiled yet');
    },
  };
  compiledCoders.set(m, self);
  const fields = m.fields;
  for (const f of fields) {
    if (!IDENTIFIER.test(f.name) || !Number.isSafeInteger(f.number) || f.number <= 0) {
      throw new Error(`codec: ${m.fullName} has a field that cannot be compiled: ${f.name}`);
    }
  }
  const sub: (Compiled | undefined)[] = fields.map((f) => (f.message ? coderOf(f.message) : undefined));
  const enums = fields.map((f) => f.enumNames ?? []);
  const key = (f: FieldCodec): string => `o[${JSON.stringify(f.name)}]`;
  const tag = (f: FieldCodec, wt: number): number => ((f.number << 3) | wt) >>> 0;

  const dec: string[] = [
    `const o = {${fields.map((f) => `${JSON.stringify(f.name)}: ${literalDefault(f)}`).join(', ')}};`,
    'while (r.pos < end) {',
    'const t = r.varint();',
    'switch (t) {',
  ];
  const enc: string[] = ['let v;'];
  fields.forEach((f, i) => {
    const k = key(f);
    const store = (value: string): string => (f.repeated ? `${k}.push(${value});` : `${k} = ${value};`);
    enc.push(`v = ${k};`, 'if (v !== undefined && v !== null) {');
    switch (f.kind) {
      case 'message':
        dec.push(
          `case ${tag(f, 2)}: { const e = r.delimited(end); const x = S[${i}].decode(r, e); if (r.pos !== e) r.fail(); ${store('x')} break; }`,
        );
        if (f.repeated) {
          enc.push(
            `if (!Array.isArray(v)) H.wrong(F[${i}], 'a list');`,
            'for (let j = 0; j < v.length; j++) {',
            `const x = v[j]; if (typeof x !== 'object' || x === null) H.wrong(F[${i}], 'a list of messages');`,
            `w.varint(${tag(f, 2)}); const b = w.begin(); S[${i}].encode(x, w); w.end(b);`,
            '}',
          );
        } else {
          enc.push(
            `if (typeof v !== 'object' || Array.isArray(v)) H.wrong(F[${i}], 'a message');`,
            `w.varint(${tag(f, 2)}); const b = w.begin(); S[${i}].encode(v, w); w.end(b);`,
          );
        }
        break;
      case 'map':
        dec.push(`case ${tag(f, 2)}: H.readMapEntry(F[${i}], ${k}, r, end); break;`);
        enc.push(
          `if (typeof v !== 'object' || Array.isArray(v)) H.wrong(F[${i}], 'a map object');`,
          `H.writeMap(F[${i}], v, w);`,
        );
        break;
      case 'string':
        dec.push(`case ${tag(f, 2)}: ${store('r.string(end)')} break;`);
        if (f.repeated) {
          enc.push(
            `if (!Array.isArray(v)) H.wrong(F[${i}], 'a list');`,
            'for (let j = 0; j < v.length; j++) {',
            `const x = v[j]; w.varint(${tag(f, 2)}); w.string(typeof x === 'string' ? x : String(x));`,
            '}',
          );
        } else {
          enc.push(
            `const s = typeof v === 'string' ? v : String(v);`,
            `if (s !== '') { w.varint(${tag(f, 2)}); w.string(s); }`,
          );
        }
        break;
      default: {
        const wt = WIRE[f.kind];
        const read =
          f.kind === 'int32'
            ? 'r.varint() | 0'
            : f.kind === 'uint32'
              ? 'r.varint()'
              : f.kind === 'bool'
                ? 'r.varint() !== 0'
                : f.kind === 'double'
                  ? 'r.double()'
                  : f.kind === 'float'
                    ? 'r.float()'
                    : 'H.enumName(E[' + String(i) + '], r.varint() | 0)';
        dec.push(`case ${tag(f, wt)}: ${store(read)} break;`);
        if (f.repeated) {
          // Packed (proto3's default for repeated numbers) and unpacked are both accepted.
          dec.push(`case ${tag(f, 2)}: H.readPacked(F[${i}], ${k}, r, end); break;`);
          enc.push(
            `if (!Array.isArray(v)) H.wrong(F[${i}], 'a list');`,
            `if (v.length > 0) { w.varint(${tag(f, 2)}); const b = w.begin(); for (let j = 0; j < v.length; j++) H.writeScalar(F[${i}], v[j], w, false); w.end(b); }`,
          );
        } else {
          enc.push(`H.writeScalar(F[${i}], v, w, true);`);
        }
      }
    }
    enc.push('}');
  });
  dec.push('default: r.skip(t & 7, end);', '}', '}', 'if (r.pos !== end) r.fail();', 'return o;');

  const helpers = { readMapEntry, readPacked, writeMap, writeScalar, wrong: wrongShape, enumName };
  // The generated source holds only quoted proto field names (checked above) and integers.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(
    'S',
    'E',
    'F',
    'H',
    `return {\n decode: function decode(r, end) {\n${dec.join('\n')}\n},\n encode: function encode(o, w) {\n${enc.join('\n')}\n} };`,
  ) as (s: unknown, e: unknown, f: unknown, h: unknown) => Compiled;
  const made = factory(sub, enums, fields, helpers);
  self.decode = made.decode;
  self.encode = made.encode;
  return self;
}

/** An enum value's name; the number itself when this proto does not know it (a newer peer). */
function enumName(names: readonly string[], n: number): string | number {
  return names[n] ?? n;
}

function wrongShape(f: FieldCodec, what: string): never {
  throw new Error(`codec: field ${f.name} must be ${what}`);
}

/**
 * Decodes a message into the plain object proto-loader (with katib-ts's options) would produce.
 * @throws Error when the bytes are truncated or malformed.
 */
export function decodeMessage(m: MessageCodec, bytes: Uint8Array): Rec {
  return coderOf(m).decode(new WireReader(bytes), bytes.length);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/**
 * Writes protobuf wire data into a growing buffer. Nested messages: `const b = w.begin()`, write
 * the fields, `w.end(b)` (the length is filled in, shifting the body when it needs more than one
 * byte). The bytes written are `buf.subarray(0, pos)`.
 */
export class WireWriter {
  /** The buffer (replaced by a bigger one as it fills). */
  buf: Buffer;
  /** Bytes written so far. */
  pos = 0;

  /** A writer with `size` bytes of initial room. */
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned 32-bit varint. */
  varint(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let x = v >>> 0;
    while (x >= 0x80) {
      buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[this.pos++] = x;
  }

  /** A signed 32-bit integer: negative values take ten bytes (sign-extended to 64 bits), as protobuf requires. */
  int32(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    this.ensure(10);
    const buf = this.buf;
    let lo = v >>> 0;
    for (let i = 0; i < 4; i++) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // Bits 28–31 of the low word and 1s above (two's complement of a negative 64-bit value).
    buf[this.pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) buf[this.pos++] = 0xff;
    buf[this.pos++] = 0x01;
  }

  /** A field tag. */
  tag(field: number, wireType: number): void {
    this.varint(((field << 3) | wireType) >>> 0);
  }

  /** Reserves one byte for a length; returns where. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length of what follows `start + 1`, moving it when the length needs more than one byte. */
  end(start: number): void {
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    const k = varintSize(len);
    this.ensure(k - 1);
    this.buf.copyWithin(start + k, start + 1, this.pos);
    this.pos += k - 1;
    let x = len;
    let p = start;
    while (x >= 0x80) {
      this.buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[p] = x;
  }

  /** Raw bytes, as they are (an already encoded message body). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A length-delimited UTF-8 string (lone surrogates as U+FFFD). */
  string(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      // Short ASCII, the usual case: the length is the character count, one byte up front.
      this.ensure(1 + n);
      const buf = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    this.ensure(5 + n * 3);
    const start = this.begin();
    const buf = this.buf;
    if (s.length < 64) {
      let p = this.pos;
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) buf[p++] = c;
        else if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
        } else {
          if (c >= 0xd800 && c < 0xe000) {
            const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
            if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
              c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
              i++;
              buf[p++] = 0xf0 | (c >> 18);
              buf[p++] = 0x80 | ((c >> 12) & 0x3f);
              buf[p++] = 0x80 | ((c >> 6) & 0x3f);
              buf[p++] = 0x80 | (c & 0x3f);
              continue;
            }
            c = 0xfffd; // a lone surrogate, as Buffer.write encodes it
          }
          buf[p++] = 0xe0 | (c >> 12);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        }
      }
      this.pos = p;
    } else {
      this.pos += buf.write(s, this.pos, 'utf8');
    }
    this.end(start);
  }

  /** A little-endian 64-bit float. */
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A little-endian 32-bit float. */
  float(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }
}

function enumNumber(f: FieldCodec, v: unknown): number {
  if (typeof v === 'number') return v | 0;
  const n = f.enumNumbers?.get(String(v));
  if (n === undefined)
    throw new Error(`codec: ${String(v)} is not a value of enum ${f.typeName} (field ${f.name})`);
  return n;
}

/**
 * Writes a scalar; with `withTag`, preceded by its tag and left out when it is the proto3 default
 * of a singular field.
 */
function writeScalar(f: FieldCodec, v: unknown, w: WireWriter, withTag: boolean): void {
  switch (f.kind) {
    case 'string': {
      const s = typeof v === 'string' ? v : String(v);
      if (withTag) {
        if (s === '' && !f.repeated) return;
        w.tag(f.number, 2);
      }
      w.string(s);
      return;
    }
    case 'int32':
    case 'uint32':
    case 'enum':
    case 'bool': {
      const n =
        f.kind === 'enum'
          ? enumNumber(f, v)
          : f.kind === 'bool'
            ? v
              ? 1
              : 0
            : f.kind === 'int32'
              ? Number(v) | 0
              : Number(v) >>> 0;
      if (withTag) {
        if (n === 0 && !f.repeated) return;
        w.tag(f.number, 0);
      }
      if (f.kind === 'uint32') w.varint(n);
      else w.int32(n);
      return;
    }
    case 'double':
    case 'float': {
      const n = Number(v);
      if (withTag) {
        if (n === 0 && !Object.is(n, -0) && !f.repeated) return;
        w.tag(f.number, f.kind === 'double' ? 1 : 5);
      }
      if (f.kind === 'double') w.double(n);
      else w.float(n);
      return;
    }
    default:
      throw new Error(`codec: field ${f.name} is not a scalar`);
  }
}

/** Writes every entry of a `map<string, scalar>` field. */
function writeMap(f: FieldCodec, map: Rec, w: WireWriter): void {
  const vf = f.mapValue as FieldCodec;
  const tag = ((f.number << 3) | 2) >>> 0;
  for (const key of Object.keys(map)) {
    w.varint(tag);
    const start = w.begin();
    w.tag(1, 2);
    w.string(key);
    w.tag(2, WIRE[vf.kind as ScalarKind]);
    writeScalar(vf, map[key], w, false);
    w.end(start);
  }
}

/**
 * Encodes a plain object (proto field names; enums by name or number) as proto3 bytes. Default
 * scalars are left out; `null`/`undefined` fields are unset.
 * @throws Error for a value of the wrong shape (a list where a message belongs, an unknown enum name).
 */
export function encodeMessage(m: MessageCodec, obj: unknown): Buffer {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`codec: ${m.fullName} must be an object`);
  }
  const w = new WireWriter(1024);
  coderOf(m).encode(obj as Rec, w);
  return w.buf.subarray(0, w.pos);
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

/** A service with the fast codec: its definition for servers and a client constructor. */
export interface FastService {
  readonly definition: grpc.ServiceDefinition;
  readonly Client: grpc.ServiceClientConstructor;
}

/**
 * The service `serviceName` (full name, e.g. `api.v1.beta1.Suggestion`) of `def`, with every
 * method's messages coded by {@link encodeMessage} / {@link decodeMessage}.
 */
export function fastService(
  def: protoLoader.PackageDefinition,
  codecs: ReadonlyMap<string, MessageCodec>,
  serviceName: string,
): FastService {
  const service = def[serviceName] as protoLoader.ServiceDefinition | undefined;
  if (!service) throw new Error(`codec: no service ${serviceName}`);
  // Method types carry only their short name; Katib's request and reply types are top-level
  // messages of the service's package.
  const pkg = serviceName.slice(0, serviceName.lastIndexOf('.'));
  const codecOf = (t: { readonly type: unknown }, method: string): MessageCodec => {
    const name = (t.type as { name?: unknown }).name;
    const codec = typeof name === 'string' ? codecs.get(`${pkg}.${name}`) : undefined;
    if (!codec) throw new Error(`codec: a message type of ${serviceName}.${method} is not compiled`);
    return codec;
  };
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [method, m] of Object.entries(service)) {
    const req = codecOf(m.requestType, method);
    const res = codecOf(m.responseType, method);
    definition[method] = {
      path: m.path,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      originalName: m.originalName ?? method,
      requestSerialize: (v: unknown) => encodeMessage(req, v),
      requestDeserialize: (b: Buffer) => decodeMessage(req, b),
      responseSerialize: (v: unknown) => encodeMessage(res, v),
      responseDeserialize: (b: Buffer) => decodeMessage(res, b),
    };
  }
  const shortName = serviceName.slice(serviceName.lastIndexOf('.') + 1);
  return { definition, Client: grpcJs().makeGenericClientConstructor(definition, shortName) };
}

/** Katib's services with the fast codec. */
export interface KatibFastServices {
  readonly Suggestion: FastService;
  readonly EarlyStopping: FastService;
  readonly DBManager: FastService;
  /** Codecs of every message of api.proto and health.proto, by full name. */
  readonly codecs: ReadonlyMap<string, MessageCodec>;
}

let cachedFast: KatibFastServices | undefined;

/** Katib's services of proto/api.proto with the fast codec (loaded once). */
export function katibFastServices(): KatibFastServices {
  if (cachedFast) return cachedFast;
  const def = protoLoaderJs().loadSync(
    [path.join(PROTO_DIR, 'api.proto'), path.join(PROTO_DIR, 'health.proto')],
    PROTO_LOADER_OPTIONS,
  );
  const codecs = compileCodecs(def);
  cachedFast = {
    Suggestion: fastService(def, codecs, 'api.v1.beta1.Suggestion'),
    EarlyStopping: fastService(def, codecs, 'api.v1.beta1.EarlyStopping'),
    DBManager: fastService(def, codecs, 'api.v1.beta1.DBManager'),
    codecs,
  };
  return cachedFast;
}
