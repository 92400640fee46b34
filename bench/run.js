#!/usr/bin/env node
// `npm run bench`: runs every benchmark against its peer in the same run and rewrites
// bench/RESULTS.md. Benchmarks never run in the test suite.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { grpcLatency } from './grpc-latency.js';
import { throughput } from './throughput.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';

function peerAvailable() {
  try {
    execFileSync(PY, ['-c', 'import optuna'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
const sections = [];
const hasPeer = peerAvailable();
if (!hasPeer) console.error(`note: Optuna is not importable by ${PY}; install python3-optuna (apt) to compare`);
sections.push(await throughput({ py: PY, hasPeer }));
sections.push(await grpcLatency());

const md = `# Benchmark results

Recorded by \`npm run bench\` on ${date}; machine: ${machine}.
Peers run in the same session (Optuna from Debian's python3-optuna, ${PY}).

${sections.join('\n\n')}
`;
writeFileSync(path.join(here, 'RESULTS.md'), md);
console.log(md);
