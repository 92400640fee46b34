/**
 * The direct GetSuggestions coders (src/suggestion/wire.ts) against the generic path they stand
 * in for: the same bytes out, the same request in, and every doubtful request left to the
 * generic path so its errors stay exactly what they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError, TRIAL_PHASES, type Experiment, type TrialView } from '../../src/api/index.js';
import {
  WireReader,
  WireWriter,
  decodeMessage,
  encodeMessage,
  katibFastServices,
} from '../../src/grpc/index.js';
import type { GetSuggestionsRequest } from '../../src/suggestion/index.js';
import {
  DEFAULT_SUGGESTION_LIMITS,
  isFiniteNumberText,
  katibTime,
  suggestionsRequestFromProto,
  suggestionsRequestToProto,
} from '../../src/suggestion/proto-convert.js';
import {
  ReceivedSuggestionsRequest,
  decodeSuggestionsRequest,
  encodeSuggestionsRequest,
  suggestionsRequestFromWire,
} from '../../src/suggestion/wire.js';
import { experimentOf, experimentSpec } from '../arbitraries/search-space.js';

const REQUEST = katibFastServices().codecs.get('api.v1.beta1.GetSuggestionsRequest')!;

const experiment: Experiment = experimentOf(
  experimentSpec(
    'random',
    [
      {
        name: 'lr',
        parameterType: 'double',
        feasibleSpace: { min: '0.001', max: '0.1', distribution: 'logUniform' },
      },
      { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '8' } },
      { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'ädam'] } },
    ],
    [{ name: 'random_state', value: '3' }],
    {
      objective: {
        type: 'maximize',
        goal: 0.9,
        objectiveMetricName: 'acc',
        additionalMetricNames: ['loss'],
        metricStrategies: [{ name: 'loss', value: 'min' }],
      },
      maxTrialCount: 40,
    },
  ),
  'wire',
);

/** The generic path: codec → plain object → suggestionsRequestFromProto. */
function generic(
  bytes: Uint8Array,
  limits = DEFAULT_SUGGESTION_LIMITS,
): { ok: true; value: GetSuggestionsRequest } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: suggestionsRequestFromProto(decodeMessage(REQUEST, bytes), limits) };
  } catch (error) {
    return { ok: false, error };
  }
}

const PHASES = TRIAL_PHASES;

/** Text that is sometimes a number, sometimes not, sometimes not ASCII. */
const arbText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: 1, max: 8 }).map(String),
  fc.constantFrom('sgd', 'adam', 'ädam', '', ' ', '1e400', '0x10', '.5', '-', 'NaN', 'unavailable', '7 '),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const arbName = fc.oneof(fc.constantFrom('lr', 'layers', 'opt', 'other', ''), fc.string({ maxLength: 14 }));

const arbTime = fc.option(
  fc.oneof(
    fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123Z', 'yesterday', ''),
    fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
  ),
  { nil: undefined },
);

