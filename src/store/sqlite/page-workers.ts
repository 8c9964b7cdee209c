// Worker threads that run the canonical-rows page statement on read-only connections of their
// own. better-sqlite3 is synchronous, so this is the only way for SQLite to build a page while the
// main thread does something else.
//
// The worker is a few lines of plain JavaScript given its SQL, evaluated as a string: a worker
// thread starts outside whatever TypeScript loader runs the main thread (tsx in development),
// and this way it needs nothing but the driver.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PageArgs, PageResult } from './sqlite-canonical-rows.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
if (workerData.extension) db.loadExtension(workerData.extension);
const page = db.prepare(workerData.pageSql);
const idAt = db.prepare(workerData.idSql).pluck();
// A blob that owns its whole memory moves to the main thread instead of being copied.
const movable = (b) => b && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? [b.buffer] : [];
parentPort.on('message', ({ id, args }) => {
  try {
    const row = page.get(args);
    const lastId = row.last_seq === null ? null : idAt.get({ tenantId: args.tenantId, seq: row.last_seq });
    parentPort.postMessage({ id, result: { page: row, lastId } }, [...movable(row.texts), ...movable(row.leaf_hashes), ...movable(row.chain_hashes)]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

/** The workers could not start or died: the caller reads on its own connection instead. */
export class WorkersUnavailable extends Error {}

interface PageWorkerOptions {
  file: string;
  pageSql: string;
  idSql: string;
  /** A SQLite extension each connection loads first (the statements may call its functions). */
  extension: string | undefined;
  size: number;
}

interface Reply {
  id: number;
  result?: PageResult;
  error?: string;
}

interface Waiting {
  resolve: (result: PageResult) => void;
  reject: (error: Error) => void;
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** Started on the first read; requests go to the worker with the fewest in hand. */
export function pageWorkers(options: PageWorkerOptions) {
  let pool: { worker: Worker; waiting: Map<number, Waiting> }[] | undefined;
  let broken = false;
  let nextId = 0;

  function start() {
    return Array.from({ length: options.size }, () => {
      // No inherited flags: the source is a CommonJS script whatever the main thread was started with.
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { driver, file: options.file, pageSql: options.pageSql, idSql: options.idSql, extension: options.extension } });
      const entry = { worker, waiting: new Map<number, Waiting>() };
      // Idle workers must not keep the process alive; a worker with work in hand does.
      worker.unref();
      worker.on('message', (reply: Reply) => {
        const waiting = entry.waiting.get(reply.id);
        entry.waiting.delete(reply.id);
        if (entry.waiting.size === 0) worker.unref();
        if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
        else if (reply.result) waiting?.resolve(reply.result);
      });
      const fail = (error: unknown) => {
        broken = true;
        for (const waiting of entry.waiting.values()) waiting.reject(new WorkersUnavailable(`page worker failed: ${(error as Error)?.message ?? error}`));
        entry.waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
      return entry;
    });
  }

  return {
    read(args: PageArgs): Promise<PageResult> {
      if (broken) return Promise.reject(new WorkersUnavailable('page workers are unavailable'));
      pool ??= start();
      const entry = pool.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
      const id = nextId++;
      return new Promise<PageResult>((resolve, reject) => {
        entry.waiting.set(id, { resolve, reject });
        entry.worker.ref();
        entry.worker.postMessage({ id, args });
      });
    },
    async close(): Promise<void> {
      const workers = pool ?? [];
      pool = undefined;
      broken = true;
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}
