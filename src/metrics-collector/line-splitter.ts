/**
 * Cuts a stream of chunks into lines, the same lines whatever the chunking. Internal to the
 * metrics collector; no I/O.
 */
import { TextDecoder } from 'node:util';

/** Default longest line kept, in UTF-16 code units (1 Mi); longer lines are dropped and counted. */
export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;

/** Counters a line splitter keeps for diagnostics. */
export interface LineCounts {
  /** Complete lines handed on. */
  readonly lines: number;
  /** Lines dropped for being longer than the limit. */
  readonly oversizedLines: number;
}

/**
 * Splits text or UTF-8 bytes into lines.
 *
 * - A line ends at `\n`, `\r\n` or a lone `\r` (progress bars rewrite their line with `\r`); a
 *   `\r\n` split across two chunks is still one line end.
 * - Text after the last line end is held until more arrives or {@link LineSplitter.end}.
 * - Bytes are decoded as UTF-8 in streaming mode, so a character split across chunks survives;
 *   invalid bytes become U+FFFD.
 * - A line longer than `maxLineLength` is dropped whole and counted, so memory stays bounded and
 *   the outcome still does not depend on the chunking.
 */
export class LineSplitter {
  private pending = '';
  private discarding = false;
  private afterCarriageReturn = false;
  private decoder: TextDecoder | undefined;
  private lineCount = 0;
  private oversizedCount = 0;

  /** @param maxLineLength - longest line kept, in UTF-16 code units. */
  constructor(private readonly maxLineLength: number = DEFAULT_MAX_LINE_LENGTH) {}

  /** Feeds a chunk; returns the lines it completes, without their line ends. */
  push(chunk: string | Uint8Array): string[] {
    const out: string[] = [];
    if (typeof chunk === 'string') {
      this.flushDecoder(out);
      this.feed(chunk, out);
    } else {
      this.decoder ??= new TextDecoder('utf-8');
      this.feed(this.decoder.decode(chunk, { stream: true }), out);
    }
    return out;
  }

  /** Ends the stream; returns the last line when the text did not end with a line end. */
  end(): string[] {
    const out: string[] = [];
    this.flushDecoder(out);
    if (this.pending !== '' || this.discarding) this.finishLine(out);
    this.afterCarriageReturn = false;
    return out;
  }

  /** Lines handed on and lines dropped so far. */
  counts(): LineCounts {
    return { lines: this.lineCount, oversizedLines: this.oversizedCount };
  }

  private flushDecoder(out: string[]): void {
    if (this.decoder === undefined) return;
    const rest = this.decoder.decode();
    this.decoder = undefined;
    if (rest !== '') this.feed(rest, out);
  }

  private feed(text: string, out: string[]): void {
    let start = 0;
    if (this.afterCarriageReturn && text.length > 0) {
      // The `\n` of a `\r\n` whose `\r` ended the previous chunk.
      if (text.charCodeAt(0) === 0x0a) start = 1;
      this.afterCarriageReturn = false;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.append(text.slice(start, i));
      this.finishLine(out);
      if (c === 0x0d) {
        if (i + 1 === text.length) this.afterCarriageReturn = true;
        else if (text.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    if (start < text.length) this.append(text.slice(start));
  }

  private append(piece: string): void {
    if (this.discarding || piece === '') return;
    if (this.pending.length + piece.length > this.maxLineLength) {
      this.discarding = true;
      this.pending = '';
      return;
    }
    this.pending += piece;
  }

  private finishLine(out: string[]): void {
    if (this.discarding) {
      this.oversizedCount++;
      this.discarding = false;
    } else {
      out.push(this.pending);
      this.lineCount++;
    }
    this.pending = '';
  }
}

/**
 * A {@link LineSplitter} whose lines go through a parser: `push` and `end` return what the
 * parser makes of the lines they complete, and everything after the first `end` is ignored
 * (returns nothing), as the `MetricsCollector` contract wants.
 */
export class LineParser<T> {
  private readonly lines: LineSplitter;
  private ended = false;

  /**
   * @param parseLine - called once per complete line, in order; appends its results to `out`.
   * @param maxLineLength - longest line kept, in UTF-16 code units.
   */
  constructor(
    private readonly parseLine: (line: string, out: T[]) => void,
    maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
  ) {
    this.lines = new LineSplitter(maxLineLength);
  }

  /** Feeds a chunk; returns the results of the lines it completes. Ignored after `end()`. */
  push(chunk: string | Uint8Array): T[] {
    if (this.ended) return [];
    return this.parseAll(this.lines.push(chunk));
  }

  /** Ends the stream; returns the results of a last line without a line end. Later calls return nothing. */
  end(): T[] {
    if (this.ended) return [];
    this.ended = true;
    return this.parseAll(this.lines.end());
  }

  /** Lines handed on and lines dropped so far. */
  counts(): LineCounts {
    return this.lines.counts();
  }

  private parseAll(lines: readonly string[]): T[] {
    const out: T[] = [];
    for (const line of lines) this.parseLine(line, out);
    return out;
  }
}
