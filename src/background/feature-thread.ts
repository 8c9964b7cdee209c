// A feature's work on a thread of its own beside the one that serves requests (the streams
// deliverer): the serving thread's side. It starts the thread and waits until
// it says it is ready, passes the feature's messages both ways, does what the thread asks of the
// serving thread (thread-port.ts says why: the log and the records have one writer), stops it
// with the app, and starts it again a second after it dies.
//
// The thread's entry is a module beside the feature's own; compiled, a .js file. In development
// (tsx) a thread starts outside tsx's loader, so it registers tsx before importing the entry.

import { Worker } from 'node:worker_threads';
import type { AuditEntry, AuditTrail } from '../audit-trail/audit-trail.js';
import { isSteleError, type ErrorCode } from '../domain/errors.js';
import type { Store } from '../store/port.js';
import type { WorkerLogger } from './worker-loop.js';

/** The store's record writes, which a thread leaves to the serving thread. */
export const RECORD_WRITES = ['insertRecord', 'updateRecord', 'updateRecordIf', 'deleteRecord'] as const;
export type RecordWrites = Pick<Store, (typeof RECORD_WRITES)[number]>;
/** What a thread may record in the log, through the serving thread's trail. */
export type ThreadTrail = Pick<AuditTrail, 'record' | 'recordAll'>;

/** What a thread asks the serving thread to do, and is answered. */
export type MainCall =
  | { kind: 'record'; tenantId: string; entry: AuditEntry }
  | { kind: 'recordAll'; tenantId: string; entries: AuditEntry[] }
  | { kind: 'write'; method: keyof RecordWrites; args: unknown[] };

export type ToThread =
  | { type: 'feature'; message: unknown }
  | { type: 'answer'; id: number; value?: unknown; error?: string; code?: ErrorCode }
  | { type: 'stop' };

export type ToMain =
  | { type: 'ready' }
  | { type: 'feature'; message: unknown }
  | { type: 'call'; id: number; call: MainCall }
  | { type: 'stopped' };

export interface FeatureThreadOptions {
  /** Named in the log. */
  name: string;
  /** `import.meta.url` of the feature module starting the thread, and the entry's name beside it (no extension). */
  entry: { beside: string; name: string };
  /** Given to the thread (structured clone: plain data only). */
  data: unknown;
  trail: ThreadTrail;
  /** The serving thread's store, which makes the thread's record writes. */
  store: RecordWrites;
  /** The feature's own messages from the thread. */
  onMessage?: (message: unknown) => void;
  log: WorkerLogger;
}

const RESTART_MS = 1000;
/** How long a stopping thread may take to finish its work and close its store. */
const STOP_WAIT_MS = 10_000;

function spawn(entry: FeatureThreadOptions['entry'], data: unknown): Worker {
  const typescript = entry.beside.endsWith('.ts');
  const url = new URL(`./${entry.name}${typescript ? '.ts' : '.js'}`, entry.beside);
  if (!typescript) return new Worker(url, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(source, { eval: true, workerData: data });
}

export function createFeatureThread(options: FeatureThreadOptions) {
  let worker: Worker | undefined;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;

  const post = (message: ToThread) => worker?.postMessage(message);

  async function answer(id: number, call: MainCall): Promise<void> {
    try {
      let value: unknown;
      if (call.kind === 'record') value = await options.trail.record(call.tenantId, call.entry);
      else if (call.kind === 'recordAll') value = await options.trail.recordAll(call.tenantId, call.entries);
      else value = await (options.store[call.method] as (...args: unknown[]) => Promise<boolean>)(...call.args);
      post({ type: 'answer', id, value });
    } catch (error) {
      // A SteleError keeps its code across: callers on the thread decide by it (idempotency_conflict).
      post({ type: 'answer', id, error: error instanceof Error ? error.message : String(error), ...(isSteleError(error) && { code: error.code }) });
    }
  }

  /** Starts a thread; resolves once it works (rejects if it could not start). */
  function launch(): Promise<void> {
    const thread = spawn(options.entry, options.data);
    worker = thread;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      thread.on('message', (message: ToMain) => {
        if (message.type === 'ready') {
          ready = true;
          resolve();
        } else if (message.type === 'call') void answer(message.id, message.call);
        else if (message.type === 'feature') options.onMessage?.(message.message);
      });
      thread.on('error', (error) => {
        options.log.error({ err: error }, `the ${options.name} thread failed`);
        if (!ready) reject(error);
      });
      thread.on('exit', (code) => {
        if (worker === thread) worker = undefined;
        if (!ready) reject(new Error(`the ${options.name} thread exited (code ${code}) before it started`));
        else if (!stopping) {
          options.log.error({ code }, `the ${options.name} thread exited; starting it again in ${RESTART_MS} ms`);
          restart = setTimeout(() => void launch().catch(() => {}), RESTART_MS);
        }
      });
    });
  }

  return {
    start: (): Promise<void> => launch(),
    /** A message for the feature's side in the thread; false (dropped) while no thread runs. */
    post(message: unknown): boolean {
      if (!worker) return false;
      worker.postMessage({ type: 'feature', message } satisfies ToThread);
      return true;
    },
    /** Lets the thread finish (its stop handler) and ends it. */
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(restart);
      const thread = worker;
      if (!thread) return;
      // The thread says when its work is done and its store closed; whatever it still holds open
      // then (a logger's stream, idle sockets) is not worth waiting for.
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      const stopped = new Promise<void>((resolve) => thread.on('message', (message: ToMain) => message.type === 'stopped' && resolve()));
      post({ type: 'stop' });
      await Promise.race([stopped, exited, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
      await thread.terminate();
    },
  };
}

export type FeatureThread = ReturnType<typeof createFeatureThread>;
