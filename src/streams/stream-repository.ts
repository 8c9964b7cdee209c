// Streams as records (store/port.ts), three per stream, each with one writer:
// - `stream`: what the tenant asked for (name, destination, filter, format, paused, and requests
//   to replay or re-enable as generation counters). Written by the API only, by compare-and-set
//   (`change`), so that API calls made at once (pause and replay, pause and PUT ...) on one or
//   several processes each take effect rather than the last one writing back what it read.
// - `stream_delivery`: where delivery stands (cursor, counts, errors, failing, disabled). Written
//   by the node holding the stream's lease, and once by the API when the stream is created.
// - `stream_secrets`: the destination's secrets, sealed (secret-box.ts), bound to tenant and stream.
//   A PUT that changes them writes a record of its own (`<stream id>.<version>`) and then points
//   the stream record at it (`secrets_version`) in the same compare-and-set as its settings, so a
//   stream's URL and its credentials always come from one request: a PUT that loses the race, or
//   a process that dies between the two writes, leaves only an unused record (removed with the
//   stream). Until a PUT changed them, the record's id is the stream's.
// Plus an instance-wide index entry so the worker finds every tenant's streams with one list.

import { randomUUID } from 'node:crypto';
import type { SealedSecret } from '../background/secret-box.js';
import { SteleError } from '../domain/errors.js';
import type { Actor, JsonObject } from '../domain/event.js';
import type { Store } from '../store/port.js';
import type { StreamFormat, StreamType } from './destinations/index.js';

export interface StreamFilter {
  /** Event categories (authentication, security ...). */
  categories?: string[];
  /** Exact actions, or prefixes ending in `*` (`login.*`). */
  actions?: string[];
  /** A search-language query. */
  q?: string;
  /** The id of a saved search; its current definition applies. */
  saved_search?: string;
}

export interface StreamRecord {
  id: string;
  tenant_id: string;
  name: string;
  type: StreamType;
  /** The destination's settings without its secrets. */
  config: JsonObject;
  /** Each secret's mask (`••••1234`), shown in place of the secret. */
  secret_masks: Record<string, string>;
  /** Which `stream_secrets` record holds the credentials (see the top of this file); absent: the first. */
  secrets_version?: string;
  filter: StreamFilter;
  format: StreamFormat;
  paused: boolean;
  /** Raised by resume: a stream disabled at an older generation (a webhook's 410) is enabled again. */
  enable_generation: number;
  /** The latest replay asked for; the delivering node moves the cursor when it sees a new generation. */
  replay: { generation: number; cursor: number; asked_at: string } | null;
  created_at: string;
  updated_at: string;
  created_by: Actor;
}

export interface DeliveryState {
  /** The last seq delivered, or passed over because the filter does not select it. */
  cursor: number;
  /** Events the receivers accepted since creation (a re-sent batch counts again). */
  delivered: number;
  last_success_at: string | null;
  last_error: { at: string; message: string; status?: number; body?: string } | null;
  /** Failed attempts in a row. */
  failures: number;
  /** When the current run of failures began. */
  failing_since: string | null;
  /** Whether the stream was declared failing (a `stream.failing` event was recorded). */
  failing: boolean;
  next_attempt_at: string | null;
  /** Set when a receiver said it is gone; cleared by a resume (a newer enable_generation). */
  disabled: { generation: number; at: string; reason: string } | null;
  /** The replay generation already applied. */
  replay_generation: number;
}

/** How many times a change is edited again after another write came between its read and its write. */
const CHANGE_ATTEMPTS = 20;
const STREAM = 'stream';
const DELIVERY = 'stream_delivery';
const SECRETS = 'stream_secrets';
const INDEX = 'stream_index';
const INSTANCE = '*';

/** What a stream's sealed secrets are bound to: they open for this tenant and stream only. */
export const secretsContext = (tenantId: string, id: string) => `${SECRETS}:${tenantId}:${id}`;

/** The id of the stream_secrets record a stream's credentials are in. */
const secretsIdOf = (id: string, version: string | undefined) => (version === undefined ? id : `${id}.${version}`);

export const initialDelivery = (cursor: number): DeliveryState => ({
  cursor, delivered: 0, last_success_at: null, last_error: null, failures: 0, failing_since: null, failing: false,
  next_attempt_at: null, disabled: null, replay_generation: 0,
});

