/**
 * RFC 3339 time stamps as Go's `time.Parse(time.RFC3339Nano, …)` reads them, and the one form in
 * which the collectors write them. Internal to the metrics collector; no I/O.
 */

/** Katib's zero time (`time.Time{}` in UTC): the stamp of the "unavailable" marker log. */
export const KATIB_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Epoch milliseconds of {@link KATIB_ZERO_TIME}. */
export const KATIB_ZERO_TIME_MS = -62_135_596_800_000;

/** First and last epoch milliseconds whose ISO form has a four-digit year (0000–9999). */
const MIN_FOUR_DIGIT_YEAR_MS = -62_167_219_200_000;
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/** A parsed RFC 3339 stamp: exact (nanoseconds) for ordering, and rounded down to milliseconds. */
export interface ParsedTimeStamp {
  /** Nanoseconds since the Unix epoch; exact, for comparing stamps with sub-millisecond digits. */
  readonly epochNanos: bigint;
  /** Milliseconds since the Unix epoch, rounded down. */
  readonly epochMillis: number;
}

// Go's RFC3339 layout: uppercase `T` and `Z`, two-digit offset parts, any number of fraction digits.
const RFC3339_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses an RFC 3339 stamp with optional fractional seconds (`2024-05-01T12:00:00.25+02:00`), with
 * the range checks Go applies (month, day of month, hour < 24, minute and second < 60).
 *
 * @returns the instant, or `undefined` when `text` is not such a stamp.
 */
export function parseTimeStamp(text: string): ParsedTimeStamp | undefined {
  const m = RFC3339_PATTERN.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offH, offM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const oh = Number(offH);
    const om = Number(offM);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0–99 to 1900–1999, so set the full year explicitly.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const wholeSecondMs = date.getTime() - offsetMinutes * 60_000;
  const nanosOfSecond = Number(((fraction ?? '') + '000000000').slice(0, 9));
  return {
    epochNanos: BigInt(wholeSecondMs / 1000) * 1_000_000_000n + BigInt(nanosOfSecond),
    epochMillis: wholeSecondMs + Math.floor(nanosOfSecond / 1_000_000),
  };
}

/**
 * Formats epoch milliseconds as the collectors' canonical stamp, `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC,
 * always three fraction digits, so stamps sort as strings).
 *
 * @returns the stamp, or `undefined` when the instant is not finite or its year is outside 0000–9999.
 */
export function formatTimeStamp(epochMillis: number): string | undefined {
  if (!Number.isFinite(epochMillis)) return undefined;
  const ms = Math.floor(epochMillis);
  if (ms < MIN_FOUR_DIGIT_YEAR_MS || ms > MAX_FOUR_DIGIT_YEAR_MS) return undefined;
  return new Date(ms).toISOString();
}

/** Reads an RFC 3339 stamp and rewrites it in the canonical form; `undefined` when it is not one. */
export function normalizeTimeStamp(text: string): string | undefined {
  const parsed = parseTimeStamp(text);
  return parsed === undefined ? undefined : formatTimeStamp(parsed.epochMillis);
}

/**
 * A clock that never goes backwards: each reading is the later of `now()` and the previous
 * reading. Used for lines that carry no stamp of their own, so their stamps keep the output order.
 */
export class MonotonicClock {
  private last: number | undefined;

  /** @param now - the wall clock, injected for tests. */
  constructor(private readonly now: () => Date) {}

  /** The current canonical stamp, never earlier than the previous one. */
  read(): string {
    let ms = this.now().getTime();
    if (!Number.isFinite(ms)) ms = this.last ?? KATIB_ZERO_TIME_MS;
    if (this.last !== undefined && ms < this.last) ms = this.last;
    const text = formatTimeStamp(ms);
    if (text === undefined) {
      // A clock outside years 0000–9999: keep the previous reading (or the zero time).
      return formatTimeStamp(this.last ?? KATIB_ZERO_TIME_MS) ?? KATIB_ZERO_TIME;
    }
    this.last = ms;
    return text;
  }
}
