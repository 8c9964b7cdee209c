// What a witness remembers: for each log origin, the latest checkpoint it cosigned (size and
// root). One small file per origin in the state directory, replaced atomically (write, fsync,
// rename, fsync the directory), so a crash leaves the old state or the new, never half of one.
// Checks and updates of one origin run one at a time (C2SP tlog-witness requires it: two
// interleaved submissions could otherwise roll the state back).

import { createHash } from 'node:crypto';
import { mkdirSync, openSync, closeSync, fsyncSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WitnessedTree {
  origin: string;
  size: number;
  /** base64 root hash */
  root: string;
  /** The note as cosigned (its body and the log's signature). */
  note: string;
}

export function createWitnessState(dir: string) {
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });
  const queues = new Map<string, Promise<unknown>>();
  const fileOf = (origin: string) => join(logsDir, `${createHash('sha256').update(origin).digest('hex')}.json`);

  function read(origin: string): WitnessedTree | undefined {
    try {
      return JSON.parse(readFileSync(fileOf(origin), 'utf8')) as WitnessedTree;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  function write(tree: WitnessedTree): void {
    const file = fileOf(tree.origin);
    const partial = `${file}.partial`;
    writeFileSync(partial, JSON.stringify(tree), { mode: 0o600 });
    const handle = openSync(partial, 'r');
    try { fsyncSync(handle); } finally { closeSync(handle); }
    renameSync(partial, file);
    const directory = openSync(logsDir, 'r');
    try { fsyncSync(directory); } finally { closeSync(directory); }
  }

  /** Runs `work` with the origin's current state, alone among calls for that origin; it may write the new state. */
  function withOrigin<T>(origin: string, work: (current: WitnessedTree | undefined, save: (tree: WitnessedTree) => void) => Promise<T> | T): Promise<T> {
    const previous = queues.get(origin) ?? Promise.resolve();
    const job = previous.catch(() => undefined).then(() => work(read(origin), write));
    queues.set(origin, job);
    void job.catch(() => undefined).finally(() => {
      if (queues.get(origin) === job) queues.delete(origin);
    });
    return job;
  }

  return { withOrigin, read };
}

export type WitnessState = ReturnType<typeof createWitnessState>;
