// Turns the byte stream of a COPY ... TO STDOUT of postgres-row-encodings.ts into export rows,
// counting them and reading the first and last seq, so the export can tally what it sent.
//
// The stream arrives in socket-sized chunks that end anywhere; a record cut by a chunk's end is
// kept for the next one. A record is finished here in three ways that cost PostgreSQL far more
// than JavaScript: the times come as milliseconds and are written as ISO text, details come as
// jsonb text and are rewritten as JavaScript writes them (jsonb-text.ts), and CSV records, which
// COPY ends with LF, end with CRLF as csv.ts writes them. CSV records are told apart from line
// breaks inside quoted cells by following the quotes.

import type { EncodedRows } from '../port.js';
import { createIsoTimeWriter } from './iso-times.js';
import { javaScriptJson, writeJavaScriptJson } from './jsonb-text.js';
import { COMMA, CR, DIGIT_0, LF, MINUS, QUOTE } from './ascii.js';

/** The NDJSON encoding's column delimiter (see postgres-row-encodings.ts). */
const DELIMITER = 0x02;
const COMMA_QUOTE = Buffer.from(',"');
const NDJSON_SEQ = Buffer.from(',"seq":');
const OCCURRED_AT = Buffer.from(',"occurred_at":"');
const RECEIVED_AT = Buffer.from('","received_at":"');
const DETAILS = Buffer.from(',"details":');

/** What finishing may add to a record at most: two ISO times and, for NDJSON, their keys and details' key. */
const GROWTH_PER_RECORD = 128;

export interface CopyRecordReader {
  /** The rows that `chunk` completes, or undefined when it completes none. */
  read(chunk: Buffer): EncodedRows | undefined;
  /** Requires the stream to have ended; throws when it ended inside a row (a truncated COPY). */
  end(): void;
}

/** Reads integers out of records without allocating: `next` is where the last one read stopped, past its delimiter. */
function integerReader() {
  const reader = {
    next: 0,
    /** The integer written in `data` from `at` up to the byte `stop`. */
    read(data: Buffer, at: number, stop: number): number {
      const negative = data[at] === MINUS;
      let value = 0;
      let i = negative ? at + 1 : at;
      for (; data[i] !== stop; i++) value = value * 10 + data[i]! - DIGIT_0;
      reader.next = i + 1;
      return negative ? -value : value;
    },
  };
  return reader;
}

const seqReader = integerReader();

/** seq is the third cell of a CSV row; the two before it are times, which hold no comma. */
const csvSeqAt = (row: Buffer, start: number): number => seqReader.read(row, row.indexOf(COMMA, row.indexOf(COMMA, start) + 1) + 1, COMMA);

/** seq follows the id; `,"seq":` cannot occur inside the id's JSON string, where `"` is escaped. */
const ndjsonSeqAt = (row: Buffer, start: number): number => seqReader.read(row, row.indexOf(NDJSON_SEQ, start) + NDJSON_SEQ.length, COMMA);

/**
 * Appends to `ends` the position of each LF in `data` that ends a record, given whether `data`
 * starts inside a quoted cell, and says whether it ends inside one. A quote opens a quoted cell and
 * the next quote closes it; a doubled quote inside closes and reopens it, which comes to the same.
 * (Jumping from quote to quote with indexOf measured twice as fast as a loop over every byte.)
 */
function csvRecordEnds(data: Buffer, startsQuoted: boolean, ends: number[]): boolean {
  let quoted = startsQuoted;
  let quote = data.indexOf(QUOTE);
  let newline = data.indexOf(LF);
  for (;;) {
    if (quoted) {
      if (quote === -1) return true;
      quoted = false;
      if (newline !== -1 && newline < quote) newline = data.indexOf(LF, quote + 1);
      quote = data.indexOf(QUOTE, quote + 1);
    } else if (newline !== -1 && (quote === -1 || newline < quote)) {
      ends.push(newline);
      newline = data.indexOf(LF, newline + 1);
    } else if (quote !== -1) {
      quoted = true;
      quote = data.indexOf(QUOTE, quote + 1);
    } else {
      return false;
    }
  }
}

/** NDJSON records hold no raw line break (JSON escapes them), so every LF ends one. */
function ndjsonRecordEnds(data: Buffer, _startsQuoted: boolean, ends: number[]): boolean {
  for (let newline = data.indexOf(LF); newline !== -1; newline = data.indexOf(LF, newline + 1)) ends.push(newline);
  return false;
}

/** Writes the record `data[start, end)` (its LF excluded) as an export row at `at`; returns the position after it. */
type FinishRecord = (data: Buffer, start: number, end: number, out: Buffer, at: number) => number;

/** Writes `text` as UTF-8 at `at`; throws rather than let the end of `out` cut it short. */
function writeText(text: string, out: Buffer, at: number): number {
  const length = Buffer.byteLength(text);
  if (at + length > out.length) throw new Error(`a finished row outgrew its buffer (${at + length} > ${out.length} bytes)`);
  return at + out.write(text, at, 'utf8');
}

