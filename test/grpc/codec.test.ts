/**
 * The fast codec against protobufjs (through @grpc/proto-loader, the reference): bytes written by
 * either decode to the same object in the other, for generated messages of every shape Katib uses.
 */
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PROTO_DIR,
  PROTO_LOADER_OPTIONS,
  WireReader,
  WireWriter,
  decodeMessage,
  encodeMessage,
  katibFastServices,
  type MessageCodec,
} from '../../src/grpc/index.js';

const reference = protoLoader.loadSync(
  [path.join(PROTO_DIR, 'api.proto'), path.join(PROTO_DIR, 'health.proto')],
  PROTO_LOADER_OPTIONS,
);
const { codecs } = katibFastServices();

function pair(name: string): { ours: MessageCodec; ref: protoLoader.MessageTypeDefinition<object, object> } {
  const ours = codecs.get(name);
  const ref = reference[name] as protoLoader.MessageTypeDefinition<object, object> | undefined;
  if (!ours || !ref) throw new Error(`no message ${name}`);
  return { ours, ref };
}

/** Both directions: reference bytes → our decoder, our bytes → reference decoder. */
function agree(name: string, message: object): void {
  const { ours, ref } = pair(name);
  const refBytes = ref.serialize(message);
  const expected = ref.deserialize(refBytes);
  expect(decodeMessage(ours, refBytes)).toEqual(expected);
  expect(ref.deserialize(encodeMessage(ours, message))).toEqual(expected);
}

// Strings of every kind: ASCII, full Unicode (surrogate pairs), empty, long (both encoder paths).
const str = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    'katib.kubeflow.org/experiment',
    '2024-01-01T00:00:00Z',
    'x'.repeat(70),
    'é'.repeat(40),
  ),
);
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const enumOf = (...names: string[]) => fc.oneof(fc.constantFrom(...names), fc.integer({ min: -3, max: 12 }));
const labels = fc.dictionary(
  str.filter((k) => k !== '__proto__'),
  str,
  { maxKeys: 3 },
);
const setting = fc.record({ name: str, value: str });
const parameterSpec = fc.record({
  name: str,
  parameter_type: enumOf('UNKNOWN_TYPE', 'DOUBLE', 'INT', 'DISCRETE', 'CATEGORICAL'),
  feasible_space: fc.option(
    fc.record({
      min: str,
      max: str,
      step: str,
      list: fc.array(str, { maxLength: 4 }),
      distribution: enumOf('DISTRIBUTION_UNSPECIFIED', 'UNIFORM', 'LOG_UNIFORM', 'NORMAL', 'LOG_NORMAL'),
    }),
    { nil: null },
  ),
});
const objective = fc.record({
  type: enumOf('UNKNOWN', 'MINIMIZE', 'MAXIMIZE'),
  goal: fc.double(),
  objective_metric_name: str,
  additional_metric_names: fc.array(str, { maxLength: 3 }),
});
const experiment = fc.record({
  name: str,
  spec: fc.option(
    fc.record({
      parameter_specs: fc.option(fc.record({ parameters: fc.array(parameterSpec, { maxLength: 4 }) }), {
        nil: null,
      }),
      objective: fc.option(objective, { nil: null }),
      algorithm: fc.record({ algorithm_name: str, algorithm_settings: fc.array(setting, { maxLength: 3 }) }),
      early_stopping: fc.option(
        fc.record({ algorithm_name: str, algorithm_settings: fc.array(setting, { maxLength: 2 }) }),
        { nil: null },
      ),
      parallel_trial_count: int32,
      max_trial_count: int32,
      nas_config: fc.option(
        fc.record({
          graph_config: fc.record({
            num_layers: int32,
            input_sizes: fc.array(int32, { maxLength: 4 }),
            output_sizes: fc.array(int32, { maxLength: 4 }),
          }),
          operations: fc.record({
            operation: fc.array(
              fc.record({
                operation_type: str,
                parameter_specs: fc.record({ parameters: fc.array(parameterSpec, { maxLength: 2 }) }),
              }),
              { maxLength: 2 },
            ),
          }),
        }),
        { nil: null },
      ),
    }),
    { nil: null },
  ),
});
const trial = fc.record({
  name: str,
  spec: fc.record({
    objective: fc.option(objective, { nil: null }),
    parameter_assignments: fc.record({ assignments: fc.array(setting, { maxLength: 4 }) }),
    labels,
  }),
  status: fc.record({
    start_time: str,
    completion_time: str,
    condition: enumOf(
      'CREATED',
      'RUNNING',
      'SUCCEEDED',
      'KILLED',
      'FAILED',
      'METRICSUNAVAILABLE',
      'EARLYSTOPPED',
      'UNKNOWN',
    ),
    observation: fc.record({ metrics: fc.array(setting, { maxLength: 3 }) }),
  }),
});

