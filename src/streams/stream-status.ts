// Where a stream stands, as the API, the dashboard and the CLI show it: its settings (secrets
// masked), state, cursor, the log's head, lag (matching events after the cursor, and how long the
// oldest has waited), events delivered, the last error and success.

import { SteleError } from '../domain/errors.js';
import type { JsonObject } from '../domain/event.js';
import type { Store } from '../store/port.js';
import { DESTINATIONS, type StreamFormat, type StreamType } from './destinations/index.js';
import type { DeliveryState, StreamFilter, StreamRecord, StreamRepository } from './stream-repository.js';
import type { StreamSelection } from './stream-selection.js';

export type StreamState = 'active' | 'paused' | 'failing' | 'disabled';

/** A stream as the API shows it: settings (secrets masked) and where delivery stands. */
export interface StreamView {
  id: string;
  name: string;
  type: StreamType;
  state: StreamState;
  destination: string;
  config: JsonObject;
  filter: StreamFilter;
  format: StreamFormat;
  /** The last seq delivered (or passed over by the filter). */
  cursor: number;
  /** The log's size now. */
  head: number;
  /** What the receiver has not got yet: matching events after the cursor, and how long the oldest has waited. */
  lag: { events: number; seconds: number; approximate?: true };
  delivered: number;
  last_success_at: string | null;
  last_error: DeliveryState['last_error'];
  failing_since: string | null;
  failures: number;
  next_attempt_at: string | null;
  disabled: DeliveryState['disabled'];
  /** A replay asked for that the delivering node has not applied yet. */
  replay_pending: { cursor: number; asked_at: string } | null;
  created_at: string;
  updated_at: string;
  created_by: StreamRecord['created_by'];
}

/** Past this many events behind, lag.events is the log's count after the cursor, not the filter's (counting would take long). */
const EXACT_LAG_LIMIT = 100_000;

/** Whether a receiver disabled the stream (a webhook's 410) and no resume has enabled it since; paused or not. */
export const isDisabled = (stream: StreamRecord, delivery: DeliveryState): boolean =>
  delivery.disabled !== null && delivery.disabled.generation >= stream.enable_generation;

export function stateOf(stream: StreamRecord, delivery: DeliveryState): StreamState {
  if (stream.paused) return 'paused';
  if (isDisabled(stream, delivery)) return 'disabled';
  return delivery.failing ? 'failing' : 'active';
}

export interface StreamStatusDeps {
  store: Store;
  streams: StreamRepository;
  selection: StreamSelection;
  now: () => number;
}

export function createStreamStatus(deps: StreamStatusDeps) {
  async function find(tenantId: string, id: string): Promise<{ stream: StreamRecord; delivery: DeliveryState }> {
    const stream = await deps.streams.get(tenantId, id);
    const delivery = stream && (await deps.streams.delivery(tenantId, id));
    if (!stream || !delivery) throw new SteleError('not_found', `No stream with id ${id}.`);
    return { stream, delivery };
  }

  async function lagOf(stream: StreamRecord, cursor: number, head: number): Promise<StreamView['lag']> {
    if (head <= cursor) return { events: 0, seconds: 0 };
    let where;
    try {
      where = await deps.selection.between(stream.tenant_id, stream.filter, cursor, head, deps.now());
    } catch {
      return { events: head - cursor, seconds: 0, approximate: true }; // the filter no longer compiles: last_error says so
    }
    const [oldest] = await deps.store.findEvents(stream.tenant_id, { where, order: { key: 'seq', direction: 'asc' }, limit: 1 });
    const seconds = oldest ? Math.max(0, Math.round((deps.now() - Date.parse(oldest.received_at)) / 100) / 10) : 0;
    if (head - cursor > EXACT_LAG_LIMIT) return { events: head - cursor, seconds, approximate: true };
    return { events: oldest ? await deps.store.countEvents(stream.tenant_id, where) : 0, seconds };
  }

  async function view(stream: StreamRecord, delivery: DeliveryState): Promise<StreamView> {
    const head = (await deps.store.getHead(stream.tenant_id)).size;
    const pending = stream.replay && stream.replay.generation > delivery.replay_generation ? stream.replay : null;
    return {
      id: stream.id, name: stream.name, type: stream.type, state: stateOf(stream, delivery),
      destination: DESTINATIONS[stream.type].describe(stream.config),
      config: { ...stream.config, ...stream.secret_masks }, filter: stream.filter, format: stream.format,
      cursor: delivery.cursor, head, lag: await lagOf(stream, delivery.cursor, head),
      delivered: delivery.delivered, last_success_at: delivery.last_success_at, last_error: delivery.last_error,
      failing_since: delivery.failing_since, failures: delivery.failures, next_attempt_at: delivery.next_attempt_at,
      disabled: stateOf(stream, delivery) === 'disabled' ? delivery.disabled : null,
      replay_pending: pending && { cursor: pending.cursor, asked_at: pending.asked_at },
      created_at: stream.created_at, updated_at: stream.updated_at, created_by: stream.created_by,
    };
  }

  async function get(tenantId: string, id: string): Promise<StreamView> {
    const { stream, delivery } = await find(tenantId, id);
    return view(stream, delivery);
  }

  async function list(tenantId: string): Promise<StreamView[]> {
    const views: StreamView[] = [];
    for (const stream of await deps.streams.list(tenantId)) {
      const delivery = await deps.streams.delivery(tenantId, stream.id);
      if (delivery) views.push(await view(stream, delivery));
    }
    return views;
  }

  return { find, view, get, list };
}
