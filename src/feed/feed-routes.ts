// GET /v1/events/feed: pull events in seq order from after_seq, optionally long-polling.

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import { queryOf, requesterOf } from '../http/request-audit.js';
import { errorResponses, StoredEventDoc, tenantIdParameter } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import { filtersFromQuery } from '../query/event-routes.js';
import { SELECTION_QUERY } from '../query/query-params.js';
import type { EventSelector } from '../query/selection.js';
import { FEED_MAX_WAIT_SECONDS, type FeedService } from './feed-service.js';

export interface FeedRoutesOptions {
  guards: Guards;
  feed: FeedService;
  /** Adds `q` and `saved_search` (query/selection.ts); without it only the filters apply. */
  select?: EventSelector;
  /** Every read is recorded as `data.accessed`, collapsed per reader and query (after_seq aside). */
  trail: AuditTrail;
}

type Query = Record<string, string | string[] | undefined>;

function number(query: Query, name: string): number | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value) || !/^\d{1,15}$/.test(value)) {
    throw new SteleError('invalid_request', `${name} must be a non-negative integer`, [{ field: name, message: 'not an integer' }]);
  }
  return Number(value);
}

export const feedRoutes: FastifyPluginAsync<FeedRoutesOptions> = async (app, { guards, feed, select, trail }) => {
  app.get('/v1/events/feed', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: () => () => true,
    schema: {
      operationId: 'readEventFeed', tags: ['events'],
      summary: 'Events after a seq, in seq order, for SIEM pulls; keep next_after_seq and nothing is skipped or repeated',
      description: 'Ordered by `seq`, which is gap-free and assigned at commit, so a client that stores `next_after_seq` and sends it back never skips nor repeats an event. With `wait`, an empty answer is held until an event arrives or the wait ends. Filters, `q` and `saved_search` narrow it. Recorded as `data.accessed`.',
      querystring: Type.Object({
        after_seq: Type.Optional(Type.String({ description: 'Last seq the client has (default 0)' })),
        limit: Type.Optional(Type.String({ description: 'Events per answer, 1..1000, default 100' })),
        wait: Type.Optional(Type.String({ description: `Long-poll up to this many seconds (max ${FEED_MAX_WAIT_SECONDS})` })),
        tenant_id: tenantIdParameter,
        ...SELECTION_QUERY,
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          events: Type.Array(StoredEventDoc),
          next_after_seq: Type.Integer({ description: 'Send this as after_seq next time' }),
        }),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const query = request.query as Query;
    const tenantId = await guards.tenantOf(request, typeof query.tenant_id === 'string' ? query.tenant_id : undefined);
    const gone = new AbortController();
    const onClose = () => { if (!reply.sent) gone.abort(); };
    reply.raw.once('close', onClose);
    try {
      const page = await feed.read(tenantId, {
        afterSeq: number(query, 'after_seq') ?? 0,
        limit: number(query, 'limit'),
        waitSeconds: number(query, 'wait'),
        ...(select ? await select.fromQuery(tenantId, query) : { filters: filtersFromQuery(query) }),
        signal: gone.signal,
      });
      await trail.recordRead(tenantId, requesterOf(request), { view: 'feed', query: queryOf(request), rows: page.events.length });
      return page;
    } finally {
      reply.raw.off('close', onClose);
    }
  });
};
