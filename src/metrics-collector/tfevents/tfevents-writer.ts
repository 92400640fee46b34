/**
 * Writes TensorFlow event files (`events.out.tfevents.<seconds>.<host>`) that TensorBoard and the
 * `TensorFlowEvent` collector read: for Node trial code that wants TensorBoard-compatible logs, and
 * for tests. Each `scalar` call appends one framed, checksummed record synchronously, so a value
 * is on disk before the call returns.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeTfEvent } from './event.js';
import { frameTfRecord } from './tfrecord.js';

/** Options of {@link TfEventsWriter}. */
export interface TfEventsWriterOptions {
  /** Clock, seconds since the epoch. @default Date.now() / 1000 */
  readonly now?: () => number;
  /** Write TF2's tensor form instead of `simple_value`. @default false */
  readonly tensorScalars?: boolean;
}

/** Appends scalar summaries to a new event file in `dir`. */
export class TfEventsWriter {
  /** The file written to. */
  readonly file: string;
  private readonly now: () => number;

  constructor(
    dir: string,
    private readonly opts: TfEventsWriterOptions = {},
  ) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    mkdirSync(dir, { recursive: true });
    const start = this.now();
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(start)}.${os.hostname()}`);
    appendFileSync(
      this.file,
      frameTfRecord(encodeTfEvent({ wallTime: start, fileVersion: 'brain.Event:2' })),
    );
  }

  /** Records `value` for `tag` at `step`. */
  scalar(tag: string, value: number, step: number): void {
    const as = this.opts.tensorScalars ? 'tensor' : 'simple';
    appendFileSync(
      this.file,
      frameTfRecord(encodeTfEvent({ wallTime: this.now(), step, scalars: [{ tag, value, as }] })),
    );
  }
}
