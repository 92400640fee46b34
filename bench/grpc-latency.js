// GetSuggestions round-trip latency: over gRPC on loopback (GrpcSuggestionService → SuggestionServer,
// Katib's wire format both ways) against the in-process service, for requests carrying 10, 100 and
// 1000 completed trials. Random search, current_request_number 1, no algorithm state (both sides
// rebuild from the trials in the request, as a stateless Katib service does), so the difference is
// the transport: conversion, protobuf encoding, HTTP/2 on 127.0.0.1.
import {
  GrpcSuggestionService,
  InProcessSuggestionService,
  SuggestionServer,
} from '../dist/suggestion/index.js';

const TRIAL_COUNTS = [10, 100, 1000];
const PARAMETER_COUNTS = [2, 6];
const WARMUP = 20;
const CALLS = Number(process.env.BENCH_GRPC_CALLS ?? 100);

/** The first `n` of six parameters of mixed types. */
function parameters(n) {
  const all = [
    { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.0001', max: '0.1', distribution: 'logUniform' } },
    { name: 'momentum', parameterType: 'double', feasibleSpace: { min: '0.5', max: '0.99' } },
    { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '8' } },
    { name: 'optimizer', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'ftrl', 'rmsprop'] } },
    { name: 'batch', parameterType: 'discrete', feasibleSpace: { list: ['16', '32', '64', '128'] } },
    { name: 'dropout', parameterType: 'double', feasibleSpace: { min: '0', max: '0.5', step: '0.05' } },
  ];
  return all.slice(0, n);
}

function experiment(nParams) {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: `bench-grpc-${nParams}` },
    spec: {
      parameters: parameters(nParams),
      objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] },
      algorithm: { algorithmName: 'random', algorithmSettings: [{ name: 'random_state', value: '7' }] },
      parallelTrialCount: 1,
      metricsCollectorSpec: { collector: { kind: 'StdOut' } },
      resumePolicy: 'Never',
    },
  };
}

/** `n` completed trials with feasible assignments (drawn by the service itself) and two metrics. */
async function history(e, n) {
  const local = new InProcessSuggestionService();
  const { assignments } = await local.getSuggestions({
    experiment: e,
    trials: [],
    currentRequestNumber: n,
    totalRequestNumber: n,
  });
  return assignments.map((a, i) => {
    const loss = String(1 / (i + 1));
    return {
      name: `${e.metadata.name}-t${i}`,
      parameterAssignments: a.parameterAssignments,
      labels: { 'katib.kubeflow.org/experiment': e.metadata.name },
      phase: 'Succeeded',
      observation: {
        metrics: [
          { name: 'loss', min: loss, max: loss, latest: loss },
          { name: 'accuracy', min: '0.5', max: '0.9', latest: '0.8' },
        ],
      },
      startTime: '2024-01-01T00:00:00Z',
      completionTime: '2024-01-01T00:01:00Z',
    };
  });
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(service, request) {
  for (let i = 0; i < WARMUP; i++) await service.getSuggestions(request);
  const times = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    const reply = await service.getSuggestions(request);
    times.push(performance.now() - t0);
    if (reply.assignments.length !== 1) throw new Error(`expected 1 assignment, got ${reply.assignments.length}`);
  }
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

const ms = (x) => x.toFixed(2);

/** Runs the benchmark; returns a Markdown section. */
export async function grpcLatency() {
  const server = await SuggestionServer.start({ port: 0 });
  const remote = new GrpcSuggestionService({ address: server.address });
  const local = new InProcessSuggestionService();
  const rows = [];
  try {
    for (const nParams of PARAMETER_COUNTS) {
      const e = experiment(nParams);
      for (const n of TRIAL_COUNTS) {
        const trials = await history(e, n);
        const request = { experiment: e, trials, currentRequestNumber: 1, totalRequestNumber: n + 1 };
        const inProc = await measure(local, request);
        const overGrpc = await measure(remote, request);
        rows.push(
          `| ${n} | ${nParams} | ${ms(inProc.median)} / ${ms(inProc.p95)} | ${ms(overGrpc.median)} / ${ms(overGrpc.p95)} | ${ms(overGrpc.median - inProc.median)} |`,
        );
      }
    }
  } finally {
    remote.close();
    await server.close();
  }
  return `## GetSuggestions latency: gRPC (loopback) vs in-process

Random search, \`current_request_number\` 1, requests carrying N completed trials (each with its
assignments, a label, start/completion times and two metrics, as Katib's controller sends them);
${CALLS} calls per row after ${WARMUP} warm-up calls. gRPC: \`GrpcSuggestionService\` →
\`SuggestionServer\` on 127.0.0.1 in the same Node process, so client and server work add up on one
thread (domain → proto objects → bytes with katib-ts's generated protobuf codec, HTTP/2, and back,
then the checks of the request); in-process: \`InProcessSuggestionService\` with the same request and
no saved state, so both sides do the same algorithm work and the difference is the transport.

| trials | parameters | in-process median / p95 (ms) | gRPC median / p95 (ms) | gRPC overhead, median (ms) |
|---:|---:|---:|---:|---:|
${rows.join('\n')}`;
}
