// The serving thread's side of the streams thread (delivery-thread.ts), on the shared feature
// thread (background/feature-thread.ts): tells it of commits (gathered per turn of the event
// loop, so a burst of small commits is one message) and of streams changed through the API. It
// has the deliverer's shape, so the feature uses either the same way.

import type { Config } from '../config.js';
import { createFeatureThread, type FeatureThreadOptions } from '../background/feature-thread.js';
import type { CommitNotifier } from '../feed/commit-notifier.js';

/** What the thread starts with: plain data (it crosses to the thread by structured clone). */
export interface DeliveryThreadData {
  config: Config;
  noteKey: string;
  pollMs: number;
}

export type DeliveryMessage =
  | { type: 'committed'; tenants: string[] }
  | { type: 'kick'; streamId: string | undefined };

export interface DeliveryThreadOptions extends DeliveryThreadData, Pick<FeatureThreadOptions, 'trail' | 'store' | 'log'> {
  commits: CommitNotifier;
}

export function createDeliveryThread(options: DeliveryThreadOptions) {
  const { trail, store, commits, log, ...data } = options;
  const thread = createFeatureThread({ name: 'streams', entry: { beside: import.meta.url, name: 'delivery-thread' }, data, trail, store, log });
  const post = (message: DeliveryMessage) => thread.post(message);
  const committed = new Set<string>();
  let unlisten: (() => void) | undefined;

  function onCommit(tenantId: string): void {
    if (committed.size === 0) setImmediate(() => {
      post({ type: 'committed', tenants: [...committed] });
      committed.clear();
    });
    committed.add(tenantId);
  }

  return {
    async start(): Promise<void> {
      unlisten = commits.listen(onCommit);
      await thread.start();
    },
    /** A stream changed here (created, edited, paused, resumed, replayed): look now rather than at the next poll. */
    kick(streamId?: string): void {
      post({ type: 'kick', streamId });
    },
    /** Stops delivery (requests in flight are aborted, and sent again later) and ends the thread. */
    async stop(): Promise<void> {
      unlisten?.();
      await thread.stop();
    },
  };
}
