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
 * Appends to `ends` the position of each LF in `data` that ends a record, given whether `data`
 * starts inside a quoted cell, and says whether it ends inside one. A quote opens a quoted cell and
 * the next quote closes it; a doubled quote inside closes and reopens it, which comes to the same.
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

function ndjsonRecordEnds(data: Buffer, _startsQuoted: boolean, ends: number[]): boolean {
  for (let newline = data.indexOf(LF); newline !== -1; newline = data.indexOf(LF, newline + 1)) ends.push(newline);
  return false;
}

/**
 * Copies `rest` (the start of a record from earlier chunks) and the records of `chunk` up to its
 * last record end into one buffer, each record's LF replaced by `terminator`.
 */
function joinRecords(rest: Buffer | undefined, chunk: Buffer, ends: readonly number[], terminator: Buffer): Buffer {
  const extra = terminator.length - 1;
  const restLength = rest?.length ?? 0;
  const out = Buffer.allocUnsafe(restLength + ends[ends.length - 1]! + 1 + extra * ends.length);
  let at = rest ? rest.copy(out, 0) : 0;
  let from = 0;
  for (const end of ends) {
    at += chunk.copy(out, at, from, end);
    at += terminator.copy(out, at);
    from = end + 1;
  }
  return out;
}

function recordReader(
  findEnds: (data: Buffer, startsQuoted: boolean, ends: number[]) => boolean,
  seqAt: (data: Buffer, start: number) => number,
  terminator: Buffer,
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
      // NDJSON lines pass unchanged: without an earlier partial line, no copy is needed.
      const bytes = !rest && terminator === LF_ONLY ? chunk.subarray(0, lastEnd + 1) : joinRecords(rest, chunk, ends, terminator);
      const lastStart = ends.length > 1 ? bytes.length - (lastEnd - ends[ends.length - 2]!) - (terminator.length - 1) : 0;
      rest = lastEnd + 1 < chunk.length ? chunk.subarray(lastEnd + 1) : undefined;
      return { bytes, rows: ends.length, firstSeq: seqAt(bytes, 0), lastSeq: seqAt(bytes, lastStart) };
    },
    end() {
      if (rest && rest.length > 0) throw new Error(`COPY output ended inside a row (${rest.length} bytes)`);
    },
  };
}

const CRLF = Buffer.from('\r\n');
const LF_ONLY = Buffer.from('\n');

/** The records with CRLF endings, as csv.ts writes them. */
export const csvRecordReader = (): CopyRecordReader => recordReader(csvRecordEnds, csvSeqAt, CRLF);

/** NDJSON lines as they are: COPY already ends each with LF. */
export const ndjsonRecordReader = (): CopyRecordReader => recordReader(ndjsonRecordEnds, ndjsonSeqAt, LF_ONLY);
