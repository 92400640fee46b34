/**
 * GetSuggestions on the wire without the detour through proto-shaped objects: the client writes
 * our GetSuggestionsRequest straight into protobuf bytes, and the server reads the bytes straight
 * into the TrialViews and Experiment the suggestion service needs, checking as it goes.
 *
 * Why: a request carries every trial of the experiment (Katib's API is stateless), so at a
 * thousand trials building and walking an intermediate object graph per side (domain → proto
 * objects → bytes → proto objects → domain) cost several times what the bytes themselves do.
 *
 * Nothing about the wire or about errors changes:
 * - {@link encodeSuggestionsRequest} writes exactly the bytes the generic codec writes for
 *   `suggestionsRequestToProto(req)` (tests compare them).
 * - {@link decodeSuggestionsRequest} is a fast path for well-formed requests only. It gives up
 *   (returns `undefined`) at the first thing that is not plainly valid — a malformed byte, an
 *   empty name, an unknown condition, a duplicate trial name, a field sent twice, a
 *   non-numeric value — and the caller then takes the generic path (codec → plain object →
 *   {@link suggestionsRequestFromProto}), which reports every problem with its proto path exactly
 *   as before. When it succeeds, its result equals the generic path's (tests check both ways).
 *
 * ```ts
 * const server = createGrpcServer();
 * server.addService(suggestionWireService().definition, {
 *   GetSuggestions: unary((req) => service.getSuggestions(suggestionsRequestFromWire(req, limits))),
 *   ...
 * });
 * const client = new (suggestionWireService().Client)(address, credentials);
 * client.GetSuggestions(new EncodedSuggestionsRequest(request), callback);
 * ```
 */
import type * as grpc from '@grpc/grpc-js';
import { grpcJs } from '../grpc/grpc-js.js';
import {
  TRIAL_PHASES,
  UNAVAILABLE_METRIC_VALUE,
  metricStrategyFor,
  toSearchSpace,
  type Experiment,
  type Metric,
  type ObjectiveSpec,
  type ParameterAssignment,
  type TrialPhase,
  type TrialView,
} from '../api/index.js';
import {
  WireReader,
  WireWriter,
  decodeMessage,
  encodeMessage,
  katibFastServices,
  type MessageCodec,
} from '../grpc/index.js';
import {
  DEFAULT_SUGGESTION_LIMITS,
  experimentFromProto,
  experimentToProto,
  isFiniteNumberText,
  katibTime,
  objectiveToProto,
  suggestionsRequestFromProto,
  type SuggestionRequestLimits,
} from './proto-convert.js';
import type { GetSuggestionsRequest } from './suggestion-service.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Wire numbers of TrialStatus.TrialConditionType by phase (what suggestionsRequestToProto sends). */
const PHASE_TO_CONDITION_NUMBER = Object.fromEntries(TRIAL_PHASES.map((p, i) => [p, i])) as Readonly<
  Record<TrialPhase, number>
>;

/** Phases by condition number: CREATED … EARLYSTOPPED, and UNKNOWN (7) as Pending. */
const CONDITION_NUMBER_TO_PHASE: readonly TrialPhase[] = [...TRIAL_PHASES, 'Pending'];

/** The compiled codecs this module needs. */
interface Codecs {
  readonly request: MessageCodec;
  readonly experiment: MessageCodec;
  readonly objective: MessageCodec;
}

let cachedCodecs: Codecs | undefined;

function codecs(): Codecs {
  if (cachedCodecs) return cachedCodecs;
  const all = katibFastServices().codecs;
  const need = (name: string): MessageCodec => {
    const c = all.get(`api.v1.beta1.${name}`);
    if (!c) throw new Error(`proto/api.proto has no message ${name}`);
    return c;
  };
  cachedCodecs = {
    request: need('GetSuggestionsRequest'),
    experiment: need('Experiment'),
    objective: need('ObjectiveSpec'),
  };
  return cachedCodecs;
}

// ---------------------------------------------------------------------------------------------
// Encoding (client)
// ---------------------------------------------------------------------------------------------

/** A string field as the generic codec writes it: unset (null/undefined) and "" are left out. */
function writeStringField(w: WireWriter, tag: number, v: string | null | undefined): void {
  if (v === undefined || v === null) return;
  // Plain-JS callers may pass numbers: coerced as the generic codec coerces them.
  const s = typeof v === 'string' ? v : String(v);
  if (s === '') return;
  w.varint(tag);
  w.string(s);
}

