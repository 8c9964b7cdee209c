// Ingest: validated events get their server fields (id, category, received_at) and go to the
// store in one all-or-nothing append, sealed into the tenant's hash chain and Merkle tree.

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Limits } from '../config.js';
import { categoryOf } from '../domain/actions.js';
import { uuidv7 } from '../domain/ids.js';
import type { AppendOutcome, PendingEvent, Sealer, Store } from '../store/port.js';
import { validateEvents, type ValidEvent } from './validate-events.js';

export interface IngestDependencies {
  store: Store;
  limits: Limits;
  seal: Sealer;
  /**
   * A further check of valid events before they are appended, per tenant: the event types a
   * tenant declared (src/event-types/). Throws a SteleError to refuse the batch.
   */
  checkEvents?: (tenantId: string, events: readonly ValidEvent[]) => Promise<void>;
  now?: () => number;
  /**
   * Called after a batch is durably committed (metrics, alerts, checkpoints), with the events as
   * appended (outcomes[i] is pending[i]'s). Must return at once: ingest's answer waits for it.
   */
  onCommitted?: (tenantId: string, outcomes: AppendOutcome[], pending: readonly PendingEvent[]) => void;
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
    const pending = toPending(events);
    const outcomes = await deps.store.appendEvents(tenantId, pending, deps.seal);
    deps.onCommitted?.(tenantId, outcomes, pending);
    return outcomes;
  }

  return {
    async ingest(tenantId, body) {
      const events = validateEvents(body, deps.limits, now());
      await deps.checkEvents?.(tenantId, events);
      return append(tenantId, events);
    },
    record: (tenantId, events) => append(tenantId, events),
  };
}
