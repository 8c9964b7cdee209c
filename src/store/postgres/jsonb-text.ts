// jsonb's text, as COPY writes it, turned into the text JavaScript writes for the same value:
// JSON.stringify(JSON.parse(text)), which is what the JavaScript export path produces from a row
// that node-pg parsed. The two differ by the spaces jsonb puts after `:` and `,`, which are simply
// dropped, and in a few rare values JavaScript reads differently, which are handed to JSON.parse
// and JSON.stringify themselves:
// - a key that may be an array index (digits): JavaScript lists those first in an object, jsonb
//   orders keys by length, then bytes;
// - a number that JavaScript would not write the same: beyond 15 characters (its double may need
//   rounding, or it is 1e21 and up, which JavaScript writes with an exponent), below 1e-6 (the
//   same), or with a trailing zero in its fraction (only another writer than Stele stores those);
// - anything but an object (only another writer than Stele stores those).
// Strings are escaped alike by both (jsonb's escape_json and JSON.stringify escape `"`, `\` and
// control characters the same way, and neither escapes anything else), so they are copied.
//
// The text may arrive inside a quoted CSV cell, where each `"` is doubled: `quoteWidth` is 2 then.

import { BACKSLASH, BRACE, COLON, DIGIT_0, DIGIT_9, DOT, MINUS, QUOTE, SPACE } from './ascii.js';

const SMALL_NUMBER = Buffer.from('0.000000');
const MAX_NUMBER_LENGTH = 15;

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= DIGIT_0 && byte <= DIGIT_9;
const isNumberByte = (byte: number | undefined): boolean => isDigit(byte) || byte === DOT || byte === MINUS;

/** False for a number token that JavaScript would write differently (see the list above). */
function sameNumberInJavaScript(text: Buffer, from: number, to: number): boolean {
  const start = text[from] === MINUS ? from + 1 : from;
  if (to - start > MAX_NUMBER_LENGTH) return false;
  let fraction = false;
  for (let i = start; i < to; i++) if (text[i] === DOT) fraction = true;
  if (fraction && text[to - 1] === DIGIT_0) return false;
  return !(to - start > SMALL_NUMBER.length && text.compare(SMALL_NUMBER, 0, SMALL_NUMBER.length, start, start + SMALL_NUMBER.length) === 0);
}

/**
 * Writes JavaScript's text for the jsonb text in `text[from, to)` into `out` at `at` and returns
 * the position after it, or -1 when the value is one of the rare ones this does not rewrite (what
 * was written is then garbage). Requires `out` to have room for `to - from` bytes at `at`, which
 * is enough: the result is never longer.
 */
export function writeJavaScriptJson(text: Buffer, from: number, to: number, quoteWidth: 1 | 2, out: Buffer, at: number): number {
  if (text[from] !== BRACE) return -1;
  // Bytes are written one by one: the runs between spaces are short, and Buffer#copy costs more.
  let i = from;
  while (i < to) {
    const byte = text[i]!;
    if (byte === QUOTE) {
      const first = text[i + quoteWidth];
      for (let q = 0; q < quoteWidth; q++) out[at++] = text[i++]!;
      // Inside a string every `"` is escaped, so the first one not after a backslash closes it.
      while (i < to && text[i] !== QUOTE) {
        if (text[i] === BACKSLASH) {
          out[at++] = text[i++]!;
          if (text[i] === QUOTE) for (let q = 1; q < quoteWidth; q++) out[at++] = text[i++]!;
        }
        out[at++] = text[i++]!;
      }
      if (i >= to) return -1;
      for (let q = 0; q < quoteWidth; q++) out[at++] = text[i++]!;
      if (text[i] === COLON && isDigit(first)) return -1;
    } else if (byte === SPACE) {
      i += 1;
    } else if (byte === MINUS || isDigit(byte)) {
      const start = i;
      while (i < to && isNumberByte(text[i])) out[at++] = text[i++]!;
      if (!sameNumberInJavaScript(text, start, i)) return -1;
    } else {
      out[at++] = byte;
      i += 1;
    }
  }
  return at;
}

/** The exact way for any value: what the JavaScript path does to the text node-pg receives. */
export const javaScriptJson = (jsonbText: string): string => JSON.stringify(JSON.parse(jsonbText));