export function createStreamRepository(store: Store, now: () => number) {
  const stamp = () => new Date(now()).toISOString();
  const key = (kind: string, tenantId: string, id: string) => ({ kind, tenantId, id });
  return {
    /** Secrets and delivery first, the index last: a stream the worker finds is complete. */
    async insert(stream: StreamRecord, delivery: DeliveryState, secrets: SealedSecret): Promise<void> {
      await store.insertRecord(key(SECRETS, stream.tenant_id, stream.id), secrets, stamp());
      await store.insertRecord(key(DELIVERY, stream.tenant_id, stream.id), delivery, stamp());
      await store.insertRecord(key(STREAM, stream.tenant_id, stream.id), stream, stamp());
      await store.insertRecord(key(INDEX, INSTANCE, stream.id), { tenant_id: stream.tenant_id }, stamp());
    },
    get: async (tenantId: string, id: string): Promise<StreamRecord | undefined> =>
      (await store.getRecord<StreamRecord>(key(STREAM, tenantId, id)))?.body,
    list: async (tenantId: string): Promise<StreamRecord[]> =>
      (await store.listRecords<StreamRecord>(STREAM, tenantId)).map((r) => r.body),
    /**
     * Read-modify-write of the stream record: `edit` gets the record as stored now and returns it
     * changed (undefined: nothing to change); written only if nobody changed it meanwhile, else
     * edited again from what is stored then. Undefined when the stream is gone; `after` undefined
     * when `edit` changed nothing.
     */
    async change(tenantId: string, id: string, edit: (stream: StreamRecord) => StreamRecord | undefined): Promise<{ before: StreamRecord; after?: StreamRecord } | undefined> {
      for (let attempt = 1; ; attempt++) {
        const before = (await store.getRecord<StreamRecord>(key(STREAM, tenantId, id)))?.body;
        if (!before) return undefined;
        const after = edit(structuredClone(before));
        if (!after) return { before };
        if (await store.updateRecordIf(key(STREAM, tenantId, id), after, stamp(), before)) return { before, after };
        // Each miss is another writer's success, so this ends; the bound is for a stream changed without pause.
        if (attempt === CHANGE_ATTEMPTS) throw new SteleError('conflict', 'The stream kept changing while this request was applied; try again.');
      }
    },
    delivery: async (tenantId: string, id: string): Promise<DeliveryState | undefined> =>
      (await store.getRecord<DeliveryState>(key(DELIVERY, tenantId, id)))?.body,
    /** Only the lease holder calls this; false once the stream was deleted. */
    saveDelivery: (tenantId: string, id: string, delivery: DeliveryState): Promise<boolean> =>
      store.updateRecord(key(DELIVERY, tenantId, id), delivery, stamp()),
    /** The sealed credentials the stream record points at. */
    secrets: async (stream: Pick<StreamRecord, 'tenant_id' | 'id' | 'secrets_version'>): Promise<SealedSecret | undefined> =>
      (await store.getRecord<SealedSecret>(key(SECRETS, stream.tenant_id, secretsIdOf(stream.id, stream.secrets_version))))?.body,
    /** New credentials for a stream, in a record of their own: the version to point the stream at. */
    async addSecrets(tenantId: string, id: string, sealed: SealedSecret): Promise<string> {
      const version = randomUUID();
      await store.insertRecord(key(SECRETS, tenantId, secretsIdOf(id, version)), sealed, stamp());
      return version;
    },
    /** Credentials no stream record points at any more (or never did). */
    removeSecrets: async (tenantId: string, id: string, version: string | undefined): Promise<void> =>
      void (await store.deleteRecord(key(SECRETS, tenantId, secretsIdOf(id, version)))),
    /** The stream record goes first, so a half-finished delete is a stream nobody delivers. */
    async remove(tenantId: string, id: string): Promise<boolean> {
      const removed = await store.deleteRecord(key(STREAM, tenantId, id));
      if (removed) {
        await store.deleteRecord(key(INDEX, INSTANCE, id));
        await store.deleteRecord(key(DELIVERY, tenantId, id));
        // Every version, those of PUTs that lost their race or died midway included.
        for (const record of await store.listRecords(SECRETS, tenantId, 100_000)) {
          if (record.id === id || record.id.startsWith(`${id}.`)) await store.deleteRecord(key(SECRETS, tenantId, record.id));
        }
      }
      return removed;
    },
    /** Every tenant's streams, for the worker. */
    all: async (limit = 100_000): Promise<{ tenantId: string; id: string }[]> =>
      (await store.listRecords<{ tenant_id: string }>(INDEX, INSTANCE, limit)).map((r) => ({ tenantId: r.body.tenant_id, id: r.id })),
  };
}

export type StreamRepository = ReturnType<typeof createStreamRepository>;