/**
 * The one value Katib sends for a metric: what its strategy picks, falling back to latest, else
 * "unavailable" (`metricValueText({ metrics: [m] }, objective, m.name) ?? 'unavailable'`,
 * without the allocations).
 */
function metricText(m: Metric, objective: ObjectiveSpec): string {
  const strategy = metricStrategyFor(objective, m.name);
  let v: string | undefined = strategy === 'min' ? m.min : strategy === 'max' ? m.max : m.latest;
  if (v === UNAVAILABLE_METRIC_VALUE || v === '') v = m.latest;
  return v === undefined || v === null || v === UNAVAILABLE_METRIC_VALUE || v === ''
    ? UNAVAILABLE_METRIC_VALUE
    : v;
}

/** Writes one Trial (field tags and order as api.proto declares them). */
function writeTrial(w: WireWriter, view: TrialView, objective: ObjectiveSpec, objectiveBytes: Buffer): void {
  writeStringField(w, 0x0a, view.name);
  // spec (2)
  w.varint(0x12);
  const spec = w.begin();
  w.varint(0x12); // spec.objective (2): the same bytes for every trial
  w.varint(objectiveBytes.length);
  w.raw(objectiveBytes);
  w.varint(0x1a); // spec.parameter_assignments (3)
  const holder = w.begin();
  for (const a of view.parameterAssignments) {
    w.varint(0x0a);
    const b = w.begin();
    writeStringField(w, 0x0a, a.name);
    writeStringField(w, 0x12, a.value);
    w.end(b);
  }
  w.end(holder);
  // The keys and values a copy `{ ...labels }` would have (what suggestionsRequestToProto sends).
  const labels: Readonly<Record<string, unknown>> | undefined = view.labels;
  for (const key of labels ? Object.keys(labels) : []) {
    w.varint(0x22); // spec.labels (4): map entries
    const b = w.begin();
    w.varint(0x0a);
    w.string(key);
    w.varint(0x12);
    const value = labels[key];
    w.string(typeof value === 'string' ? value : String(value));
    w.end(b);
  }
  w.end(spec);
  // status (3)
  w.varint(0x1a);
  const status = w.begin();
  writeStringField(w, 0x0a, katibTime(view.startTime));
  writeStringField(w, 0x12, katibTime(view.completionTime));
  const condition = PHASE_TO_CONDITION_NUMBER[view.phase] as number | undefined;
  if (condition !== undefined && condition !== 0) {
    w.varint(0x18);
    w.int32(condition);
  }
  w.varint(0x22); // status.observation (4)
  const observation = w.begin();
  for (const m of view.observation?.metrics ?? []) {
    w.varint(0x0a);
    const b = w.begin();
    writeStringField(w, 0x0a, m.name);
    writeStringField(w, 0x12, metricText(m, objective));
    w.end(b);
  }
  w.end(observation);
  w.end(status);
}

/** An int32 field as the generic codec writes it (0 left out, negatives in ten bytes). */
function writeInt32Field(w: WireWriter, tag: number, v: number): void {
  const n = Number(v) | 0;
  if (n === 0) return;
  w.varint(tag);
  w.int32(n);
}

/** Bytes per trial of the last request encoded (a first guess before any). */
let bytesPerTrial = 256;

/**
 * Our GetSuggestionsRequest as Katib's `GetSuggestionsRequest` bytes: the same bytes as
 * `encodeMessage(GetSuggestionsRequest, suggestionsRequestToProto(req))`, without building the
 * proto objects. `state` does not travel.
 */
export function encodeSuggestionsRequest(req: GetSuggestionsRequest): Buffer {
  const c = codecs();
  const objective = req.experiment.spec.objective;
  const objectiveBytes = encodeMessage(c.objective, objectiveToProto(objective));
  const experimentBytes = encodeMessage(c.experiment, experimentToProto(req.experiment));
  // Sized from the last request's bytes per trial (requests of one experiment grow a trial at a
  // time), so the buffer is allocated once and handed out without a copy.
  const w = new WireWriter(
    1024 + experimentBytes.length + Math.ceil(req.trials.length * bytesPerTrial * 1.125),
  );
  w.varint(0x0a); // experiment (1)
  w.varint(experimentBytes.length);
  w.raw(experimentBytes);
  for (const t of req.trials) {
    w.varint(0x12); // trials (2)
    const b = w.begin();
    writeTrial(w, t, objective, objectiveBytes);
    w.end(b);
  }
  writeInt32Field(w, 0x20, req.currentRequestNumber); // current_request_number (4)
  writeInt32Field(w, 0x28, req.totalRequestNumber); // total_request_number (5)
  if (req.trials.length > 0) bytesPerTrial = (w.pos - experimentBytes.length) / req.trials.length;
  return w.buf.subarray(0, w.pos);
}

