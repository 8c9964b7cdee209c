// Signed checkpoints: the tenant's tree head (origin, size, root) as a C2SP signed note. Made
// at least every N events (after a commit crosses the threshold) or every T seconds when the log
// has grown, and on demand. Several nodes may race to make the same one; the store keeps one.

import { SteleError } from '../domain/errors.js';
import { rootFromBorder, signCheckpoint } from '../integrity/index.js';
import type { CheckpointRecord, Store } from '../store/port.js';
import type { CheckpointPublisher } from './checkpoint-publisher.js';
import type { SigningKey } from './signing-key.js';

export interface CheckpointView {
  tree_size: number;
  root_hash: string;
  created_at: string;
  checkpoint: string;
}

export const viewOf = (record: CheckpointRecord): CheckpointView => ({
  tree_size: record.tree_size,
  root_hash: Buffer.from(record.root_hash).toString('hex'),
  created_at: record.created_at,
  checkpoint: record.note,
});

export interface CheckpointServiceOptions {
  store: Store;
  key: SigningKey;
  everyEvents: number;
  everySeconds: number;
  publish?: CheckpointPublisher;
  now?: () => number;
  onError?: (error: unknown, tenantId: string) => void;
}

export function createCheckpointService(options: CheckpointServiceOptions) {
  const { store, key } = options;
  const now = options.now ?? Date.now;
  const lastSize = new Map<string, number>();
  const inFlight = new Map<string, Promise<CheckpointView | undefined>>();
  let timer: NodeJS.Timeout | undefined;

  const originOf = (tenantId: string) => `${key.name}/${tenantId}`;

  async function makeNow(tenantId: string): Promise<CheckpointView | undefined> {
    const head = await store.getHead(tenantId);
    if (head.size === 0) return undefined;
    const existing = await store.getCheckpoint(tenantId, head.size);
    if (existing) return viewOf(existing);
    const rootHash = rootFromBorder(head.border);
    const record: CheckpointRecord = {
      tenant_id: tenantId,
      tree_size: head.size,
      root_hash: rootHash,
      created_at: new Date(now()).toISOString(),
      note: signCheckpoint({ origin: originOf(tenantId), size: head.size, rootHash }, key.name, key.privateKey),
    };
    const stored = await store.insertCheckpoint(record);
    lastSize.set(tenantId, Math.max(lastSize.get(tenantId) ?? 0, head.size));
    if (!stored) return viewOf((await store.getCheckpoint(tenantId, head.size)) ?? record);
    // The checkpoint is durable in the store now; external copies follow without holding up callers.
    void options.publish?.(tenantId, viewOf(record)).catch((error) => options.onError?.(error, tenantId));
    return viewOf(record);
  }

  /**
   * Makes a checkpoint of the tenant's head as it is when this call's turn comes. Calls for one
   * tenant run one after another, so a request never receives an older, still-running one.
   */
  function checkpoint(tenantId: string): Promise<CheckpointView | undefined> {
    const previous = inFlight.get(tenantId) ?? Promise.resolve(undefined);
    const job = previous.catch(() => undefined).then(() => makeNow(tenantId));
    inFlight.set(tenantId, job);
    void job.catch(() => undefined).finally(() => {
      if (inFlight.get(tenantId) === job) inFlight.delete(tenantId);
    });
    return job;
  }

  async function sizeOfLatest(tenantId: string): Promise<number> {
    const known = lastSize.get(tenantId);
    if (known !== undefined) return known;
    const size = (await store.latestCheckpoint(tenantId))?.tree_size ?? 0;
    lastSize.set(tenantId, size);
    return size;
  }

  /** Called after each commit: checkpoint once N events have accumulated. */
  async function onCommitted(tenantId: string, newSize: number): Promise<void> {
    if (newSize - (await sizeOfLatest(tenantId)) >= options.everyEvents) await checkpoint(tenantId);
  }

  /** Checkpoints every tenant whose log grew since its last checkpoint (the T-seconds rule). */
  async function sweep(): Promise<void> {
    for (const { tenantId } of await store.checkpointBacklog()) {
      await checkpoint(tenantId).catch((error) => options.onError?.(error, tenantId));
    }
  }

  return {
    originOf,
    checkpoint,
    onCommitted,
    sweep,
    async latest(tenantId: string): Promise<CheckpointView> {
      const record = await store.latestCheckpoint(tenantId);
      if (!record) throw new SteleError('not_found', 'This tenant has no checkpoint yet; POST /v1/integrity/checkpoints makes one.');
      return viewOf(record);
    },
    async atSize(tenantId: string, treeSize: number): Promise<CheckpointView> {
      const record = await store.getCheckpoint(tenantId, treeSize);
      if (!record) throw new SteleError('not_found', `No checkpoint at tree size ${treeSize}.`);
      return viewOf(record);
    },
    start(): void {
      timer ??= setInterval(() => void sweep().catch((error) => options.onError?.(error, '*')), options.everySeconds * 1000);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

export type CheckpointService = ReturnType<typeof createCheckpointService>;
