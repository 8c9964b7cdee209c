// Cuts the byte stream of a COPY ... TO STDOUT into runs of whole rows, counting them and reading
// the first and last seq, so the export can tally what it sent. The stream arrives in socket-sized
// chunks that end anywhere; the unfinished row is kept for the next chunk. COPY ends every CSV
// record with LF, where csv.ts writes CRLF: the CSV reader inserts the CR before each LF that ends
// a record, telling those from line breaks inside a quoted cell by following the quotes.

import type { EncodedRows } from '../port.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const DIGIT_0 = 0x30;
const NDJSON_SEQ = Buffer.from(',"seq":');

export interface CopyRecordReader {
  /** The rows that `chunk` completes, or undefined when it completes none. */
  read(chunk: Buffer): EncodedRows | undefined;
  /** Requires the stream to have ended; throws when it ended inside a row (a truncated COPY). */
  end(): void;
}

/** The decimal digits at `at`, as a number. */
function digitsAt(data: Buffer, at: number): number {
  let value = 0;
  for (let i = at; i < data.length && data[i]! >= DIGIT_0 && data[i]! <= DIGIT_0 + 9; i++) value = value * 10 + data[i]! - DIGIT_0;
  return value;
}

/** seq is the third cell of a CSV record; the two before it are times, which hold no comma. */
const csvSeqAt = (data: Buffer, start: number): number =>
  digitsAt(data, data.indexOf(COMMA, data.indexOf(COMMA, start) + 1) + 1);

/** seq follows the id; `,"seq":` cannot occur inside the id's JSON string, where `"` is escaped. */
const ndjsonSeqAt = (data: Buffer, start: number): number =>
  digitsAt(data, data.indexOf(NDJSON_SEQ, start) + NDJSON_SEQ.length);

/**
 * The positions of the LFs that end a record in `data`, which starts at a record's start. A quote
 * opens a quoted cell and the next quote closes it; a doubled quote inside closes and reopens it,
 * which comes to the same.
 */
function csvRecordEnds(data: Buffer, ends: number[]): void {
  let quote = data.indexOf(QUOTE);
  let newline = data.indexOf(LF);
  while (newline !== -1) {
    if (quote === -1 || newline < quote) {
      ends.push(newline);
      newline = data.indexOf(LF, newline + 1);
      continue;
    }
    const close = data.indexOf(QUOTE, quote + 1);
    if (close === -1) return;
    quote = data.indexOf(QUOTE, close + 1);
    if (newline < close) newline = data.indexOf(LF, close + 1);
  }
}

function ndjsonRecordEnds(data: Buffer, ends: number[]): void {
  for (let newline = data.indexOf(LF); newline !== -1; newline = data.indexOf(LF, newline + 1)) ends.push(newline);
}

function recordReader(
  findEnds: (data: Buffer, ends: number[]) => void,
  seqAt: (data: Buffer, start: number) => number,
  write: (data: Buffer, ends: readonly number[]) => Buffer,
): CopyRecordReader {
  let rest: Buffer | undefined;
  const ends: number[] = [];
  return {
    read(chunk) {
      const data = rest ? Buffer.concat([rest, chunk]) : chunk;
      ends.length = 0;
      findEnds(data, ends);
      if (ends.length === 0) {
        rest = data;
        return undefined;
      }
      const lastEnd = ends[ends.length - 1]!;
      rest = lastEnd + 1 < data.length ? data.subarray(lastEnd + 1) : undefined;
      return {
        bytes: write(data, ends),
        rows: ends.length,
        firstSeq: seqAt(data, 0),
        lastSeq: seqAt(data, ends.length > 1 ? ends[ends.length - 2]! + 1 : 0),
      };
    },
    end() {
      if (rest && rest.length > 0) throw new Error(`COPY output ended inside a row (${rest.length} bytes)`);
    },
  };
}

/** The records with CRLF endings, as csv.ts writes them. */
function withCrlf(data: Buffer, ends: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(ends[ends.length - 1]! + 1 + ends.length);
  let from = 0;
  let at = 0;
  for (const end of ends) {
    at += data.copy(out, at, from, end);
    out[at++] = CR;
    out[at++] = LF;
    from = end + 1;
  }
  return out;
}

export const csvRecordReader = (): CopyRecordReader => recordReader(csvRecordEnds, csvSeqAt, withCrlf);

/** NDJSON lines pass as they are: COPY already ends each with LF. */
export const ndjsonRecordReader = (): CopyRecordReader =>
  recordReader(ndjsonRecordEnds, ndjsonSeqAt, (data, ends) => data.subarray(0, ends[ends.length - 1]! + 1));
