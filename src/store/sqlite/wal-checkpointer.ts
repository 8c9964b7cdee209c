// Checkpoints of the SQLite file's write-ahead log, off the thread that commits.
//
// Left to itself, SQLite checkpoints in the commit that takes the WAL past 1,000 pages, on the
// connection that commits: it copies the WAL's pages into the database file and fsyncs that file
// before the commit returns. better-sqlite3 runs on the serving thread, so every few commits that
// thread stopped for the copy and the fsync (in-process ingest in batches of 100: 9,000 events/s
// with it, 12,100 without, and 15 µs less CPU an event). SQLite's documentation names the way
// out: turn the automatic checkpoint off on that connection and checkpoint from another thread.
// Here that is a worker thread with a connection of its own that runs a PASSIVE checkpoint every
// `intervalMs` (PASSIVE never waits for, nor blocks, readers and the writer; a checkpoint that
// readers keep from finishing goes on at the next). The writer starts the log afresh once a
// checkpoint has copied all of it, as it would after its own.
//
// Durability is unchanged: a commit is durable when its WAL frames are synced (synchronous =
// FULL on the serving connection); the checkpoint only moves committed pages into the file, and
// its connection syncs the file before the WAL may be reused. If the worker cannot start or
// dies, the serving connection checkpoints inline again, as SQLite does by default.
//
// The worker is plain JavaScript evaluated as a string (as page-workers.ts explains): it needs
// nothing but the driver.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = FULL');
// A checkpoint that fails (the file busy with another process's checkpoint, say) is tried again
// at the next round; the connection that commits never waits for it.
const checkpoint = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage(result);
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** SQLite's default: a checkpoint in the commit that takes the WAL past this many pages. */
const INLINE_AUTOCHECKPOINT_PAGES = 1000;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** What a checkpoint reported: frames in the WAL, frames copied into the file, and whether it found a lock held; or why it failed. */
export type CheckpointResult = { busy: number; log: number; checkpointed: number } | { error: string };

export interface WalCheckpointerOptions {
  /** Between two PASSIVE checkpoints (default 200 ms). */
  intervalMs?: number;
  /** Told of each checkpoint (tests). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

/**
 * Takes the checkpoints of `db`'s file off `db`'s thread. `db` must be a file in WAL mode. Returns
 * the stop function: the worker's last checkpoint finishes, its connection closes.
 */
export function checkpointOffThread(db: Database, file: string, options: WalCheckpointerOptions = {}): { stop(): Promise<void> } {
  db.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { driver, file, intervalMs: options.intervalMs ?? 200 } });
  // The checkpoints must not keep an otherwise finished process alive.
  worker.unref();
  worker.on('message', (result: CheckpointResult) => options.onCheckpoint?.(result));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const inlineAgain = () => {
    if (stopping || !db.open) return;
    db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on('error', inlineAgain);
  worker.on('exit', inlineAgain);
  return {
    async stop() {
      stopping = true;
      // Waiting for it to end must keep the process alive until it has.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
