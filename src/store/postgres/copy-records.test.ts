import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { csvRecordReader, ndjsonRecordReader, type CopyRecordReader } from './copy-records.js';

interface Run { rows: number; firstSeq: number; lastSeq: number }

/** Feeds `text` to the reader cut at `cuts`, and joins what comes out. */
function readAll(reader: CopyRecordReader, text: string, cuts: number[] = []): { text: string; rows: number; runs: Run[] } {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces = [...at, bytes.length].map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end)).filter((p) => p.length > 0);
  const out: Buffer[] = [];
  const runs: Run[] = [];
  for (const piece of pieces) {
    const run = reader.read(piece);
    if (!run) continue;
    out.push(Buffer.from(run.bytes));
    runs.push({ rows: run.rows, firstSeq: run.firstSeq, lastSeq: run.lastSeq });
  }
  reader.end();
  return { text: Buffer.concat(out).toString(), rows: runs.reduce((n, r) => n + r.rows, 0), runs };
}

/** Seqs are consecutive in these tests, so each run's first and last seq follow from the rows before it. */
function assertSeqs(runs: Run[], first: number): void {
  let next = first;
  for (const run of runs) {
    assert.deepEqual([run.firstSeq, run.lastSeq], [next, next + run.rows - 1]);
    next += run.rows;
  }
}

const T0 = Date.parse('2026-05-01T12:59:58.120Z');
const time = (i: number) => T0 + i * 1001;
// jsonb text as PostgreSQL writes it, and JavaScript's text for it.
const DETAILS: [string | null, string | null][] = [
  [null, null],
  ['{"a": 1, "b": [1, 2.5, -3], "c": {"d": null, "e": true}}', '{"a":1,"b":[1,2.5,-3],"c":{"d":null,"e":true}}'],
  ['{"s": "x, \\"y\\": z\\\\", "t": "\\n\\u0001é🚀"}', '{"s":"x, \\"y\\": z\\\\","t":"\\n\\u0001é🚀"}'],
  ['{"b": 1, "10": 2}', '{"10":2,"b":1}'],
  ['{"big": 1000000000000000000000, "tiny": 0.0000001}', '{"big":1e+21,"tiny":1e-7}'],
  ['{}', '{}'],
  ['-5', '-5'],
];

// A CSV cell as COPY writes it: quoted when it holds a quote, comma, CR or LF.
const copyCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

describe('finishing CSV records out of a COPY stream', () => {
  const record = (i: number, cells: string[], details: string | null) =>
    [String(time(i)), String(time(i) + 5), String(100 + i), ...cells, details ?? ''].map((c, k) => (k < 3 ? c : copyCell(c))).join(',');
  const row = (i: number, cells: string[], details: string | null) =>
    [new Date(time(i)).toISOString(), new Date(time(i) + 5).toISOString(), String(100 + i), ...cells.map(copyCell),
      details === null ? '' : /^-/.test(details) ? `'${details}` : copyCell(details)].join(',');

  it('writes ISO times, JavaScript details and CRLF endings, and keeps line breaks inside quoted cells', () => {
    const cells = [['a\nb', 'say "hi"', ''], ['cr\ronly', '"\n"', ',']];
    const input = DETAILS.map(([jsonb], i) => `${record(i, cells[i % 2]!, jsonb)}\n`).join('');
    const { text, rows, runs } = readAll(csvRecordReader(), input);
    assert.equal(text, DETAILS.map(([, js], i) => `${row(i, cells[i % 2]!, js)}\r\n`).join(''));
    assert.equal(rows, DETAILS.length);
    assertSeqs(runs, 100);
  });

  it('gives the same bytes, rows and seqs wherever the stream is cut', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'é', '🚀', ' ') });
    fc.assert(fc.property(fc.array(fc.array(cell, { maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (cells, cuts) => {
      const input = cells.map((c, i) => `${record(i, c, DETAILS[i % DETAILS.length]![0])}\n`).join('');
      const { text, rows, runs } = readAll(csvRecordReader(), input, cuts);
      assert.equal(text, cells.map((c, i) => `${row(i, c, DETAILS[i % DETAILS.length]![1])}\r\n`).join(''));
      assert.equal(rows, cells.length);
      assertSeqs(runs, 100);
    }), { numRuns: 300 });
  });

  it('refuses a stream that ends inside a record', () => {
    const reader = csvRecordReader();
    reader.read(Buffer.from(record(1, ['"open\n'], null)));
    assert.throws(() => reader.end(), /ended inside a row/);
  });
});

describe('finishing NDJSON records out of a COPY stream', () => {
  const head = (i: number) => `{"id":${JSON.stringify(`x,"seq":99\n"${i}`)},"seq":${100 + i},"tenant_id":"t","action":"a","category":"c"`;
  const middle = (i: number) => (i % 2 ? ',"actor":{"id":"u"},"success":true' : '');
  const tail = ',"leaf_hash":"aa","chain_hash":"bb"}';
  const record = (i: number, jsonb: string | null) => [time(i), time(i) + 5, jsonb ?? '', head(i), middle(i), tail].join('\u0002');
  const line = (i: number, js: string | null) =>
    `${head(i)},"occurred_at":"${new Date(time(i)).toISOString()}","received_at":"${new Date(time(i) + 5).toISOString()}"${middle(i)}${js === null ? '' : `,"details":${js}`}${tail}`;

  it('puts the times after category and details before the hashes, wherever the stream is cut', () => {
    const input = DETAILS.map(([jsonb], i) => `${record(i, jsonb)}\n`).join('');
    const expected = DETAILS.map(([, js], i) => `${line(i, js)}\n`).join('');
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
      const { text, rows, runs } = readAll(ndjsonRecordReader(), input, cuts);
      assert.equal(text, expected);
      assert.equal(rows, DETAILS.length);
      assertSeqs(runs, 100);
    }), { numRuns: 100 });
    for (const l of expected.split('\n').slice(0, -1)) JSON.parse(l);
  });
});
