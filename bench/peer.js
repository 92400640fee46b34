// A client for bench/optuna_peer.py: one long-lived Python process answering JSON requests, one
// per line, in order. Used by the quality and latency benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The interpreter the peer runs on: Debian's, where python3-optuna is installed. */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** Optuna's version, or undefined when `import optuna, cmaes, scipy` fails. */
export function optunaVersion() {
  try {
    return execFileSync(PYTHON, ['-c', 'import optuna, cmaes, scipy; print(optuna.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** One running bench/optuna_peer.py. */
export class OptunaPeer {
  constructor() {
    this.child = spawn(PYTHON, [path.join(here, 'optuna_peer.py')], {
      cwd: here,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    });
    this.waiting = [];
    this.exited = false;
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      try {
        const reply = JSON.parse(line);
        if (reply.error) w.reject(new Error(`optuna peer: ${reply.error}\n${reply.trace ?? ''}`));
        else w.resolve(reply);
      } catch (err) {
        w.reject(err);
      }
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error(`optuna peer exited with ${code}`));
    });
  }

  /** Sends one request; resolves with its reply. */
  request(req) {
    if (this.exited) return Promise.reject(new Error('optuna peer has exited'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** Ends the process (closing its stdin) and waits for it. */
  close() {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}