// ---------------------------------------------------------------------------------------------
// Decoding (server)
// ---------------------------------------------------------------------------------------------

/** Thrown inside the fast path to hand the request to the generic path (made once: no stack per throw). */
const GIVE_UP = new Error('the fast path leaves this request to the generic path');

/** Limits the fast path decodes under; the real ones are applied by {@link suggestionsRequestFromWire}. */
const UNBOUNDED: SuggestionRequestLimits = {
  maxRequestNumber: Number.POSITIVE_INFINITY,
  maxTrials: Number.POSITIVE_INFINITY,
  maxParameters: Number.POSITIVE_INFINITY,
};

/** Skips a message body whose fields are all scalars or strings (ObjectiveSpec), checking its framing. */
function skipScalarMessage(r: WireReader, end: number): void {
  while (r.pos < end) {
    const t = r.varint();
    r.skip(t & 7, end);
  }
  if (r.pos !== end) r.fail();
}

/**
 * Reads the trials of one request. Trials repeat their neighbours' strings (parameter and metric
 * names, label keys and values, often times): each field is first compared with the same field
 * of the previous trial and, when equal, shares its string.
 */
class TrialReader {
  private readonly assignmentNames: string[] = [];
  private readonly metricNames: string[] = [];
  private readonly labelKeys: string[] = [];
  private readonly labelValues: string[] = [];
  private startTime = '';
  private completionTime = '';
  /** For every assignment read, in order: 1 when its value is a plain decimal number (see isPlainDecimalBytes). */
  readonly plain: number[] = [];
  /** For every trial read: the index in `plain` of its first assignment. */
  readonly offsets: number[] = [];
  /** The status fields of the trial being read. */
  private readonly current: StatusFields = { startTime: '', completionTime: '', condition: 0, metrics: [] };

  constructor(private readonly r: WireReader) {}

  /** Reads one Trial ending at `end` as the TrialView suggestionsRequestFromProto makes of it. */
  trial(end: number): TrialView {
    const r = this.r;
    this.offsets.push(this.plain.length);
    let name = '';
    const parameterAssignments: ParameterAssignment[] = [];
    const labels: Record<string, string> = {};
    const status = this.current;
    status.startTime = '';
    status.completionTime = '';
    status.condition = 0;
    status.metrics = [];
    let sawSpec = false;
    let sawStatus = false;
    while (r.pos < end) {
      const t = r.varint();
      if (t === 0x0a) name = r.string(end);
      else if (t === 0x12) {
        if (sawSpec) throw GIVE_UP;
        sawSpec = true;
        this.spec(r.delimited(end), parameterAssignments, labels);
      } else if (t === 0x1a) {
        if (sawStatus) throw GIVE_UP;
        sawStatus = true;
        this.status(r.delimited(end), status);
      } else r.skip(t & 7, end);
    }
    if (r.pos !== end) r.fail();
    const phase = CONDITION_NUMBER_TO_PHASE[status.condition];
    if (name === '' || phase === undefined) throw GIVE_UP;
    const view: Mutable<TrialView> = { name, parameterAssignments, labels, phase };
    if (status.metrics.length > 0) view.observation = { metrics: status.metrics };
    if (status.startTime !== '') view.startTime = status.startTime;
    if (status.completionTime !== '') view.completionTime = status.completionTime;
    return view;
  }

