// The spill file: events that could not go to Stele yet, one JSON line each, appended and flushed
// to disk (fdatasync) before they leave memory, so a restart of the application keeps them. It is
// read from where delivery stands and emptied once all of it is delivered. After a crash the whole
// file is sent again from its start: the events keep their client ids, so Stele stores each once.
// One process per file: a lock file beside it says which.

import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PreparedEvent } from '../event.js';

export interface SpillRead {
  events: PreparedEvent[];
  /** The bytes these lines take in the file (advance() by this once they are delivered). */
  bytes: number;
  /** Lines that were not an event (a torn or edited line), skipped. */
  unreadable: number;
}

export interface SpillFile {
  readonly path: string;
  /** Lines the file held when it was opened: events a previous run left to send. */
  readonly linesAtOpen: number;
  /** Bytes in the file, delivered ones included until the file is emptied. */
  size(): number;
  /** Appends the events and flushes them to disk; resolves with the bytes written and the events that are not JSON (left out). */
  append(events: readonly PreparedEvent[]): Promise<{ bytes: number; unwritable: PreparedEvent[] }>;
  /** Up to `max` events from where delivery stands. */
  read(max: number): Promise<SpillRead>;
  /** The next `bytes` of the file are delivered; reading goes on after them. */
  advance(bytes: number): void;
  /** True when every line has been delivered. */
  drained(): boolean;
  /** Empties the file when every line has been delivered (an append may have come in between); says whether it did. */
  reset(): Promise<boolean>;
  close(): Promise<void>;
}

const READ_CHUNK = 256 * 1024;

function lockOwnerAlive(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined; // no lock file, or its process is gone
  }
}

async function countLines(file: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(READ_CHUNK);
  let lines = 0;
  for (let position = 0; position < size;) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, size - position), position);
    if (bytesRead === 0) break;
    for (let at = chunk.indexOf(0x0a); at !== -1 && at < bytesRead; at = chunk.indexOf(0x0a, at + 1)) lines++;
    position += bytesRead;
  }
  return lines;
}

/** Opens (or creates) the spill file; a line torn by a crash at its end is cut off. */
export async function openSpillFile(path: string): Promise<SpillFile> {
  mkdirSync(dirname(path), { recursive: true });
  const lockFile = `${path}.lock`;
  const owner = lockOwnerAlive(lockFile);
  if (owner !== undefined) throw new Error(`the spill file ${path} is in use by process ${owner}; give each process its own`);
  writeFileSync(lockFile, `${process.pid}\n`);

  const file: FileHandle = await open(path, 'a+');
  let size = (await file.stat()).size;
  if (size > 0) {
    // A crash in the middle of an append leaves a line without its newline: it never was complete.
    const tail = Buffer.alloc(Math.min(size, READ_CHUNK));
    let end = size;
    for (;;) {
      const from = Math.max(0, end - tail.length);
      const { bytesRead } = await file.read(tail, 0, end - from, from);
      const newline = tail.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline !== -1) {
        end = from + newline + 1;
        break;
      }
      if (from === 0) {
        end = 0;
        break;
      }
      end = from;
    }
    if (end !== size) {
      await file.truncate(end);
      size = end;
    }
  }
  const linesAtOpen = await countLines(file, size);
  let readOffset = 0;
  // One operation at a time: an append never interleaves with a read or the emptying.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    path,
    linesAtOpen,
    size: () => size,
    append: (events) => serial(async () => {
      const lines: string[] = [];
      const unwritable: PreparedEvent[] = [];
      for (const event of events) {
        try {
          lines.push(JSON.stringify(event));
        } catch {
          unwritable.push(event); // a BigInt or a cycle: no JSON form
        }
      }
      if (lines.length === 0) return { bytes: 0, unwritable };
      const text = Buffer.from(`${lines.join('\n')}\n`);
      await file.write(text, 0, text.length, null);
      await file.datasync();
      size += text.length;
      return { bytes: text.length, unwritable };
    }),
    read: (max) => serial(async () => {
      const result: SpillRead = { events: [], bytes: 0, unreadable: 0 };
      let position = readOffset;
      let carry = Buffer.alloc(0);
      while (result.events.length + result.unreadable < max && position < size) {
        const chunk = Buffer.alloc(Math.min(READ_CHUNK, size - position));
        const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        let text = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        let newline: number;
        while (result.events.length + result.unreadable < max && (newline = text.indexOf(0x0a)) !== -1) {
          const line = text.subarray(0, newline).toString('utf8');
          result.bytes += newline + 1;
          text = text.subarray(newline + 1);
          try {
            const event = JSON.parse(line) as PreparedEvent;
            if (typeof event?.id === 'string' && typeof event.action === 'string') result.events.push(event);
            else result.unreadable++;
          } catch {
            result.unreadable++;
          }
        }
        carry = text;
      }
      return result;
    }),
    advance(bytes) {
      readOffset = Math.min(size, readOffset + bytes);
    },
    drained: () => readOffset >= size,
    reset: () => serial(async () => {
      if (readOffset < size) return false;
      await file.truncate(0);
      size = 0;
      readOffset = 0;
      return true;
    }),
    close: () => serial(async () => {
      await file.close();
      try {
        unlinkSync(lockFile);
      } catch {
        // already gone
      }
    }),
  };
}
