// The log commands over HTTP: the server's API through the SDK (its transport; `send` through its
// delivery queue, so a file is sent in batches with retries and client ids).

import { createAuditClient, createTransport, type AuditEvent, type Query } from '@stele/sdk';
import type { CheckpointView } from '../checkpoints/checkpoint-service.js';
import type { StoredEvent } from '../domain/event.js';
import type { EventTypeView } from '../event-types/event-type-service.js';
import type { ConsistencyAnswer, InclusionAnswer, LogAccess, SendResult } from './_log-access.js';

export function openRemoteLog(url: string, apiKey: string, tenantId: string | undefined): LogAccess {
  const transport = createTransport({ url, apiKey });
  const tenant: Query = tenantId === undefined ? {} : { tenant_id: tenantId };
  const get = <T>(path: string, query: Query = {}, signal?: AbortSignal) => transport.json<T>('GET', path, { query: { ...query, ...tenant }, ...(signal && { signal }) });

  return {
    description: `${transport.url}${tenantId === undefined ? '' : `, tenant ${tenantId}`}`,

    async send(events, options = {}): Promise<SendResult> {
      const lineOf = new Map<string, number>();
      const refused: SendResult['refused'] = [];
      const client = createAuditClient({
        url, apiKey, batchSize: options.batchSize ?? 500, maxBufferedEvents: Math.max(10_000, (options.batchSize ?? 500) * 8), onBufferFull: 'block',
        onError: () => {},
        onRejected: (rejected) => {
          for (const { event, error } of rejected) {
            const details = error.details.length > 0 ? error.details : [{ message: error.message }];
            for (const detail of details) refused.push({ line: lineOf.get(event.id) ?? 0, ...(detail.field !== undefined && { field: detail.field }), message: detail.message });
          }
        },
      });
      const progress = options.onProgress && setInterval(() => options.onProgress!(client.stats().delivered + client.stats().rejected), 100);
      try {
        for (const { line, event } of events) {
          const id = (event as { id?: unknown }).id;
          // The client id is made here when the event has none, so lines can be named in what is refused.
          const withId = typeof id === 'string' ? event : { ...(event as object), id: crypto.randomUUID() };
          lineOf.set((withId as { id: string }).id, line);
          await client.record(withId as AuditEvent);
        }
        await client.flush();
      } finally {
        if (progress) clearInterval(progress);
        await client.close();
      }
      options.onProgress?.(events.length);
      return { stored: client.stats().delivered, refused: refused.sort((a, b) => a.line - b.line) };
    },

    async latest(selection, limit) {
      return (await get<{ events: StoredEvent[] }>('/v1/events', { ...selection, sort: 'seq', order: 'desc', limit })).events;
    },
    feed: (selection, afterSeq, waitSeconds, signal) => get('/v1/events/feed', { ...selection, after_seq: afterSeq, wait: waitSeconds, limit: 1000 }, signal),

    async export(format, selection, proofs, signal) {
      const response = await transport.stream('/v1/events/export', { query: { ...selection, ...tenant, format, ...(proofs && { proofs: 'true' }) }, ...(signal && { signal }) });
      return { rowCount: Number(response.headers['x-stele-row-count'] ?? 0), chunks: response };
    },

    async checkpoint({ size, make }) {
      if (make) return transport.json<CheckpointView>('POST', '/v1/integrity/checkpoints', { query: tenant });
      return size === undefined ? get<CheckpointView>('/v1/integrity/checkpoints/latest') : get<CheckpointView>('/v1/integrity/checkpoints', { tree_size: size });
    },
    event: (id) => get<StoredEvent>(`/v1/events/${encodeURIComponent(id)}`),
    inclusionProof: (id, treeSize) => get<InclusionAnswer>(`/v1/events/${encodeURIComponent(id)}/proof`, { tree_size: treeSize }),
    consistencyProof: (from, to) => get<ConsistencyAnswer>('/v1/integrity/consistency', { from, to }),
    eventTypes: () => get<{ unknown_actions: string; event_types: EventTypeView[] }>('/v1/event-types'),
    // The instance's key belongs to no tenant: the route takes no tenant_id.
    publicKey: () => transport.json<{ pem: string; note_key: string }>('GET', '/v1/integrity/public-key'),
    async close() {
      transport.close();
    },
  };
}
