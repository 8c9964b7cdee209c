// The streams thread: delivers this process's streams beside the serving thread, which then only
// accepts and commits events. Delivery reads, encodes, signs, sends and moves cursors for every
// event of every stream; on the serving thread that took a third of what ingest could do with
// five streams (README, "Measured"). The thread builds the same deliverer the serving thread
// would (stream-delivery.ts), reading on its own connection, with its writes (cursors, leases,
// stream.failing and stream.recovered) made by the serving thread (background/thread-port.ts).

import { createSecretBox, loadSecretKey } from '../background/secret-box.js';
import { connectThread } from '../background/thread-port.js';
import { createCommitNotifier } from '../feed/commit-notifier.js';
import { createEventSelector } from '../query/selection.js';
import { createSavedSearchRepository, savedSearchLookup } from '../saved-searches/saved-search-repository.js';
import type { DeliveryMessage, DeliveryThreadData } from './delivery-thread-client.js';
import { createDelivery } from './stream-delivery.js';

const { data, log, store, trail, serve } = connectThread<DeliveryThreadData>('streams');
const { config } = data;
const commits = createCommitNotifier();
const deliverer = createDelivery({
  settings: config.streams, store, trail, commits, noteKey: data.noteKey, pollMs: data.pollMs, log, now: Date.now,
  secrets: createSecretBox(() => loadSecretKey({ configuredFile: config.secretsKeyFile, dataDir: config.dataDir })),
  select: createEventSelector({ dialect: store.dialect, findSavedSearch: savedSearchLookup(createSavedSearchRepository(store)) }),
});

serve({
  message(message) {
    const m = message as DeliveryMessage;
    if (m.type === 'committed') for (const tenantId of m.tenants) commits.notify(tenantId);
    else deliverer.kick(m.streamId);
  },
  stop: () => deliverer.stop(),
});
deliverer.start();
