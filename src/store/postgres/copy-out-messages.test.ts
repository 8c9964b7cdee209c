// Reading a COPY's messages off the socket: the scanner finds the end of the COPY's data wherever
// the socket cuts its chunks, and on a real server a COPY is read whole, a failing one rejects
// with the server's error, and the connection goes on serving queries either way.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PG_URL, POSTGRES_SKIP_REASON } from '../testing/test-stores.js';
import { CopyDataScanner, copyOutMessages } from './copy-out-messages.js';

const message = (type: string, body: Buffer | string) => {
  const payload = Buffer.from(body);
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
};

// A COPY's data as a server sends it (a notice among the rows), then what ends the statement.
const COPY_PART = Buffer.concat([
  message('H', Buffer.from([1, 0, 1, 0, 1])),
  message('d', 'PGCOPY\n\xff\r\n\0 and the first row'),
  message('d', ''),
  message('N', 'SNOTICE\0Mbe careful\0\0'),
  message('d', 'x'.repeat(300)),
  message('d', 'ab'),
]);
const END_PART = Buffer.concat([message('c', ''), message('C', 'COPY 3\0'), message('Z', 'I')]);

function scan(cuts: number[]): { copy: Buffer; rest: Buffer | undefined } {
  const bytes = Buffer.concat([COPY_PART, END_PART]);
  const scanner = new CopyDataScanner();
  let rest: Buffer | undefined;
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const chunk = bytes.subarray(from, to);
    from = to;
    if (rest) rest = Buffer.concat([rest, chunk]); // what pg would read next
    else rest = scanner.push(chunk);
  }
  return { copy: Buffer.concat(scanner.chunks), rest };
}

describe('CopyDataScanner', () => {
  it('keeps exactly the COPY\'s messages and hands back the rest, wherever the chunks are cut', () => {
    const length = COPY_PART.length + END_PART.length;
    for (let a = 1; a < length; a++) {
      for (const cuts of [[a], [a, Math.min(a + 3, length - 1)], [a, Math.min(a + 7, length - 1)]]) {
        const { copy, rest } = scan([...new Set(cuts)].filter((c) => c < length));
        assert.deepEqual(copy, COPY_PART, `cut at ${cuts}`);
        assert.deepEqual(rest, END_PART, `cut at ${cuts}`);
      }
    }
    // One byte at a time.
    const { copy, rest } = scan(Array.from({ length: length - 1 }, (_, i) => i + 1));
    assert.deepEqual([copy, rest], [COPY_PART, END_PART]);
  });

  it('hands everything back when the statement fails at once', () => {
    const error = message('E', 'SERROR\0Mno such column\0\0');
    const scanner = new CopyDataScanner();
    assert.deepEqual(scanner.push(error), error);
    assert.deepEqual(Buffer.concat(scanner.chunks), Buffer.alloc(0));
  });
});

describe('copyOutMessages on PostgreSQL', { skip: POSTGRES_SKIP_REASON }, () => {
  let client: pg.Client;
  before(async () => {
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
  });
  after(() => client.end());

  it('reads a COPY of many chunks whole, and the connection serves queries after it', async () => {
    const rows = 20_000;
    const chunks = await copyOutMessages(client, `COPY (SELECT g, repeat('x', g % 50) FROM generate_series(1, ${rows}) g) TO STDOUT`);
    assert.ok(chunks.length > 1, 'the COPY came in more than one chunk');
    // Text COPY: one CopyData message per row; count the rows' line ends in the payloads.
    const bytes = Buffer.concat(chunks);
    let dataMessages = 0;
    let lines = 0;
    for (let at = 0; at < bytes.length; at += 1 + bytes.readUInt32BE(at + 1)) {
      if (bytes[at] !== 0x64) continue;
      dataMessages++;
      if (bytes[at + 1 + bytes.readUInt32BE(at + 1) - 1] === 0x0a) lines++;
    }
    assert.deepEqual([dataMessages, lines], [rows, rows]);
    assert.deepEqual((await client.query('SELECT 41 + 1 AS answer')).rows, [{ answer: 42 }]);
  });

  it('rejects with the server\'s error, and the connection serves queries after it', async () => {
    await assert.rejects(copyOutMessages(client, 'COPY (SELECT no_such_column) TO STDOUT'), /no_such_column/);
    await assert.rejects(copyOutMessages(client, 'COPY (SELECT 1 / (g - 500) FROM generate_series(1, 1000) g) TO STDOUT'), /division by zero/);
    assert.deepEqual((await client.query('SELECT 41 + 1 AS answer')).rows, [{ answer: 42 }]);
  });

  it('refuses a statement that is not a COPY', async () => {
    await assert.rejects(copyOutMessages(client, 'SELECT 1'), /not a COPY/);
    assert.deepEqual((await client.query('SELECT 41 + 1 AS answer')).rows, [{ answer: 42 }]);
  });
});
