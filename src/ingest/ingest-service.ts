// Ingest: validated events get their server fields (id, category, received_at) and go to the
// store in one all-or-nothing append, sealed into the tenant's hash chain and Merkle tree.

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Limits } from '../config.js';
import { categoryOf } from '../domain/actions.js';
import { uuidv7 } from '../domain/ids.js';
import type { AppendOutcome, PendingEvent, Sealer, Store } from '../store/port.js';
import { validateEvents, type ValidEvent } from './validate-events.js';
import { SteleError } from '../domain/errors.js';
import { FORGETTING_ACTIONS } from '@stele/integrity';

export interface IngestDependencies {
  store: Store;
  limits: Limits;
  seal: Sealer;
  /**
   * A further check of valid events before they are appended, per tenant: the event types a
   * tenant declared (src/event-types/). Throws a SteleError to refuse the batch.
   */
  checkEvents?: (tenantId: string, events: readonly ValidEvent[]) => Promise<void>;
  /** The events as they are to be stored, after checks: the tenant's redacted paths hashed (src/retention/redaction.ts). */
  redact?: (tenantId: string, events: ValidEvent[]) => Promise<ValidEvent[]>;
  now?: () => number;
  /** Called after a batch is durably committed (metrics, alerts, checkpoints). */
  onCommitted?: (tenantId: string, outcomes: AppendOutcome[]) => void;
}

export interface IngestService {
  /** Validates and appends a request body; resolves only once the batch is committed. */
  ingest(tenantId: string, body: unknown): Promise<AppendOutcome[]>;
  /** Appends events the server itself emits (access_denied, audit.exported, ...). */
  record(tenantId: string, events: ValidEvent[]): Promise<AppendOutcome[]>;
}

const EMPTY = new Uint8Array(0);

// Only a client-chosen id can be resent, so only then is the input fingerprinted.
function inputHashOf(event: ValidEvent): Uint8Array {
  if (event.id === undefined) return EMPTY;
  return createHash('sha256').update(canonicalize(event) ?? '').digest();
}

export function createIngestService(deps: IngestDependencies): IngestService {
  const now = deps.now ?? Date.now;

  function toPending(events: ValidEvent[]): PendingEvent[] {
    const receivedMs = now();
    const receivedAt = new Date(receivedMs).toISOString();
    return events.map((valid) => ({
      inputHash: inputHashOf(valid),
      event: {
        ...valid,
        id: valid.id ?? uuidv7(receivedMs),
        category: categoryOf(valid.action),
        occurred_at: valid.occurred_at ?? receivedAt,
        received_at: receivedAt,
      },
    }));
  }

  async function append(tenantId: string, events: ValidEvent[]): Promise<AppendOutcome[]> {
    const outcomes = await deps.store.appendEvents(tenantId, toPending(events), deps.seal);
    deps.onCommitted?.(tenantId, outcomes);
    return outcomes;
  }

  return {
    async ingest(tenantId, body) {
      const events = validateEvents(body, deps.limits, now());
      // The records that explain forgotten events are Stele's own: one sent by a client could
      // otherwise vouch for content someone removed by hand.
      const reserved = events.findIndex((e) => Object.hasOwn(FORGETTING_ACTIONS, e.action));
      if (reserved >= 0) {
        throw new SteleError('invalid_event', `action ${events[reserved]!.action} is reserved: Stele writes it when it purges, deletes or erases events`,
          [{ index: reserved, field: 'action', message: 'reserved' }]);
      }
      await deps.checkEvents?.(tenantId, events);
      return append(tenantId, deps.redact ? await deps.redact(tenantId, events) : events);
    },
    record: (tenantId, events) => append(tenantId, events),
  };
}
