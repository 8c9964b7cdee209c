// The main thread's side of the streams thread (delivery-thread.ts): starts it, tells it of
// commits (gathered per turn of the event loop, so a burst of small commits is one message) and
// of streams changed through the API, does what it asks (records stream.* events, writes its
// records), and stops it with the app. It has the deliverer's shape, so the feature uses either
// the same way.
//
// A thread that dies is started again after a second: its streams' leases are still held by this
// process, so the new thread takes them back at once and re-sends at most the batches in flight.

import { Worker } from 'node:worker_threads';
import type { AuditEntry, AuditTrail } from '../audit-trail/audit-trail.js';
import type { Config } from '../config.js';
import type { CommitNotifier } from '../feed/commit-notifier.js';
import type { Store } from '../store/port.js';

/** What the thread starts with: plain data (it crosses to the thread by structured clone). */
export interface ThreadData {
  config: Config;
  noteKey: string;
  pollMs: number;
}

/** The store's record writes, which the thread leaves to the serving thread. */
export const RECORD_WRITES = ['insertRecord', 'updateRecord', 'deleteRecord'] as const;
export type RecordWrites = Pick<Store, (typeof RECORD_WRITES)[number]>;

/** What the thread asks the serving thread to do, and is answered. */
export type MainCall =
  | { kind: 'record'; tenantId: string; entry: AuditEntry }
  | { kind: 'write'; method: keyof RecordWrites; args: unknown[] };

export type ToThread =
  | { type: 'committed'; tenants: string[] }
  | { type: 'kick'; streamId: string | undefined }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'stop' };

export type ToMain =
  | { type: 'ready' }
  | { type: 'call'; id: number; call: MainCall }
  | { type: 'stopped' };

export interface DeliveryThreadOptions extends ThreadData {
  trail: Pick<AuditTrail, 'record'>;
  /** The serving thread's store, which makes the thread's record writes. */
  store: RecordWrites;
  commits: CommitNotifier;
  log: { error(object: object, message: string): void };
}

const RESTART_MS = 1000;
/** How long a stopping thread may take to abort its requests and close its store. */
const STOP_WAIT_MS = 10_000;

/**
 * The thread's entry. Compiled, it is a .js file beside this one; in development (tsx) the thread
 * starts outside tsx's loader, so it registers tsx before importing the TypeScript entry.
 */
function spawnThread(data: ThreadData): Worker {
  const entry = new URL(`./delivery-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (entry.pathname.endsWith('.js')) return new Worker(entry, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(source, { eval: true, workerData: data });
}

export function createDeliveryThread(options: DeliveryThreadOptions) {
  const data: ThreadData = { config: options.config, noteKey: options.noteKey, pollMs: options.pollMs };
  let worker: Worker | undefined;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;
  const committed = new Set<string>();
  let unlisten: (() => void) | undefined;

  const post = (message: ToThread) => worker?.postMessage(message);

  function onCommit(tenantId: string): void {
    if (committed.size === 0) setImmediate(() => {
      post({ type: 'committed', tenants: [...committed] });
      committed.clear();
    });
    committed.add(tenantId);
  }

  async function answer(id: number, call: MainCall): Promise<void> {
    try {
      const value = call.kind === 'record'
        ? await options.trail.record(call.tenantId, call.entry)
        : await (options.store[call.method] as (...args: unknown[]) => Promise<boolean>)(...call.args);
      post({ type: 'answer', id, value });
    } catch (error) {
      post({ type: 'answer', id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Starts a thread; resolves once it delivers (rejects if it could not start). */
  function launch(): Promise<void> {
    const thread = spawnThread(data);
    worker = thread;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      thread.on('message', (message: ToMain) => {
        if (message.type === 'ready') {
          ready = true;
          resolve();
        } else if (message.type === 'call') void answer(message.id, message.call);
      });
      thread.on('error', (error) => {
        options.log.error({ err: error }, 'the streams thread failed');
        if (!ready) reject(error);
      });
      thread.on('exit', (code) => {
        if (worker === thread) worker = undefined;
        if (!ready) reject(new Error(`the streams thread exited (code ${code}) before it started`));
        else if (!stopping) {
          options.log.error({ code }, `the streams thread exited; starting it again in ${RESTART_MS} ms`);
          restart = setTimeout(() => void launch().catch(() => {}), RESTART_MS);
        }
      });
    });
  }

  return {
    async start(): Promise<void> {
      unlisten = options.commits.listen(onCommit);
      await launch();
    },
    /** A stream changed here (created, edited, paused, resumed, replayed): look now rather than at the next poll. */
    kick(streamId?: string): void {
      post({ type: 'kick', streamId });
    },
    /** Stops delivery (requests in flight are aborted, and sent again later) and ends the thread. */
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(restart);
      unlisten?.();
      const thread = worker;
      if (!thread) return;
      // The thread says when its deliverer and store are closed; whatever it still holds open then
      // (a logger's stream, idle sockets) is not worth waiting for.
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      const stopped = new Promise<void>((resolve) => thread.on('message', (message: ToMain) => message.type === 'stopped' && resolve()));
      post({ type: 'stop' });
      await Promise.race([stopped, exited, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
      await thread.terminate();
    },
  };
}