describe('fast codec', () => {
  it('compiles every message of api.proto and health.proto', () => {
    for (const [name, entry] of Object.entries(reference)) {
      if ((entry as { format?: string }).format === 'Protocol Buffer 3 DescriptorProto') {
        expect(codecs.has(name), name).toBe(true);
      }
    }
  });

  it('agrees with protobufjs on GetSuggestionsRequest', () => {
    fc.assert(
      fc.property(
        fc.record({
          experiment: fc.option(experiment, { nil: null }),
          trials: fc.array(trial, { maxLength: 4 }),
          current_request_number: int32,
          total_request_number: int32,
        }),
        (m) => agree('api.v1.beta1.GetSuggestionsRequest', m),
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with protobufjs on GetSuggestionsReply and the other messages', () => {
    fc.assert(
      fc.property(
        fc.record({
          parameter_assignments: fc.array(
            fc.record({ assignments: fc.array(setting, { maxLength: 3 }), trial_name: str, labels }),
            { maxLength: 3 },
          ),
          algorithm: fc.option(
            fc.record({ algorithm_name: str, algorithm_settings: fc.array(setting, { maxLength: 3 }) }),
            { nil: null },
          ),
          early_stopping_rules: fc.array(
            fc.record({
              name: str,
              value: str,
              comparison: enumOf('UNKNOWN_COMPARISON', 'EQUAL', 'LESS', 'GREATER'),
              start_step: int32,
            }),
            { maxLength: 2 },
          ),
        }),
        (m) => agree('api.v1.beta1.GetSuggestionsReply', m),
      ),
      { numRuns: 200 },
    );
    agree('api.v1.beta1.ValidateAlgorithmSettingsRequest', { experiment: null });
    agree('api.v1.beta1.ValidateAlgorithmSettingsReply', {});
    agree('grpc.health.v1.HealthCheckResponse', { status: 'SERVING' });
    agree('api.v1.beta1.ReportObservationLogRequest', {
      trial_name: 't',
      observation_log: {
        metric_logs: [{ time_stamp: '2024-01-01T00:00:00Z', metric: { name: 'loss', value: '0.1' } }],
      },
    });
  });

  it('fills defaults like proto-loader, and keeps unknown enum numbers as numbers', () => {
    const { ours } = pair('api.v1.beta1.Trial');
    expect(decodeMessage(ours, Buffer.alloc(0))).toEqual({ name: '', spec: null, status: null });
    const status = pair('api.v1.beta1.TrialStatus').ours;
    expect(decodeMessage(status, encodeMessage(status, { condition: 42 }))).toMatchObject({ condition: 42 });
  });

  it('keeps a map key named __proto__ as a plain key', () => {
    const { ours } = pair('api.v1.beta1.TrialSpec');
    const labels: Record<string, string> = {};
    Object.defineProperty(labels, '__proto__', { value: 'v', enumerable: true });
    const back = decodeMessage(ours, encodeMessage(ours, { labels })) as { labels: Record<string, string> };
    expect(Object.keys(back.labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(back.labels)).toBe(Object.prototype);
  });

  it('encodes a lone surrogate as U+FFFD, as Buffer does', () => {
    const { ours } = pair('api.v1.beta1.Metric');
    const back = decodeMessage(
      ours,
      encodeMessage(ours, { name: 'a\ud800b', value: 'x'.repeat(80) + '\udc00' }),
    );
    expect(back).toEqual({ name: 'a\ufffdb', value: 'x'.repeat(80) + '\ufffd' });
  });

  it('skips unknown fields', () => {
    const { ours } = pair('api.v1.beta1.Metric');
    // field 9 varint 1, field 10 length-delimited "zz", field 11 fixed64, then name "n".
    const bytes = Buffer.from([
      0x48, 0x01, 0x52, 0x02, 0x7a, 0x7a, 0x59, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x01, 0x6e,
    ]);
    expect(decodeMessage(ours, bytes)).toEqual({ name: 'n', value: '' });
  });

  it('rejects malformed bytes with an Error, never hangs or returns garbage silently', () => {
    const { ours } = pair('api.v1.beta1.GetSuggestionsRequest');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const out = decodeMessage(ours, bytes);
          expect(typeof out).toBe('object');
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
    // A length running past the end.
    expect(() => decodeMessage(ours, Buffer.from([0x12, 0x05, 0x0a]))).toThrow(/truncated or malformed/);
  });

  it('refuses values of the wrong shape when encoding', () => {
    const { ours } = pair('api.v1.beta1.GetSuggestionsRequest');
    expect(() => encodeMessage(ours, { trials: {} })).toThrow(/trials must be a list/);
    expect(() => encodeMessage(ours, { experiment: [] })).toThrow(/experiment must be a message/);
    const spec = pair('api.v1.beta1.ParameterSpec').ours;
    expect(() => encodeMessage(spec, { parameter_type: 'COLOUR' })).toThrow(/COLOUR is not a value of enum/);
  });

  it('reads strings of big messages the same wherever they fall (text chunks of 64 KiB)', () => {
    // Strings of every length and kind placed so that some straddle each 64 KiB boundary.
    const pieces = ['a', 'lr', 'x'.repeat(12), 'y'.repeat(13), 'z'.repeat(31), 'é', 'ä'.repeat(20), '😀x'];
    const metrics = Array.from({ length: 12000 }, (_, i) => ({
      name: pieces[i % pieces.length]!,
      value: `${i}:${pieces[(i * 7) % pieces.length]!}`,
    }));
    agree('api.v1.beta1.Observation', { metrics });
    const { ours } = pair('api.v1.beta1.Observation');
    const bytes = encodeMessage(ours, { metrics });
    expect(bytes.length).toBeGreaterThan(2 * 65536);
    expect((decodeMessage(ours, bytes) as { metrics: unknown[] }).metrics).toEqual(metrics);
  });
});

describe('WireReader.stringLike', () => {
  const bytesOf = (...strings: string[]): Buffer => {
    const w = new WireWriter(16);
    for (const s of strings) w.string(s);
    return w.buf.subarray(0, w.pos);
  };

  it('returns the expected string itself when the bytes spell it, else what the bytes say', () => {
    const expected = 'katib.kubeflow.org/experiment';
    const bytes = bytesOf(expected, 'katib.kubeflow.org/experimenT', '', 'short');
    const r = new WireReader(bytes);
    expect(r.stringLike(bytes.length, expected)).toBe(expected);
    expect(r.stringLike(bytes.length, expected)).toBe('katib.kubeflow.org/experimenT');
    expect(r.stringLike(bytes.length, expected)).toBe('');
    expect(r.stringLike(bytes.length, '')).toBe('short');
    expect(r.pos).toBe(bytes.length);
  });

  it('never matches a non-ASCII expectation byte for byte (Latin-1 bytes are not UTF-8)', () => {
    const bytes = Buffer.from([0x01, 0xe9]); // one byte 0xE9: invalid UTF-8
    const r = new WireReader(bytes);
    expect(r.stringLike(bytes.length, 'é')).toBe('\ufffd');
  });

  it('checks the limit like string()', () => {
    const bytes = bytesOf('abc');
    expect(() => new WireReader(bytes).stringLike(2, 'abc')).toThrow(/truncated or malformed/);
  });
});
