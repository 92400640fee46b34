/**
 * Katib's `TensorFlowEvent` collector for local trials: reads the TensorFlow event files a trial
 * writes under its metrics directory (`source.fileSystemPath.path`, kind `Directory`) and turns
 * the scalar summaries of the objective and additional metrics into metric logs.
 *
 * - Every file whose name contains `tfevents` is read, in any subdirectory, incrementally: each
 *   {@link poll} reads only the bytes appended since the last one, so the collector can run while
 *   the trial trains (early stopping sees values as they come) and once more at the end.
 * - A metric name matches a summary tag `T` in a file in directory `D` (relative to the metrics
 *   directory) when it is `T` itself, or `P/T` where `D` is `P` or ends with `/P` — so
 *   `train/accuracy` picks the `accuracy` tag of the `train` run and not the `validation` one
 *   (Katib's `<subdir>/<tag>` convention; Katib matches tags by prefix, we match them exactly).
 * - Each value keeps its event's step and wall time; records are framed and checksummed
 *   (TFRecord), and a corrupt file stops being read at the corruption, reported in
 *   {@link problems}, while the values before it are kept.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { MetricLog } from '../../api/observation.js';
import { decodeTfEvent, type TfEvent } from './event.js';
import { TfRecordReader } from './tfrecord.js';

/** Reads at most this many bytes of one file per poll. */
const READ_CHUNK = 1 << 20;
/** Directory levels walked below the metrics directory. */
const MAX_DEPTH = 8;

interface FileCursor {
  offset: number;
  readonly reader: TfRecordReader;
  readonly relativeDir: string;
  problem?: string;
}

/** Incremental reader of a trial's TensorFlow event files. */
export class TfEventsCollector {
  private readonly files = new Map<string, FileCursor>();
  private readonly metricNames: readonly string[];

  /**
   * @param dir - the metrics directory (need not exist yet).
   * @param metricNames - objective then additional metric names.
   */
  constructor(
    readonly dir: string,
    metricNames: readonly string[],
  ) {
    this.metricNames = metricNames;
  }

  /** Files that could not be read to the end, with why. */
  get problems(): readonly string[] {
    const out: string[] = [];
    for (const [file, c] of this.files) {
      const p =
        c.problem ??
        (c.reader.problem ? `${c.reader.problem.message} at byte ${c.reader.problem.offset}` : undefined);
      if (p) out.push(`${path.relative(this.dir, file)}: ${p}`);
    }
    return out;
  }

  /** Reads what the event files gained since the last poll; returns the new metric logs. */
  async poll(): Promise<MetricLog[]> {
    const found: { file: string; relativeDir: string }[] = [];
    await this.walk(this.dir, '', 0, found);
    const logs: MetricLog[] = [];
    for (const { file, relativeDir } of found.sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
    )) {
      let c = this.files.get(file);
      if (!c) {
        c = { offset: 0, reader: new TfRecordReader(), relativeDir };
        this.files.set(file, c);
      }
      if (c.reader.problem || c.problem) continue;
      for (const record of await this.readNew(file, c)) {
        let event: TfEvent;
        try {
          event = decodeTfEvent(record);
        } catch (err) {
          c.problem = `undecodable event: ${err instanceof Error ? err.message : String(err)}`;
          break;
        }
        this.toLogs(event, c.relativeDir, logs);
      }
    }
    return logs;
  }

  private toLogs(event: TfEvent, relativeDir: string, out: MetricLog[]): void {
    if (event.scalars.length === 0) return;
    const timeStamp = new Date(Math.round(event.wallTime * 1000)).toISOString();
    for (const s of event.scalars) {
      for (const name of this.metricNames) {
        if (!matchesMetric(name, s.tag, relativeDir)) continue;
        out.push({ timeStamp, metricName: name, value: formatScalar(s.value), step: event.step });
      }
    }
  }

  private async readNew(file: string, c: FileCursor): Promise<Uint8Array[]> {
    const records: Uint8Array[] = [];
    let handle;
    try {
      handle = await open(file, 'r');
    } catch {
      return records; // removed between listing and reading
    }
    try {
      const buf = new Uint8Array(READ_CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, READ_CHUNK, c.offset);
        if (bytesRead === 0) break;
        c.offset += bytesRead;
        records.push(...c.reader.push(buf.slice(0, bytesRead)));
        if (c.reader.problem) break;
      }
    } finally {
      await handle.close();
    }
    return records;
  }

  private async walk(
    dir: string,
    relative: string,
    depth: number,
    out: { file: string; relativeDir: string }[],
  ): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // not there (yet)
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && depth < MAX_DEPTH) {
        await this.walk(full, relative === '' ? e.name : `${relative}/${e.name}`, depth + 1, out);
      } else if (e.isFile() && e.name.includes('tfevents')) {
        out.push({ file: full, relativeDir: relative });
      }
    }
  }
}

/**
 * True when metric `name` designates summary tag `tag` of a file in `relativeDir` (posix
 * separators, `''` for the metrics directory itself): `name` is the tag, or `P/tag` with
 * `relativeDir` equal to `P` or ending in `/P`.
 */
export function matchesMetric(name: string, tag: string, relativeDir: string): boolean {
  if (name === tag) return true;
  if (!name.endsWith(`/${tag}`)) return false;
  const prefix = name.slice(0, name.length - tag.length - 1);
  return relativeDir === prefix || relativeDir.endsWith(`/${prefix}`);
}

/**
 * A summary value as text: float32 values (most summaries) get the shortest decimal that reads
 * back as the same float32 (`0.1`, not `0.10000000149011612`); others their JS form.
 */
export function formatScalar(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.fround(v) === v) {
    for (let p = 1; p <= 9; p++) {
      const s = Number(v.toPrecision(p));
      if (Math.fround(s) === v) return String(s);
    }
  }
  return String(v);
}