/** csv.ts's csvCell, for the rare details that go through JSON.stringify here. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r＝＋－＠']/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The details cell `data[from, to)` (jsonb text, quoted by COPY when it holds a quote or comma), as csv.ts writes it. */
function writeCsvDetails(data: Buffer, from: number, to: number, out: Buffer, at: number): number {
  if (from === to) return at;
  const quoted = data[from] === QUOTE;
  if (quoted) {
    out[at] = QUOTE;
    const next = writeJavaScriptJson(data, from + 1, to - 1, 2, out, at + 1);
    if (next !== -1) {
      out[next] = QUOTE;
      return next + 1;
    }
  } else {
    const next = writeJavaScriptJson(data, from, to, 1, out, at);
    if (next !== -1) return next;
  }
  const jsonb = quoted ? data.toString('utf8', from + 1, to - 1).replaceAll('""', '"') : data.toString('utf8', from, to);
  return writeText(csvCell(javaScriptJson(jsonb)), out, at);
}

/** COPY's record: occurred_at ms, received_at ms, the cells from seq to request_id as they will be, details' jsonb text. */
function csvFinisher(): FinishRecord {
  const writeTime = createIsoTimeWriter();
  const integers = integerReader();
  return (data, start, end, out, at) => {
    const occurred = integers.read(data, start, COMMA);
    const received = integers.read(data, integers.next, COMMA);
    const seq = integers.next;
    // The details cell is the last. Quoted, it starts after the last `,"`: inside it no quote follows
    // a comma (jsonb writes a space after each, and a backslash before a quote in a string).
    // Unquoted, it holds no comma.
    const details = data[end - 1] === QUOTE ? data.lastIndexOf(COMMA_QUOTE, end - 1) + 1 : data.lastIndexOf(COMMA, end - 1) + 1;
    at = writeTime(occurred, out, at);
    out[at++] = COMMA;
    at = writeTime(received, out, at);
    out[at++] = COMMA;
    at += data.copy(out, at, seq, details);
    at = writeCsvDetails(data, details, end, out, at);
    out[at++] = CR;
    out[at++] = LF;
    return at;
  };
}

/** COPY's record: occurred_at ms, received_at ms, details' jsonb text, the line up to category, up to success, the hashes. */
function ndjsonFinisher(): FinishRecord {
  const writeTime = createIsoTimeWriter();
  const integers = integerReader();
  return (data, start, end, out, at) => {
    const occurred = integers.read(data, start, DELIMITER);
    const received = integers.read(data, integers.next, DELIMITER);
    const details = integers.next;
    const detailsEnd = data.indexOf(DELIMITER, details);
    const headEnd = data.indexOf(DELIMITER, detailsEnd + 1);
    const middleEnd = data.indexOf(DELIMITER, headEnd + 1);
    at += data.copy(out, at, detailsEnd + 1, headEnd);
    at += OCCURRED_AT.copy(out, at);
    at = writeTime(occurred, out, at);
    at += RECEIVED_AT.copy(out, at);
    at = writeTime(received, out, at);
    out[at++] = QUOTE;
    at += data.copy(out, at, headEnd + 1, middleEnd);
    if (detailsEnd > details) {
      at += DETAILS.copy(out, at);
      const next = writeJavaScriptJson(data, details, detailsEnd, 1, out, at);
      at = next !== -1 ? next : writeText(javaScriptJson(data.toString('utf8', details, detailsEnd)), out, at);
    }
    at += data.copy(out, at, middleEnd + 1, end);
    out[at++] = LF;
    return at;
  };
}

function recordReader(
  findEnds: (data: Buffer, startsQuoted: boolean, ends: number[]) => boolean,
  finish: FinishRecord,
  seqAt: (row: Buffer, start: number) => number,
): CopyRecordReader {
  let rest: Buffer | undefined;
  let quoted = false;
  const ends: number[] = [];
  return {
    read(chunk) {
      ends.length = 0;
      quoted = findEnds(chunk, quoted, ends);
      if (ends.length === 0) {
        rest = rest ? Buffer.concat([rest, chunk]) : chunk;
        return undefined;
      }
      const lastEnd = ends[ends.length - 1]!;
      const out = Buffer.allocUnsafe((rest?.length ?? 0) + lastEnd + 1 + GROWTH_PER_RECORD * ends.length);
      // The first record may have begun in earlier chunks.
      const first = rest ? Buffer.concat([rest, chunk.subarray(0, ends[0])]) : chunk;
      let at = finish(first, 0, rest ? first.length : ends[0]!, out, 0);
      let lastStart = 0;
      for (let k = 1; k < ends.length; k++) {
        lastStart = at;
        at = finish(chunk, ends[k - 1]! + 1, ends[k]!, out, at);
      }
      // A typed array drops writes past its end without a word; a row must never be cut that way.
      if (at > out.length) throw new Error(`finished rows outgrew their buffer (${at} > ${out.length} bytes)`);
      rest = lastEnd + 1 < chunk.length ? chunk.subarray(lastEnd + 1) : undefined;
      const bytes = out.subarray(0, at);
      return { bytes, rows: ends.length, firstSeq: seqAt(bytes, 0), lastSeq: seqAt(bytes, lastStart) };
    },
    end() {
      if (rest && rest.length > 0) throw new Error(`COPY output ended inside a row (${rest.length} bytes)`);
    },
  };
}

export const csvRecordReader = (): CopyRecordReader => recordReader(csvRecordEnds, csvFinisher(), csvSeqAt);

export const ndjsonRecordReader = (): CopyRecordReader => recordReader(ndjsonRecordEnds, ndjsonFinisher(), ndjsonSeqAt);
