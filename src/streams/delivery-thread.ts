// The streams thread: delivers this process's streams beside the main thread, which then only
// accepts and commits events. Delivery reads, encodes, signs, sends and moves cursors for every
// event of every stream, which on one thread took a third of what ingest could do with five
// streams (README, "Measured").
//
// The thread opens its own connection to the same database for its reads (a SQLite file in WAL
// mode reads beside the writer; PostgreSQL is a second pool) and builds the same deliverer the
// main thread would (stream-delivery.ts). Writes it leaves to the main thread, by message
// (delivery-thread-client.ts): the log has one writer, so stream.failing and stream.recovered are
// recorded by the main thread's trail; and its records (cursors, leases) are written on the main
// thread's connection, between ingest's commits, where on a connection of its own a SQLite write
// would wait for the file's one write lock, and ingest's next commit would wait for it. The main
// thread tells it of each commit and of each stream changed through the API.

import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { AuditEntry } from '../audit-trail/audit-trail.js';
import { createSecretBox, loadSecretKey } from '../background/secret-box.js';
import { createCommitNotifier } from '../feed/commit-notifier.js';
import { createEventSelector } from '../query/selection.js';
import { createSavedSearchRepository, savedSearchLookup } from '../saved-searches/saved-search-repository.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/port.js';
import { RECORD_WRITES, type MainCall, type RecordWrites, type ToMain, type ToThread, type ThreadData } from './delivery-thread-client.js';
import { createDelivery } from './stream-delivery.js';

const port = parentPort!;
const { config, noteKey, pollMs } = workerData as ThreadData;
const send = (message: ToMain) => port.postMessage(message);
const log = pino({ level: config.logLevel, base: { pid: process.pid, thread: 'streams' } });

const asked = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextCall = 0;
function ask(call: MainCall): Promise<unknown> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    asked.set(id, { resolve, reject });
    send({ type: 'call', id, call });
  });
}

const reads = openStore(config, log);
const writes = new Set<string>(RECORD_WRITES);
const store: Store = new Proxy(reads, {
  get(target, name, receiver) {
    if (typeof name === 'string' && writes.has(name)) return (...args: unknown[]) => ask({ kind: 'write', method: name as keyof RecordWrites, args });
    return Reflect.get(target, name, receiver) as unknown;
  },
});
const commits = createCommitNotifier();
const trail = {
  record: async (tenantId: string, entry: AuditEntry): Promise<void> => {
    await ask({ kind: 'record', tenantId, entry });
  },
};
const deliverer = createDelivery({
  settings: config.streams, store, trail, commits, noteKey, pollMs, log, now: Date.now,
  secrets: createSecretBox(() => loadSecretKey({ configuredFile: config.secretsKeyFile, dataDir: config.dataDir })),
  select: createEventSelector({ dialect: store.dialect, findSavedSearch: savedSearchLookup(createSavedSearchRepository(store)) }),
});

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'committed':
      for (const tenantId of message.tenants) commits.notify(tenantId);
      return;
    case 'kick':
      deliverer.kick(message.streamId);
      return;
    case 'answer': {
      const waiting = asked.get(message.id);
      asked.delete(message.id);
      if (message.error === undefined) waiting?.resolve(message.value);
      else waiting?.reject(new Error(message.error));
      return;
    }
    case 'stop':
      void stop();
  }
});

async function stop(): Promise<void> {
  try {
    await deliverer.stop();
    await reads.close();
  } finally {
    send({ type: 'stopped' });
    port.close();
  }
}

deliverer.start();
send({ type: 'ready' });