  /**
   * Reads a `{ name = 1; value = 2 }` message (ParameterAssignment, Metric) into `out`; a name is
   * required. `names[k]` is the name at the same place in the previous trial.
   */
  private nameValue(end: number, names: string[], k: number, out: NameValue): void {
    const r = this.r;
    let name = '';
    let value = '';
    let plain = false;
    while (r.pos < end) {
      const t = r.varint();
      if (t === 0x0a) name = r.stringLike(end, names[k] ?? '');
      else if (t === 0x12) {
        value = r.string(end);
        // The value's last value.length bytes: all of it when it is ASCII (else they hold a byte
        // of 0x80 or more, which is not plain).
        plain = isPlainDecimalBytes(r.buf, r.pos - value.length, r.pos);
      } else r.skip(t & 7, end);
    }
    if (r.pos !== end) r.fail();
    if (name === '') throw GIVE_UP;
    names[k] = name;
    out.name = name;
    out.value = value;
    out.plain = plain;
  }

  /** Reads TrialSpec's assignments and labels into the given list and map. */
  private spec(end: number, assignments: ParameterAssignment[], labels: Record<string, string>): void {
    const r = this.r;
    let sawAssignments = false;
    let nLabels = 0;
    const pair: NameValue = { name: '', value: '', plain: false };
    while (r.pos < end) {
      const t = r.varint();
      if (t === 0x12) {
        // objective: the trial's copy of the experiment's; not used, but it must be well formed.
        skipScalarMessage(r, r.delimited(end));
      } else if (t === 0x1a) {
        // A second parameter_assignments would replace the first: rare, left to the generic path.
        if (sawAssignments) throw GIVE_UP;
        sawAssignments = true;
        const e = r.delimited(end);
        while (r.pos < e) {
          const u = r.varint();
          if (u === 0x0a) {
            this.nameValue(r.delimited(e), this.assignmentNames, assignments.length, pair);
            assignments.push({ name: pair.name, value: pair.value });
            this.plain.push(pair.plain ? 1 : 0);
          } else r.skip(u & 7, e);
        }
        if (r.pos !== e) r.fail();
      } else if (t === 0x22) {
        this.label(r.delimited(end), labels, nLabels++);
      } else r.skip(t & 7, end);
    }
    if (r.pos !== end) r.fail();
  }

  /** Reads the `k`th map<string, string> entry into `labels`, as the generic codec does (last key wins). */
  private label(end: number, labels: Record<string, string>, k: number): void {
    const r = this.r;
    let key = '';
    let value = '';
    while (r.pos < end) {
      const t = r.varint();
      if (t === 0x0a) key = r.stringLike(end, this.labelKeys[k] ?? '');
      else if (t === 0x12) value = r.stringLike(end, this.labelValues[k] ?? '');
      else r.skip(t & 7, end);
    }
    if (r.pos !== end) r.fail();
    this.labelKeys[k] = key;
    this.labelValues[k] = value;
    if (key === '__proto__') {
      Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
    } else labels[key] = value;
  }

  /** Reads TrialStatus into `out`. */
  private status(end: number, out: StatusFields): void {
    const r = this.r;
    let sawObservation = false;
    const pair: NameValue = { name: '', value: '', plain: false };
    while (r.pos < end) {
      const t = r.varint();
      if (t === 0x0a) out.startTime = this.startTime = r.stringLike(end, this.startTime);
      else if (t === 0x12) out.completionTime = this.completionTime = r.stringLike(end, this.completionTime);
      else if (t === 0x18) out.condition = r.varint() | 0;
      else if (t === 0x22) {
        if (sawObservation) throw GIVE_UP;
        sawObservation = true;
        const e = r.delimited(end);
        while (r.pos < e) {
          const u = r.varint();
          if (u === 0x0a) {
            this.nameValue(r.delimited(e), this.metricNames, out.metrics.length, pair);
            const value = pair.value;
            out.metrics.push({ name: pair.name, min: value, max: value, latest: value });
          } else r.skip(u & 7, e);
        }
        if (r.pos !== e) r.fail();
      } else r.skip(t & 7, end);
    }
    if (r.pos !== end) r.fail();
  }
}

/** A `{ name, value }` pair as read, and whether the value is a plain decimal number. */
interface NameValue {
  name: string;
  value: string;
  plain: boolean;
}

/**
 * True when `buf[start, end)` is `[+-]digits[.digits]` with at least one digit and at most 300
 * characters (a finite number, as isFiniteNumberText would say), checked on the bytes.
 */
function isPlainDecimalBytes(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n <= 0 || n > 300) return false;
  let i = start;
  const first = buf[i] as number;
  if (first === 45 || first === 43) i++; // - +
  let digits = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/** What TrialReader.status found. */
