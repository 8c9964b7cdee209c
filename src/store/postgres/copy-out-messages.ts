// Runs a COPY ... TO STDOUT and collects its protocol messages as they arrived, for native code to
// read (native/stele_postgres.c). pg-copy-streams takes every row's message apart in JavaScript,
// about a microsecond per row, which is as much as verifying it; here JavaScript only steps from
// one message header to the next, and the bytes stay as the socket delivered them.
//
// Like pg-copy-streams, it takes the connection's socket over from pg while the COPY runs, and
// hands it back at the first message that is not part of the COPY's data (CopyDone, or an error),
// so pg reads the end of the statement, and any error, as it reads any other.

import { Buffer } from 'node:buffer';
import type pg from 'pg';

// Messages that may come while a COPY sends its rows: CopyOutResponse, CopyData, and what a server
// may send at any time (notices, parameter changes, notifications).
const COPY_MESSAGES = new Set([0x48, 0x64, 0x4e, 0x53, 0x41]);
const HEADER_SIZE = 5; // type byte, then the length of the rest (itself included) as an int32

type DataListener = (chunk: Buffer) => void;

/**
 * Steps over a COPY's messages chunk by chunk, keeping them, up to the first message that is not
 * part of its data.
 */
export class CopyDataScanner {
  /** The COPY's messages so far, in the chunks they came in. */
  readonly chunks: Buffer[] = [];
  // Bytes of the next chunk on that belong to messages already stepped over.
  private ahead = 0;
  // The start of a chunk too short to hold the next message header, waiting for the next chunk.
  private carry: Buffer | undefined;

  /** Keeps the chunk's COPY messages; returns the rest, from the first message that is not one, once it comes. */
  push(incoming: Buffer): Buffer | undefined {
    const chunk = this.carry ? Buffer.concat([this.carry, incoming]) : incoming;
    this.carry = undefined;
    let at = this.ahead;
    while (at + HEADER_SIZE <= chunk.length) {
      if (!COPY_MESSAGES.has(chunk[at] as number)) {
        this.chunks.push(chunk.subarray(0, at));
        return chunk.subarray(at);
      }
      at += 1 + chunk.readUInt32BE(at + 1);
    }
    if (at >= chunk.length) {
      this.chunks.push(chunk);
      this.ahead = at - chunk.length;
    } else {
      // A header cut by the chunk's end: keep the chunk's whole messages, carry the start of the next.
      this.chunks.push(chunk.subarray(0, at));
      this.carry = chunk.subarray(at);
      this.ahead = 0;
    }
    return undefined;
  }
}

class CopyOutMessages implements pg.Submittable {
  readonly done: Promise<Buffer[]>;
  private resolve!: (chunks: Buffer[]) => void;
  private reject!: (error: Error) => void;
  private failure: Error | undefined;
  private readonly scanner = new CopyDataScanner();

  constructor(private readonly statement: string) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const socket = connection.stream;
    const [pgListener, ...others] = socket.listeners('data') as DataListener[];
    if (!pgListener || others.length > 0) throw new Error('expected pg to be the only reader of its connection');
    const onData = (chunk: Buffer) => {
      const rest = this.scanner.push(chunk);
      if (rest === undefined) return;
      socket.removeListener('data', onData);
      socket.on('data', pgListener);
      pgListener(rest);
    };
    socket.removeListener('data', pgListener);
    socket.on('data', onData);
    connection.query(this.statement);
  }

  /** Set by pg when the client has a query_timeout: told of the end, so it stops the timer. */
  callback: ((error: Error | undefined) => void) | undefined;

  handleError(error: Error): void {
    this.failure ??= error;
    this.reject(error);
    this.callback?.(error);
  }

  handleRowDescription(): void {
    this.failure ??= new Error('the statement is not a COPY TO STDOUT');
  }

  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}

  handleReadyForQuery(): void {
    if (this.failure) this.reject(this.failure);
    else this.resolve(this.scanner.chunks);
    this.callback?.(this.failure);
  }
}

/**
 * The protocol messages of `statement`, a COPY ... TO STDOUT, from its CopyOutResponse to its last
 * CopyData, in the chunks they came in (cut anywhere, even inside a message header). Rejects with
 * the server's error when the statement fails.
 */
export function copyOutMessages(client: pg.ClientBase, statement: string): Promise<Buffer[]> {
  const copy = new CopyOutMessages(statement);
  client.query(copy);
  return copy.done;
}
