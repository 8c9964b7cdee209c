// A tenant's retention as records (store/port.ts): the policy the tenant set (window, legal hold),
// the figures of its last purge, and one record per erasure.

import type { Actor } from '../domain/event.js';
import type { Store } from '../store/port.js';

export interface PolicyBody {
  /** The window in days; null = forever. */
  days: number | null;
  legal_hold: boolean;
  /** Why the hold is set (kept after it is lifted, for the record). */
  reason: string | null;
  updated_at: string;
  updated_by: Actor;
}

export interface PurgeRun {
  started_at: string;
  finished_at: string;
  dry_run: boolean;
  /** Events older than this (occurred_at) were purged. */
  cutoff: string | null;
  days: number | null;
  purged: number;
  bytes_freed: number;
  /** The retention.purged records written, each listing its seq ranges. */
  records: number;
  seq_ranges: [number, number][];
  /** Why nothing was purged: `forever`, `legal_hold`, `stopped`. */
  skipped?: string;
}

export interface ErasureBody {
  id: string;
  created_at: string;
  created_by: Actor;
  /** Which field named the person; the value itself is kept only as its HMAC (redaction.ts). */
  subject: { field: 'actor_id' | 'email'; hmac: string };
  reason: string;
  count: number;
  seq_ranges: [number, number][];
  /** The audit.erased records that explain the tombstones. */
  record_seqs: number[];
}

const POLICY = 'retention_policy';
const RUN = 'retention_run';
const ERASURE = 'erasure';

export function createRetentionRecords(store: Store) {
  const single = (kind: string, tenantId: string) => ({ kind, tenantId, id: 'current' });
  async function put(kind: string, tenantId: string, body: object, at: string): Promise<void> {
    if (!(await store.updateRecord(single(kind, tenantId), body, at)) && !(await store.insertRecord(single(kind, tenantId), body, at))) {
      await store.updateRecord(single(kind, tenantId), body, at);
    }
  }
  return {
    policy: async (tenantId: string) => (await store.getRecord<PolicyBody>(single(POLICY, tenantId)))?.body,
    setPolicy: (tenantId: string, body: PolicyBody) => put(POLICY, tenantId, body, body.updated_at),
    lastRun: async (tenantId: string) => (await store.getRecord<PurgeRun>(single(RUN, tenantId)))?.body,
    setLastRun: (tenantId: string, run: PurgeRun) => put(RUN, tenantId, run, run.finished_at),
    addErasure: (tenantId: string, erasure: ErasureBody) => store.insertRecord({ kind: ERASURE, tenantId, id: erasure.id }, erasure, erasure.created_at),
    listErasures: async (tenantId: string) => (await store.listRecords<ErasureBody>(ERASURE, tenantId, 10_000)).map((r) => r.body),
  };
}

export type RetentionRecords = ReturnType<typeof createRetentionRecords>;