interface StatusFields {
  startTime: string;
  completionTime: string;
  condition: number;
  metrics: Metric[];
}

/** The last experiment read, by its bytes: consecutive requests of one experiment carry the same ones. */
let lastExperiment: { bytes: Buffer; experiment: Experiment } | undefined;

/** The Experiment of the bytes `buf[start, end)`, converted and checked as the generic path does. */
function readExperiment(buf: Buffer, start: number, end: number): Experiment {
  const bytes = buf.subarray(start, end);
  if (lastExperiment?.bytes.equals(bytes)) return lastExperiment.experiment;
  // One small message: the generic codec and conversion (its checks throw → generic path).
  const experiment = experimentFromProto(decodeMessage(codecs().experiment, bytes), { limits: UNBOUNDED });
  lastExperiment = { bytes: Buffer.from(bytes), experiment };
  return experiment;
}

/**
 * Every trial has a value for every parameter of the space (its first assignment of that name,
 * as checkAssignments takes it), numeric where the parameter is. Trials usually list the same
 * names in the same order (and, read by TrialReader, as the same strings): where to find each
 * parameter is worked out once per such order.
 */
function assignmentsFit(experiment: Experiment, trials: readonly TrialView[], reader: TrialReader): boolean {
  const params = experiment.spec.parameters ?? [];
  if (params.length === 0) return true;
  const space = toSearchSpace(params);
  const numeric = space.map((ps) => ps.type !== 'categorical');
  const { plain, offsets } = reader;
  let order: string[] = [];
  let where: number[] = [];
  for (let ti = 0; ti < trials.length; ti++) {
    const list = (trials[ti] as TrialView).parameterAssignments;
    let same = ti > 0 && list.length === order.length;
    for (let i = 0; same && i < list.length; i++) same = (list[i] as ParameterAssignment).name === order[i];
    if (!same) {
      order = list.map((a) => a.name);
      where = space.map((ps) => order.indexOf(ps.name));
    }
    const offset = offsets[ti] as number;
    for (let k = 0; k < where.length; k++) {
      const j = where[k] as number;
      if (j < 0) return false;
      if (
        numeric[k] &&
        plain[offset + j] !== 1 &&
        !isFiniteNumberText((list[j] as ParameterAssignment).value)
      ) {
        return false;
      }
    }
  }
  return true;
}

/**
 * The fast path: Katib `GetSuggestionsRequest` bytes as our GetSuggestionsRequest, for a request
 * that is well formed and valid as it stands (limits aside: see {@link withinLimits}); `undefined`
 * for anything else, which the generic path must read and report. The experiment is checked as
 * {@link experimentFromProto} checks it; `total_request_number` below `current_request_number`
 * means `trials + current`, as in {@link suggestionsRequestFromProto}.
 */
export function decodeSuggestionsRequest(bytes: Uint8Array): GetSuggestionsRequest | undefined {
  try {
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const r = new WireReader(buf);
    const reader = new TrialReader(r);
    const end = buf.length;
    let experimentStart = -1;
    let experimentEnd = -1;
    const trials: TrialView[] = [];
    const names = new Set<string>();
    let current = 0;
    let total = 0;
    while (r.pos < end) {
      const t = r.varint();
      if (t === 0x12) {
        const e = r.delimited(end);
        const trial = reader.trial(e);
        if (names.has(trial.name)) throw GIVE_UP;
        names.add(trial.name);
        trials.push(trial);
      } else if (t === 0x0a) {
        if (experimentStart >= 0) throw GIVE_UP;
        experimentEnd = r.delimited(end);
        experimentStart = r.pos;
        r.pos = experimentEnd;
      } else if (t === 0x20) current = r.varint() | 0;
      else if (t === 0x28) total = r.varint() | 0;
      else r.skip(t & 7, end);
    }
    if (r.pos !== end) r.fail();
    if (current < 1 || total < 0 || experimentStart < 0) return undefined;
    const experiment = readExperiment(buf, experimentStart, experimentEnd);
    if (!assignmentsFit(experiment, trials, reader)) return undefined;
    return {
      experiment,
      trials,
      currentRequestNumber: current,
      totalRequestNumber: total >= current ? total : trials.length + current,
    };
  } catch {
    // GIVE_UP, malformed bytes, or a check of the experiment: the generic path says what is wrong.
    return undefined;
  }
}

