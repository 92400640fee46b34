// bench/RESULTS.md is shared by several benchmarks: each one replaces only its own section, between
// `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and the header (title, machine, date of the last
// write) is kept up to date. Sections record their own command, date and machine.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The default results file. */
export const RESULTS_FILE = path.join(here, 'RESULTS.md');

/** Where sections go when they are new: in this order, unknown names last. */
const SECTION_ORDER = ['throughput', 'grpcLatency', 'quality', 'latency'];

/** The machine as one line: cores × CPU model, memory, Node version. */
export function machineDescription() {
  const cpus = os.cpus();
  const model = (cpus[0]?.model ?? 'cpu').replace(/\s+/g, ' ').trim();
  return `${cpus.length} × ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/** Today's date, YYYY-MM-DD (UTC). */
export function today() {
  return new Date().toISOString().slice(0, 10);
}

/** The line each section carries: which command recorded it, when, on what. */
export function recordedLine(command, extra = '') {
  return `Recorded by \`${command}\` on ${today()}; machine: ${machineDescription()}.${extra ? ` ${extra}` : ''}`;
}

/** `markdown` with the recorded line inserted after its first heading (or first, when it has none). */
export function withRecordedLine(markdown, command, extra = '') {
  const line = recordedLine(command, extra);
  const lines = markdown.trim().split('\n');
  if (lines[0]?.startsWith('#')) return [lines[0], '', line, ...lines.slice(1)].join('\n');
  return [line, '', ...lines].join('\n');
}

const open = (name) => `<!-- bench:${name} -->`;
const close = (name) => `<!-- /bench:${name} -->`;

function header(peer) {
  return `Last written on ${today()}; machine: ${machineDescription()}.
Each section below was recorded by its own command (named in the section) and states its own date and
machine. Peers run in the same session as ours (${peer}).`;
}

/** Replaces the text between the markers of `name` in `text`, or inserts the section in its place in the order. */
function replaceSection(text, name, body) {
  const block = `${open(name)}\n${body.trim()}\n${close(name)}`;
  const start = text.indexOf(open(name));
  const end = text.indexOf(close(name));
  if (start >= 0 && end > start) return text.slice(0, start) + block + text.slice(end + close(name).length);
  const rank = (n) => {
    const i = SECTION_ORDER.indexOf(n);
    return i < 0 ? SECTION_ORDER.length : i;
  };
  // Before the first existing section that comes later in the order; else at the end.
  const re = /<!-- bench:([A-Za-z0-9_-]+) -->/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== 'header' && rank(m[1]) > rank(name))
      return `${text.slice(0, m.index)}${block}\n\n${text.slice(m.index)}`;
  }
  return `${text.trimEnd()}\n\n${block}\n`;
}

/**
 * Writes section `name` of the results file, leaving every other section as it is.
 * @param {string} name section name (letters, digits, `-`, `_`)
 * @param {string} markdown the section's content (usually starting with a `##` heading)
 * @param {{ file?: string, peer?: string }} [options]
 */
export function writeSection(name, markdown, options = {}) {
  if (!/^[A-Za-z0-9_-]+$/.test(name) || name === 'header') throw new Error(`bad section name ${name}`);
  const file = options.file ?? RESULTS_FILE;
  const peer = options.peer ?? "Optuna from Debian's python3-optuna, /usr/bin/python3";
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  if (!text.includes(open('header'))) {
    const title = text.match(/^# .*$/m)?.[0] ?? '# Benchmark results';
    text = `${title}\n\n${open('header')}\n${close('header')}\n\n${text.replace(title, '').trim()}\n`;
  }
  text = replaceSection(text, 'header', header(peer));
  text = replaceSection(text, name, markdown);
  writeFileSync(file, `${text.trimEnd()}\n`);
}
