import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { csvRecordReader, ndjsonRecordReader, type CopyRecordReader } from './copy-records.js';

/** Feeds `text` to the reader cut at `cuts`, and joins what comes out. */
function readAll(reader: CopyRecordReader, text: string, cuts: number[] = []): { text: string; rows: number; seqs: number[]; runs: { rows: number; firstSeq: number; lastSeq: number }[] } {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces = [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end));
  const out: Buffer[] = [];
  let rows = 0;
  const seqs: number[] = [];
  const runs: { rows: number; firstSeq: number; lastSeq: number }[] = [];
  for (const piece of [bytes.subarray(0, 0), ...pieces]) {
    const run = piece.length === 0 ? undefined : reader.read(piece);
    if (!run) continue;
    out.push(Buffer.from(run.bytes));
    rows += run.rows;
    seqs.push(run.firstSeq, run.lastSeq);
    runs.push({ rows: run.rows, firstSeq: run.firstSeq, lastSeq: run.lastSeq });
  }
  reader.end();
  return { text: Buffer.concat(out).toString(), rows, seqs, runs };
}

// A CSV record as COPY writes it: cells quoted when they hold a quote, comma, CR or LF.
const copyCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
const record = (seq: number, cells: string[]) => ['2026-05-01T12:00:00.000Z', '2026-05-01T12:00:00.001Z', String(seq), ...cells].map(copyCell).join(',');

describe('reading CSV records out of a COPY stream', () => {
  it('ends each record with CRLF and keeps line breaks inside quoted cells as they are', () => {
    const copy = `${record(1, ['a\nb', 'say "hi"', ''])}\n${record(2, ['cr\ronly', '"\n"'])}\n`;
    const { text, rows, seqs } = readAll(csvRecordReader(), copy);
    assert.equal(text, `${record(1, ['a\nb', 'say "hi"', ''])}\r\n${record(2, ['cr\ronly', '"\n"'])}\r\n`);
    assert.equal(rows, 2);
    assert.deepEqual(seqs, [1, 2]);
  });

  it('gives the same bytes, rows and seqs wherever the stream is cut', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'é', '🚀', ' ') });
    fc.assert(fc.property(fc.array(fc.array(cell, { maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (cells, cuts) => {
      const records = cells.map((c, i) => record(100 + i, c));
      const { text, rows, runs } = readAll(csvRecordReader(), records.map((r) => `${r}\n`).join(''), cuts);
      assert.equal(text, records.map((r) => `${r}\r\n`).join(''));
      assert.equal(rows, records.length);
      // Seqs here are consecutive, so each run's first and last seq follow from the rows before it.
      let next = 100;
      for (const run of runs) {
        assert.deepEqual([run.firstSeq, run.lastSeq], [next, next + run.rows - 1]);
        next += run.rows;
      }
    }), { numRuns: 300 });
  });

  it('refuses a stream that ends inside a record', () => {
    const reader = csvRecordReader();
    reader.read(Buffer.from(`${record(1, ['"open\n'])}`));
    assert.throws(() => reader.end(), /ended inside a row/);
  });
});

describe('reading NDJSON lines out of a COPY stream', () => {
  it('passes lines through and reads seq after the id, whatever the id holds', () => {
    const lines = [1, 2, 3].map((seq) => `${JSON.stringify({ id: `x,"seq":99\n"`, seq, tenant_id: 't' })}\n`).join('');
    for (const cuts of [[], [1], [5, 40, 41, 77]]) {
      const { text, rows, seqs } = readAll(ndjsonRecordReader(), lines, cuts);
      assert.equal(text, lines);
      assert.equal(rows, 3);
      assert.equal(seqs[0], 1);
      assert.equal(seqs.at(-1), 3);
    }
  });
});
