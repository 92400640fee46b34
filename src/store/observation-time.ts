/**
 * Observation-log times in a form that sorts as text: UTC with exactly nine fractional digits,
 * `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`. Collectors report RFC 3339 times with any offset and any
 * precision (Go's RFC3339Nano gives up to nine digits, JavaScript three), so comparing the strings
 * as written would misorder `…00.5+01:00` and `…00.25Z`; comparing the sortable form never does.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Nanosecond digits kept; further digits are truncated, as Go's time parser does. */
const FRACTION_DIGITS = 9;

/**
 * The sortable UTC form of an RFC 3339 time (`T`, `t` or a space between date and time; `Z` or a
 * `±HH:MM` offset), or undefined when `text` is not a valid RFC 3339 time in years 0000–9999.
 * Leap seconds (`:60`) are rejected, as Go's parser rejects them.
 */
export function toSortableTime(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zulu, sign, offHour, offMinute] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const oh = Number(offHour);
    const om = Number(offMinute);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(h, mi, s, 0);
  at.setTime(at.getTime() - offsetMinutes * 60_000);
  const utc = at.getUTCFullYear();
  if (utc < 0 || utc > 9999) return undefined;
  const digits = fraction.slice(0, FRACTION_DIGITS).padEnd(FRACTION_DIGITS, '0');
  return `${at.toISOString().slice(0, 19)}.${digits}Z`;
}

/**
 * The RFC 3339 form a store returns for a sortable time: UTC, trailing zeros of the fraction
 * dropped but at least three digits kept, so `Date.prototype.toISOString()` output round-trips
 * unchanged and nanosecond times keep their precision.
 */
export function fromSortableTime(sortable: string): string {
  const dot = sortable.indexOf('.');
  if (dot < 0) return sortable;
  const fraction = sortable
    .slice(dot + 1, -1)
    .replace(/0+$/, '')
    .padEnd(3, '0');
  return `${sortable.slice(0, dot)}.${fraction}Z`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Metric logs in the order a store's `getObservationLog` returns them once written: by time stamp,
 * logs with equal stamps in the order they were written (a stable sort on the sortable form). The
 * same list when it is in that order already. Stamps must be valid RFC 3339 (as
 * `appendObservations` requires).
 */
export function inStoredOrder<T extends { readonly timeStamp: string }>(logs: readonly T[]): readonly T[] {
  const keyed = logs.map((log) => ({ log, key: toSortableTime(log.timeStamp) ?? '' }));
  let sorted = true;
  for (let i = 1; i < keyed.length && sorted; i++) sorted = keyed[i - 1]!.key <= keyed[i]!.key;
  if (sorted) return logs;
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.log);
}
