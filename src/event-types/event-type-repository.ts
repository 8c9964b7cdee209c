// Event types as feature records (store.records). Per tenant and action, one `event_type` record
// holds the current version (a deleted type keeps its record, marked deleted, so version numbers
// never repeat), and one `event_type_version` record per version keeps the history. A new version
// is written by inserting its version record first: the store refuses a key that is taken, so of
// two changes racing on one action only one gets the next number.

import type { JsonObject } from '../domain/event.js';
import type { Store, StoredRecord } from '../store/port.js';

export type UnknownActions = 'allow' | 'reject';

/** What a tenant declares for an action: JSON Schemas (draft 2020-12) of the parts it constrains. */
export interface EventTypeSchemas {
  description?: string;
  details_schema?: JsonObject;
  target_schema?: JsonObject;
  actor_schema?: JsonObject;
}

export interface EventTypeBody extends EventTypeSchemas {
  action: string;
  version: number;
  /** Set on the version that removed the type. */
  deleted?: true;
}

export interface EventType extends EventTypeBody {
  created_at: string;
  updated_at: string;
}

const TYPE = 'event_type';
const VERSION = 'event_type_version';
const POLICY = 'event_type_policy';
/** Per tenant: plenty for any application, and it bounds what ingest keeps in memory. */
export const MAX_EVENT_TYPES = 1000;

const view = (record: StoredRecord<EventTypeBody>): EventType => ({ ...record.body, created_at: record.created_at, updated_at: record.updated_at });

export function createEventTypeRepository(store: Store) {
  return {
    /** The current version of each action, deleted ones included. */
    async list(tenantId: string): Promise<EventType[]> {
      return (await store.listRecords<EventTypeBody>(TYPE, tenantId, MAX_EVENT_TYPES + 1)).map(view);
    },
    async find(tenantId: string, action: string): Promise<EventType | undefined> {
      const record = await store.getRecord<EventTypeBody>({ kind: TYPE, tenantId, id: action });
      return record && view(record);
    },
    async findVersion(tenantId: string, action: string, version: number): Promise<EventType | undefined> {
      const record = await store.getRecord<EventTypeBody>({ kind: VERSION, tenantId, id: `${action}@${version}` });
      return record && view(record);
    },
    /**
     * Writes `body` as the action's new current version. False when that version number was taken
     * meanwhile (another change won); nothing is written then.
     */
    async write(tenantId: string, body: EventTypeBody, now: string): Promise<boolean> {
      if (!(await store.insertRecord({ kind: VERSION, tenantId, id: `${body.action}@${body.version}` }, body, now))) return false;
      const key = { kind: TYPE, tenantId, id: body.action };
      if (!(await store.updateRecord(key, body, now))) await store.insertRecord(key, body, now);
      return true;
    },
    async unknownActions(tenantId: string): Promise<UnknownActions> {
      const record = await store.getRecord<{ unknown_actions: UnknownActions }>({ kind: POLICY, tenantId, id: 'unknown_actions' });
      return record?.body.unknown_actions ?? 'allow';
    },
    async setUnknownActions(tenantId: string, policy: UnknownActions, now: string): Promise<void> {
      const key = { kind: POLICY, tenantId, id: 'unknown_actions' };
      if (!(await store.updateRecord(key, { unknown_actions: policy }, now))) await store.insertRecord(key, { unknown_actions: policy }, now);
    },
  };
}

export type EventTypeRepository = ReturnType<typeof createEventTypeRepository>;
