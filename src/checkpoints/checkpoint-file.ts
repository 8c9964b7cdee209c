// STELE_CHECKPOINT_FILE: every checkpoint is appended to a file outside the database, and the file
// is read back, so the largest checkpoint ever published for each tenant is known even when the
// database forgets it (a restored backup, deleted rows). Several nodes may append to the same
// file (a shared volume): each read picks up what was appended since the last one. Notes not
// signed by the instance key are ignored (logged once): the file is evidence only where signed.

import { open, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { NoteError, openCheckpointByKey, parseCheckpoint, parseNote, splitNotes, type OpenedCheckpoint } from '@stele/integrity';
import { tenantOfOrigin } from './log-origin.js';

export interface CheckpointFileLogger {
  warn(object: object, message: string): void;
}

const CHUNK_BYTES = 1 << 20;

export function createCheckpointFile(options: { path: string; publicKey: KeyObject; logger: CheckpointFileLogger }) {
  const largest = new Map<string, OpenedCheckpoint>();
  let offset = 0;
  let pending = '';
  const decoder = new StringDecoder('utf8');
  let reading: Promise<void> | undefined;

  /** Keeps the note when it is the largest of its tenant so far; only then is its signature checked. */
  function consider(note: string): void {
    let size: number;
    let tenantId: string | undefined;
    try {
      const checkpoint = parseCheckpoint(parseNote(note).body);
      size = checkpoint.size;
      tenantId = tenantOfOrigin(checkpoint.origin);
    } catch {
      options.logger.warn({ file: options.path }, 'the checkpoint file holds text that is not a checkpoint; it is ignored');
      return;
    }
    if (tenantId === undefined || (largest.get(tenantId)?.size ?? -1) >= size) return;
    try {
      largest.set(tenantId, openCheckpointByKey(note, options.publicKey));
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      options.logger.warn({ file: options.path, tenantId, size, err: error }, 'the checkpoint file holds a checkpoint not signed by this instance key; it is ignored');
    }
  }

  async function readNew(): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(options.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        // The decoder keeps a UTF-8 sequence cut by the chunk boundary (the signature lines' em dash) for the next chunk.
        const { notes, incomplete } = splitNotes(pending + decoder.write(buffer.subarray(0, bytesRead)));
        notes.forEach(consider);
        pending = incomplete ?? '';
      }
    } finally {
      await handle.close();
    }
  }

  /** Reads what was appended since the last call; concurrent callers share one read. */
  function refresh(): Promise<void> {
    reading ??= readNew().finally(() => { reading = undefined; });
    return reading;
  }

  return {
    path: options.path,
    refresh,
    /** The largest signed checkpoint of the tenant in the file, after reading what is new. */
    async largest(tenantId: string): Promise<OpenedCheckpoint | undefined> {
      await refresh();
      return largest.get(tenantId);
    },
    /** Appends the note and flushes it to disk: the outside copy must survive a crash of this host. */
    async append(note: string): Promise<void> {
      await mkdir(dirname(options.path), { recursive: true });
      const handle = await open(options.path, 'a');
      try {
        await handle.appendFile(`${note}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
  };
}

export type CheckpointFile = ReturnType<typeof createCheckpointFile>;
