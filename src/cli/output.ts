/** Printing objects the way kubectl does: tables, `-o json`, `-o yaml`. */
import { yamlModule as yaml } from '../api/yaml-module.js';

/** Output formats accepted by `-o`. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

/** Parses `-o`; throws a user-facing Error for unknown formats. */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  const v = value ?? 'table';
  if (v === 'table' || v === 'wide' || v === 'json' || v === 'yaml' || v === 'name') return v;
  throw new UsageError(`-o: unknown output format "${v}" (use json, yaml, wide or name)`);
}

/** A mistake in how the command was called (exit code 1, message only). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Renders rows as an aligned table with a header, like kubectl get. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Serialises an object or a kubectl-style List as JSON or YAML. */
export function formatObject(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json'
    ? JSON.stringify(value, null, 2)
    : yaml().stringify(value, { lineWidth: 0 }).trimEnd();
}

/** "3m12s"-style age of an RFC 3339 time, like kubectl's AGE column. */
export function age(since: string | undefined, now: Date = new Date()): string {
  if (!since) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

/** Seconds as "1m05s". */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
