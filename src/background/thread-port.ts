// A feature thread's side (feature-thread.ts has the serving thread's): the data it was started
// with, and what it cannot do alone. It reads on a database connection of its own (a SQLite file
// in WAL mode reads beside the writer; PostgreSQL is a second pool), but leaves writes to the
// serving thread: the log has one writer, so its events are recorded by the serving thread's
// trail; and its records are written on the serving thread's connection, between ingest's
// commits, where on a connection of its own a SQLite write would wait for the file's one write
// lock, and ingest's next commit would then wait for it.

import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { AuditEntry } from '../audit-trail/audit-trail.js';
import type { Config } from '../config.js';
import { SteleError } from '../domain/errors.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/port.js';
import { RECORD_WRITES, type MainCall, type RecordWrites, type ThreadTrail, type ToMain, type ToThread } from './feature-thread.js';

/** Connects the thread to the serving thread: call once, at the entry's start. */
export function connectThread<Data extends { config: Config }>(name: string) {
  const port = parentPort!;
  const data = workerData as Data;
  const send = (message: ToMain) => port.postMessage(message);
  const log = pino({ level: data.config.logLevel, base: { pid: process.pid, thread: name } });

  const asked = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextCall = 0;
  function ask(call: MainCall): Promise<unknown> {
    const id = nextCall++;
    return new Promise((resolve, reject) => {
      asked.set(id, { resolve, reject });
      send({ type: 'call', id, call });
    });
  }

  const reads = openStore(data.config, log);
  const writes = new Set<string>(RECORD_WRITES);
  /** Reads on the thread's own connection; record writes by the serving thread. */
  const store: Store = new Proxy(reads, {
    get(target, property, receiver) {
      if (typeof property === 'string' && writes.has(property)) {
        return (...args: unknown[]) => ask({ kind: 'write', method: property as keyof RecordWrites, args });
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  const trail: ThreadTrail = {
    record: async (tenantId: string, entry: AuditEntry) => {
      await ask({ kind: 'record', tenantId, entry });
    },
    recordAll: async (tenantId: string, entries: readonly AuditEntry[]) => {
      await ask({ kind: 'recordAll', tenantId, entries: [...entries] });
    },
  };

  /** Handles the feature's messages; `stop` finishes the feature's work before the store closes. */
  function serve(handlers: { message(message: unknown): void; stop(): Promise<void> }): void {
    port.on('message', (message: ToThread) => {
      if (message.type === 'feature') handlers.message(message.message);
      else if (message.type === 'answer') {
        const waiting = asked.get(message.id);
        asked.delete(message.id);
        if (message.error === undefined) waiting?.resolve(message.value);
        else waiting?.reject(message.code ? new SteleError(message.code, message.error) : new Error(message.error));
      } else if (message.type === 'stop') {
        void (async () => {
          try {
            await handlers.stop();
            await reads.close();
          } finally {
            send({ type: 'stopped' });
            port.close();
          }
        })();
      }
    });
    send({ type: 'ready' });
  }

  return { data, log, store, trail, serve, send: (message: unknown) => send({ type: 'feature', message }) };
}