/** True when a request read by the fast path is within `limits` (else the generic path reports it). */
function withinLimits(req: GetSuggestionsRequest, limits: SuggestionRequestLimits): boolean {
  if (req.currentRequestNumber > limits.maxRequestNumber || req.trials.length > limits.maxTrials)
    return false;
  const spec = req.experiment.spec;
  if ((spec.parameters?.length ?? 0) > limits.maxParameters) return false;
  for (const op of spec.nasConfig?.operations ?? []) {
    if ((op.parameters?.length ?? 0) > limits.maxParameters) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The Suggestion service with these coders
// ---------------------------------------------------------------------------------------------

/** A GetSuggestions request as the server's deserializer hands it over: its bytes, read or not. */
export class ReceivedSuggestionsRequest {
  /**
   * @param bytes the message as received.
   * @param request the fast path's reading, when it succeeded.
   * @param message the generic codec's plain object, when the fast path gave up.
   */
  constructor(
    readonly bytes: Buffer,
    readonly request: GetSuggestionsRequest | undefined,
    readonly message: unknown,
  ) {}
}

/** A GetSuggestions request for the client to send: its bytes, written by {@link encodeSuggestionsRequest}. */
export class EncodedSuggestionsRequest {
  /** The bytes on the wire. */
  readonly bytes: Buffer;

  /** Encodes `request` now (so a problem surfaces in the caller, not in the channel). */
  constructor(request: GetSuggestionsRequest) {
    this.bytes = encodeSuggestionsRequest(request);
  }
}

/**
 * The server's deserializer: the fast path, else the generic codec (which throws for malformed
 * bytes, as before).
 */
function receive(bytes: Buffer): ReceivedSuggestionsRequest {
  const request = decodeSuggestionsRequest(bytes);
  if (request) return new ReceivedSuggestionsRequest(bytes, request, undefined);
  return new ReceivedSuggestionsRequest(bytes, undefined, decodeMessage(codecs().request, bytes));
}

/**
 * A received GetSuggestions request as ours, checked against `limits`: the fast path's reading
 * when there is one and it is within the limits, else {@link suggestionsRequestFromProto} on the
 * generic decoding (which throws its SpecError with proto paths). Plain objects (from other
 * service definitions) go to suggestionsRequestFromProto directly.
 * @throws SpecError listing every problem with its proto path.
 */
export function suggestionsRequestFromWire(
  received: unknown,
  limits: SuggestionRequestLimits = DEFAULT_SUGGESTION_LIMITS,
): GetSuggestionsRequest {
  if (!(received instanceof ReceivedSuggestionsRequest)) return suggestionsRequestFromProto(received, limits);
  if (received.request && withinLimits(received.request, limits)) return received.request;
  return suggestionsRequestFromProto(
    received.message ?? decodeMessage(codecs().request, received.bytes),
    limits,
  );
}

/** Katib's Suggestion service definition with GetSuggestions coded by this module, and its client. */
export interface SuggestionWireService {
  /** For `server.addService`: GetSuggestions requests arrive as {@link ReceivedSuggestionsRequest}. */
  readonly definition: grpc.ServiceDefinition;
  /** Clients send {@link EncodedSuggestionsRequest} (or plain proto objects) to GetSuggestions. */
  readonly Client: grpc.ServiceClientConstructor;
}

let cachedService: SuggestionWireService | undefined;

/**
 * Katib's `Suggestion` service: {@link katibFastServices}' definition, with GetSuggestions
 * requests written by {@link EncodedSuggestionsRequest} and read by the fast path. Replies and
 * ValidateAlgorithmSettings use the generic codec (they are small).
 */
export function suggestionWireService(): SuggestionWireService {
  if (cachedService) return cachedService;
  const base = katibFastServices().Suggestion.definition;
  const get = base['GetSuggestions'];
  if (!get) throw new Error('proto/api.proto: Suggestion has no GetSuggestions');
  const request = codecs().request;
  const definition: grpc.ServiceDefinition = {
    ...base,
    GetSuggestions: {
      ...get,
      requestSerialize: (v: unknown): Buffer =>
        v instanceof EncodedSuggestionsRequest ? v.bytes : encodeMessage(request, v),
      requestDeserialize: receive,
    },
  };
  cachedService = { definition, Client: grpcJs().makeGenericClientConstructor(definition, 'Suggestion') };
  return cachedService;
}