/** Trials of every kind, valid or not. */
const arbLooseTrial: fc.Arbitrary<TrialView> = fc
  .record({
    name: fc.oneof(fc.constantFrom('t1', 't2', 't3', ''), fc.string({ maxLength: 30 })),
    parameterAssignments: fc.array(fc.record({ name: arbName, value: arbText }), { maxLength: 5 }),
    labels: fc.dictionary(
      fc.oneof(
        fc.constantFrom('__proto__', '1', '02', 'katib.kubeflow.org/experiment'),
        fc.string({ maxLength: 35 }),
      ),
      arbText,
      { maxKeys: 4 },
    ),
    phase: fc.constantFrom(...PHASES),
    metrics: fc.option(
      fc.array(
        fc.record({
          name: fc.constantFrom('acc', 'loss', '', 'x'),
          min: arbText,
          max: arbText,
          latest: arbText,
        }),
        {
          maxLength: 3,
        },
      ),
      { nil: undefined },
    ),
    startTime: arbTime,
    completionTime: arbTime,
  })
  .map(({ metrics, startTime, completionTime, ...rest }) => ({
    ...rest,
    ...(metrics ? { observation: { metrics } } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(completionTime !== undefined ? { completionTime } : {}),
  }));

/** Valid trials: every parameter numeric where it must be, unique names. */
const arbValidTrials: fc.Arbitrary<TrialView[]> = fc
  .array(
    fc.record({
      lr: fc.double({ min: 0.001, max: 0.1, noNaN: true }).map(String),
      layers: fc.oneof(
        fc.integer({ min: 1, max: 8 }).map(String),
        // Numbers in other notations (not plain decimals): the checks' slow path.
        fc.constantFrom('1e0', '0x3', '2.', '+3', ' 4', '5 ', '-0', '0b1'),
      ),
      opt: fc.constantFrom('sgd', 'adam', 'ädam'),
      extra: fc.option(fc.record({ name: fc.constantFrom('note', 'x'), value: arbText }), { nil: undefined }),
      labels: fc.dictionary(fc.string({ minLength: 0, maxLength: 30 }), fc.string({ maxLength: 30 }), {
        maxKeys: 3,
      }),
      phase: fc.constantFrom(...PHASES),
      acc: fc.option(arbText, { nil: undefined }),
      startTime: arbTime,
    }),
    { maxLength: 12 },
  )
  .map((rows) =>
    rows.map((r, i) => ({
      name: `${experiment.metadata.name}-${i}`,
      parameterAssignments: [
        ...(r.extra ? [r.extra] : []),
        { name: 'opt', value: r.opt },
        { name: 'lr', value: r.lr },
        { name: 'layers', value: r.layers },
      ],
      labels: r.labels,
      phase: r.phase,
      ...(r.acc !== undefined
        ? { observation: { metrics: [{ name: 'acc', min: r.acc, max: r.acc, latest: r.acc }] } }
        : {}),
      ...(r.startTime !== undefined ? { startTime: r.startTime } : {}),
    })),
  );

function request(
  trials: readonly TrialView[],
  current = 2,
  total = trials.length + 2,
): GetSuggestionsRequest {
  return { experiment, trials, currentRequestNumber: current, totalRequestNumber: total };
}

/** The fast path agrees with the generic path whenever it answers. */
/** What the server's deserializer makes of `bytes`. */
function received(bytes: Uint8Array): ReceivedSuggestionsRequest {
  const buf = Buffer.from(bytes);
  const fast = decodeSuggestionsRequest(buf);
  return new ReceivedSuggestionsRequest(buf, fast, fast ? undefined : decodeMessage(REQUEST, buf));
}

/** The SpecError `f` throws. */
function errorOf(f: () => unknown): SpecError {
  try {
    f();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

/** No limits at all: the fast path reads requests limits aside (the server applies them after). */
const NO_LIMITS = { maxRequestNumber: Infinity, maxTrials: Infinity, maxParameters: Infinity };

/**
 * When the fast path reads `bytes`, the generic path (limits aside) reads the same request; and
 * what the server answers — through the default limits — is the generic path's answer, request or
 * error.
 */
function agrees(bytes: Uint8Array): boolean {
  const fast = decodeSuggestionsRequest(bytes);
  if (fast === undefined) return false;
  const unlimited = generic(bytes, NO_LIMITS);
  expect(unlimited.ok).toBe(true);
  if (unlimited.ok) expect(fast).toStrictEqual(unlimited.value);
  const slow = generic(bytes);
  if (slow.ok) expect(suggestionsRequestFromWire(received(bytes))).toStrictEqual(slow.value);
  else
    expect(errorOf(() => suggestionsRequestFromWire(received(bytes))).errors).toEqual(
      (slow.error as SpecError).errors,
    );
  return true;
}

describe('encodeSuggestionsRequest', () => {
  it('writes the bytes the generic codec writes', () => {
    fc.assert(
      fc.property(
        fc.array(arbLooseTrial, { maxLength: 6 }),
        fc.integer({ min: -3, max: 5 }),
        fc.integer({ min: -3, max: 50 }),
        (trials, current, total) => {
          const req = request(trials, current, total);
          expect(encodeSuggestionsRequest(req)).toEqual(
            encodeMessage(REQUEST, suggestionsRequestToProto(req)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes big requests (lengths of several bytes, a growing buffer) the same way', () => {
    const trials = Array.from({ length: 300 }, (_, i) => ({
      name: `t${i}-${'x'.repeat(i)}`,
      parameterAssignments: [
        { name: 'lr', value: String(0.001 + i / 1e4) },
        { name: 'layers', value: String(1 + (i % 8)) },
        { name: 'opt', value: 'é'.repeat(i % 90) },
      ],
      labels: { 'katib.kubeflow.org/experiment': 'wire', long: 'y'.repeat(200) },
      phase: 'Succeeded' as const,
    }));
    const req = request(trials);
    expect(encodeSuggestionsRequest(req)).toEqual(encodeMessage(REQUEST, suggestionsRequestToProto(req)));
  });
});

describe('decodeSuggestionsRequest', () => {
  it('reads every valid request as the generic path does', () => {
    fc.assert(
      fc.property(
        arbValidTrials,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 30 }),
        (trials, current, total) => {
          expect(agrees(encodeSuggestionsRequest(request(trials, current, total)))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers only when the generic path accepts, and then the same (any trials)', () => {
    fc.assert(
      fc.property(
        fc.array(arbLooseTrial, { maxLength: 5 }),
        fc.integer({ min: -2, max: 3 }),
        (trials, current) => {
          const bytes = encodeSuggestionsRequest(request(trials, current));
          if (!agrees(bytes)) return;
          expect(generic(bytes).ok).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves damaged bytes to the generic path (truncated, flipped, spliced)', () => {
    const base = encodeSuggestionsRequest(
      request([
        {
          name: 't1',
          parameterAssignments: [
            { name: 'lr', value: '0.01' },
            { name: 'layers', value: '3' },
            { name: 'opt', value: 'sgd' },
          ],
          labels: { a: 'b' },
          phase: 'Succeeded',
          observation: { metrics: [{ name: 'acc', min: '0.5', max: '0.5', latest: '0.5' }] },
          startTime: '2024-01-01T00:00:00Z',
        },
        {
          name: 't2',
          parameterAssignments: [
            { name: 'lr', value: '0.02' },
            { name: 'layers', value: '4' },
            { name: 'opt', value: 'adam' },
          ],
          labels: {},
          phase: 'Running',
        },
      ]),
    );
    expect(agrees(base)).toBe(true);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('flip' as const),
              at: fc.nat(),
              byte: fc.integer({ min: 0, max: 255 }),
            }),
            fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
            fc.record({
              kind: fc.constant('splice' as const),
              at: fc.nat(),
              from: fc.nat(),
              len: fc.integer({ min: 1, max: 40 }),
            }),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (edits) => {
          let bytes = Buffer.from(base);
          for (const e of edits) {
            const at = e.at % (bytes.length + 1);
            if (e.kind === 'flip' && at < bytes.length) bytes[at] = e.byte;
            else if (e.kind === 'cut') bytes = bytes.subarray(0, at);
            else if (e.kind === 'splice') {
              const from = e.from % (base.length + 1);
              bytes = Buffer.concat([
                bytes.subarray(0, at),
                base.subarray(from, from + e.len),
                bytes.subarray(at),
              ]);
            }
          }
          agrees(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves fields sent twice to the generic path, which keeps the last', () => {
    const one = encodeSuggestionsRequest(request([]));
    const twice = Buffer.concat([one, one]);
    expect(decodeSuggestionsRequest(twice)).toBeUndefined();
    expect(generic(twice).ok).toBe(true);
  });

  it('reads strings across the text chunks of a big message', () => {
    const trials = Array.from({ length: 2000 }, (_, i) => ({
      name: `trial-${i}-${'n'.repeat(i % 50)}`,
      parameterAssignments: [
        { name: 'lr', value: String(0.001 + i / 1e5) },
        { name: 'layers', value: String(1 + (i % 8)) },
        { name: 'opt', value: i % 3 === 0 ? 'ädam' : 'sgd' },
      ],
      labels: { 'katib.kubeflow.org/experiment': 'wire', [`k${i % 7}`]: 'v'.repeat(i % 130) },
      phase: 'Succeeded' as const,
      startTime: '2024-01-01T00:00:00Z',
    }));
    const bytes = encodeSuggestionsRequest(request(trials));
    expect(bytes.length).toBeGreaterThan(3 * 65536);
    expect(agrees(bytes)).toBe(true);
  });
});

describe('suggestionsRequestFromWire', () => {
  const trials: TrialView[] = [1, 2, 3].map((i) => ({
    name: `t${i}`,
    parameterAssignments: [
      { name: 'lr', value: '0.01' },
      { name: 'layers', value: String(i) },
      { name: 'opt', value: 'sgd' },
    ],
    labels: {},
    phase: 'Succeeded',
  }));

  it('applies the limits with the generic path’s errors', () => {
    const bytes = encodeSuggestionsRequest(request(trials, 3));
    const limits = [
      { ...DEFAULT_SUGGESTION_LIMITS, maxTrials: 2 },
      { ...DEFAULT_SUGGESTION_LIMITS, maxRequestNumber: 2 },
      { ...DEFAULT_SUGGESTION_LIMITS, maxParameters: 2 },
    ];
    for (const l of limits) {
      const r = received(bytes);
      expect(r.request).toBeDefined();
      const ours = errorOf(() => suggestionsRequestFromWire(r, l));
      const theirs = generic(bytes, l);
      expect(theirs.ok).toBe(false);
      if (!theirs.ok) {
        expect(ours.message).toBe((theirs.error as SpecError).message);
        expect(ours.errors).toEqual((theirs.error as SpecError).errors);
      }
    }
    expect(suggestionsRequestFromWire(received(bytes))).toStrictEqual(
      suggestionsRequestFromProto(decodeMessage(REQUEST, bytes)),
    );
  });

  it('reports invalid requests with the generic path’s errors', () => {
    const bad = encodeSuggestionsRequest(request([trials[0]!, { ...trials[1]!, name: 't1' }], 0));
    const r = received(bad);
    expect(r.request).toBeUndefined();
    const ours = errorOf(() => suggestionsRequestFromWire(r));
    expect(ours.errors.map((e) => e.path)).toEqual(['current_request_number', 'trials[1].name']);
  });

  it('leaves non-numeric and missing values of numeric parameters to the generic path', () => {
    const notANumber = {
      ...trials[0]!,
      parameterAssignments: [
        { name: 'lr', value: '0.01' },
        { name: 'layers', value: '1e400' },
        { name: 'opt', value: 'sgd' },
      ],
    };
    const missing = { ...trials[1]!, parameterAssignments: [{ name: 'lr', value: '0.01' }] };
    const bad = encodeSuggestionsRequest(request([notANumber, missing]));
    const r = received(bad);
    expect(r.request).toBeUndefined();
    const ours = errorOf(() => suggestionsRequestFromWire(r));
    expect(ours.errors.map((e) => e.path)).toEqual([
      'trials[0].spec.parameter_assignments.assignments[1].value',
      'trials[1].spec.parameter_assignments.assignments',
      'trials[1].spec.parameter_assignments.assignments',
    ]);
  });

  it('takes plain proto objects too', () => {
    const req = request(trials);
    expect(suggestionsRequestFromWire(suggestionsRequestToProto(req))).toStrictEqual(
      suggestionsRequestFromProto(suggestionsRequestToProto(req)),
    );
  });
});

describe('WireReader / WireWriter strings', () => {
  it('round-trip ASCII, non-ASCII and lone surrogates, short and long, repeated', () => {
    const samples = [
      '',
      'a',
      'lr',
      'x'.repeat(12),
      'x'.repeat(13),
      'y'.repeat(200),
      'ädam',
      '😀',
      'a\ud800b',
      'sgd',
      'sgd',
    ];
    const w = new WireWriter(4);
    for (const s of samples) w.string(s);
    const bytes = w.buf.subarray(0, w.pos);
    const r = new WireReader(bytes);
    const back = samples.map(() => r.string(bytes.length));
    expect(back).toEqual(samples.map((s) => Buffer.from(Buffer.from(s, 'utf8')).toString('utf8')));
    expect(r.pos).toBe(bytes.length);
  });
});

describe('helpers on the hot path', () => {
  it('katibTime keeps Katib-formatted times as they are and rewrites others', () => {
    const katibFormat = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    const arbTimeText = fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d+Z$/, 'Z')),
      fc.stringMatching(/^[0-9:TZ-]{18,22}$/),
      fc.string({ maxLength: 24 }),
    );
    fc.assert(
      fc.property(arbTimeText, (t) => {
        // The regular-expression version it replaces.
        const ms = Date.parse(t);
        const reference =
          t === '' || katibFormat.test(t)
            ? t
            : Number.isFinite(ms)
              ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
              : t;
        expect(katibTime(t)).toBe(reference);
      }),
      { numRuns: 1000 },
    );
  });

  it('isFiniteNumberText agrees with Number()', () => {
    const arbNumberText = fc.oneof(
      fc.double().map(String),
      fc.stringMatching(/^[+-]?[0-9]*\.?[0-9]*([eE][+-]?[0-9]{0,4})?$/),
      fc.constantFrom(
        '',
        ' ',
        ' 1',
        '1 ',
        '0x1f',
        '-0x1f',
        '0b1',
        '1_0',
        'Infinity',
        '-',
        '.',
        '+.',
        '9'.repeat(400),
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(arbNumberText, (t) => {
        expect(isFiniteNumberText(t)).toBe(t.trim() !== '' && Number.isFinite(Number(t)));
      }),
      { numRuns: 2000 },
    );
  });
});
