#!/usr/bin/env node
// `npm run bench`: runs the throughput, gRPC-latency and multi-fidelity benchmarks against their
// peers in the same run and rewrites their sections of bench/RESULTS.md (other sections are left
// as they are; see bench/results-file.js). Benchmarks never run in the test suite.
import { execFileSync } from 'node:child_process';
import { grpcLatency } from './grpc-latency.js';
import { multifidelity } from './multifidelity.js';
import { withRecordedLine, writeSection } from './results-file.js';
import { throughput } from './throughput.js';

const PY = '/usr/bin/python3';
const COMMAND = 'npm run bench';

function peerAvailable() {
  try {
    execFileSync(PY, ['-c', 'import optuna'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasPeer = peerAvailable();
if (!hasPeer)
  console.error(`note: Optuna is not importable by ${PY}; install python3-optuna (apt) to compare`);
const sections = [
  ['throughput', await throughput({ py: PY, hasPeer })],
  ['grpcLatency', await grpcLatency()],
  ['multifidelity', (await multifidelity({ hasPeer })).markdown],
];
for (const [name, md] of sections) {
  const text = withRecordedLine(md, COMMAND);
  writeSection(name, text);
  console.log(`${text}\n`);
}
