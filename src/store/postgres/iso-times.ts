// Date#toISOString for times in milliseconds, written as bytes. PostgreSQL's to_char costs more
// per row than anything else in a CSV row but details, and toISOString itself costs ~0.5 µs; rows
// in seq order share their day for thousands of rows, so `YYYY-MM-DDT` is computed once per day
// and the time of day by arithmetic.

import { COLON, DIGIT_0 } from './ascii.js';

const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const DAY = 86_400_000;
const DATE_LENGTH = 'YYYY-MM-DDT'.length;

export type IsoTimeWriter = (ms: number, out: Buffer, at: number) => number;

/** A writer with its own day cache: writes the 24 bytes at `at` and returns the position after. */
export function createIsoTimeWriter(): IsoTimeWriter {
  let day = Number.NaN;
  const date = Buffer.alloc(DATE_LENGTH);
  const twoDigits = (value: number, out: Buffer, at: number) => {
    out[at] = DIGIT_0 + ((value / 10) | 0);
    out[at + 1] = DIGIT_0 + (value % 10);
  };
  return (ms, out, at) => {
    // Outside years 0000-9999 toISOString writes a signed six-digit year; let it.
    if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS)) return at + out.write(new Date(ms).toISOString(), at, 'latin1');
    const thisDay = Math.floor(ms / DAY);
    if (thisDay !== day) {
      day = thisDay;
      date.write(new Date(thisDay * DAY).toISOString(), 0, DATE_LENGTH, 'latin1');
    }
    // A byte loop: Buffer#copy costs more than these 11 bytes.
    for (let i = 0; i < DATE_LENGTH; i++) out[at + i] = date[i]!;
    at += DATE_LENGTH;
    // Within a day the arithmetic fits 32-bit integers, which V8 divides far faster than doubles.
    const inDay = (ms - thisDay * DAY) | 0;
    const millis = inDay % 1000;
    const seconds = ((inDay - millis) / 1000) | 0;
    twoDigits((seconds / 3600) | 0, out, at);
    out[at + 2] = COLON;
    twoDigits(((seconds / 60) | 0) % 60, out, at + 3);
    out[at + 5] = COLON;
    twoDigits(seconds % 60, out, at + 6);
    out[at + 8] = 0x2e; // .
    out[at + 9] = DIGIT_0 + ((millis / 100) | 0);
    twoDigits(millis % 100, out, at + 10);
    out[at + 12] = 0x5a; // Z
    return at + 13;
  };
}
