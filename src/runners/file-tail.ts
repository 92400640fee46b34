/**
 * Follows a file that another process appends to, by reading from a remembered offset (no
 * inotify, so it works the same on every file system). Internal to src/runners.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { errnoCode } from './runner-events.js';

const READ_CHUNK = 64 * 1024;
/** At most this much is returned by one `read()`; the rest waits for the next poll. */
const MAX_READ_PER_POLL = 1024 * 1024;

/**
 * The appended text of one file, decoded as UTF-8 without splitting a character across reads.
 *
 * - A file that does not exist yet reads as empty until it appears.
 * - A file that shrinks (truncated and rewritten) is read again from its start.
 * - A file replaced by another (rename over it) is followed to the new file, from its start.
 */
export class FileTail {
  /** The file followed. */
  readonly path: string;
  #offset: number;
  #handle: FileHandle | undefined;
  #ino: number | undefined;
  #decoder = new StringDecoder('utf8');
  #closed = false;

  /** Follows `path` from byte `offset` (default 0). */
  constructor(path: string, offset = 0) {
    this.path = path;
    this.#offset = offset;
  }

  /**
   * The text appended since the last call ('' when none).
   * @throws the file system's error for anything but the file not existing (EACCES, EISDIR, …)
   */
  async read(limit = MAX_READ_PER_POLL): Promise<string> {
    if (this.#closed) return '';
    let text = '';
    if (this.#handle !== undefined && (await this.#replaced())) {
      // Finish the old file, then start on the new one.
      text = (await this.#readOpen(this.#handle, Number.POSITIVE_INFINITY)) + this.#decoder.end();
      await this.#handle.close();
      this.#handle = undefined;
      this.#offset = 0;
      this.#decoder = new StringDecoder('utf8');
    }
    if (this.#handle === undefined) {
      let handle: FileHandle;
      try {
        handle = await open(this.path, 'r');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return text;
        throw err;
      }
      this.#handle = handle;
      this.#ino = (await handle.stat()).ino;
    }
    return text + (await this.#readOpen(this.#handle, limit));
  }

  async #readOpen(handle: FileHandle, limit: number): Promise<string> {
    const { size } = await handle.stat();
    if (size < this.#offset) {
      this.#offset = 0;
      this.#decoder = new StringDecoder('utf8');
    }
    const parts: string[] = [];
    let total = 0;
    const buf = Buffer.alloc(READ_CHUNK);
    while (total < limit) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.#offset);
      if (bytesRead === 0) break;
      this.#offset += bytesRead;
      total += bytesRead;
      parts.push(this.#decoder.write(buf.subarray(0, bytesRead)));
    }
    return parts.join('');
  }

  /** Reads everything left, flushes a trailing partial character and closes the file. */
  async end(): Promise<string> {
    if (this.#closed) return '';
    let text = '';
    try {
      text = await this.read(Number.POSITIVE_INFINITY);
    } finally {
      text += this.#decoder.end();
      await this.close();
    }
    return text;
  }

  /** Closes the file without reading further. */
  async close(): Promise<void> {
    this.#closed = true;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  /** True when the path now names another file than the one open. */
  async #replaced(): Promise<boolean> {
    try {
      return (await stat(this.path)).ino !== this.#ino;
    } catch {
      return false; // removed: keep reading what the open handle still sees
    }
  }
}
