// /v1/retention (window, legal hold, a purge now), DELETE /v1/events/{id}, /v1/erasures, and
// redaction: /v1/redaction and /v1/hash.

import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { SteleError } from '../domain/errors.js';
import type { JsonValue } from '../domain/event.js';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponse, errorResponses, idParams, TenantQuery } from '../http/schemas.js';
import { checkPaths, type Redaction } from './redaction.js';
import { MAX_DAYS, type RetentionService } from './retention-service.js';

export interface RetentionRoutesOptions {
  guards: Guards;
  retention: RetentionService;
  redaction: Redaction;
  trail: AuditTrail;
}

const Ranges = Type.Array(Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }), { description: 'Inclusive [from_seq, to_seq] runs' });
const ActorDoc = Type.Object({}, { additionalProperties: true, description: 'Who: an API key, a dashboard user, the CLI or the server' });

const PurgeRunDoc = Type.Object({
  started_at: Type.String(), finished_at: Type.String(),
  dry_run: Type.Boolean({ description: 'True: only counted, nothing forgotten' }),
  cutoff: Type.Union([Type.String(), Type.Null()], { description: 'Events that occurred before this were purged' }),
  days: Type.Union([Type.Integer(), Type.Null()]),
  purged: Type.Integer({ description: 'Events whose content was removed (for a dry run: would be)' }),
  bytes_freed: Type.Integer({ description: 'Bytes of content the rows no longer hold' }),
  records: Type.Integer({ description: 'retention.purged records written' }),
  seq_ranges: Ranges,
  skipped: Type.Optional(Type.String({ description: 'Why nothing was purged: forever, legal_hold, stopped' })),
});

const RetentionDoc = Type.Object({
  days: Type.Union([Type.Integer(), Type.Null()], { description: 'The window in days; null keeps events forever' }),
  default_days: Type.Union([Type.Integer(), Type.Null()], { description: 'The instance default (STELE_RETENTION_DAYS)' }),
  source: Type.Union([Type.Literal('tenant'), Type.Literal('default')]),
  legal_hold: Type.Boolean({ description: 'While true, nothing is purged, deleted or erased' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the hold was last set or lifted' }),
  updated_at: Type.Union([Type.String(), Type.Null()]),
  next_purge_at: Type.Union([Type.String(), Type.Null()], { description: 'When the purge job next runs (null: it is off)' }),
  last_purge: Type.Union([PurgeRunDoc, Type.Null()]),
});

const ErasureDoc = Type.Object({
  id: Type.String(), created_at: Type.String(), created_by: ActorDoc,
  subject: Type.Object({
    field: Type.Union([Type.Literal('actor_id'), Type.Literal('email')]),
    hmac: Type.String({ description: 'The value, as POST /v1/hash gives it: the erasure does not keep whom it erased' }),
  }),
  reason: Type.String(),
  count: Type.Integer({ description: 'Events erased' }),
  seq_ranges: Ranges,
  record_seqs: Type.Array(Type.Integer(), { description: 'Seqs of the audit.erased records that explain the tombstones' }),
});

const RedactionDoc = Type.Object({
  paths: Type.Array(Type.String(), { description: 'Stored as hmac-sha256:<hex> instead of their values' }),
  updated_at: Type.Union([Type.String(), Type.Null()]),
});

const Reason = Type.String({ minLength: 1, maxLength: 1000, description: 'Why: kept in the record of the change' });

export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (app, { guards, retention, redaction, trail }) => {
  const tags = ['retention'];
  const manage = guards.authorize('retention:manage');
  const write = guards.authorize('audit:write');
  const tenantOf = (request: { query: unknown }) => guards.tenantOf(request as never, (request.query as { tenant_id?: string }).tenant_id);

  app.get('/v1/retention', {
    preHandler: manage,
    schema: {
      operationId: 'getRetention', tags, summary: 'The retention window, the legal hold, the next and last purge',
      description: 'How long the tenant\'s events are kept (its own window, or the instance default), whether a legal hold stops forgetting, and the figures of the last purge. Scope retention:manage.',
      querystring: TenantQuery, response: { 200: RetentionDoc, ...errorResponses },
    },
  }, async (request) => retention.view(await tenantOf(request)));

  app.put('/v1/retention', {
    preHandler: manage,
    schema: {
      operationId: 'setRetention', tags, summary: 'Set the retention window or the legal hold',
      description: `\`days\`: 90, 365, 730 or any whole number up to ${MAX_DAYS}; null keeps events forever. \`legal_hold\`: true stops every purge, deletion and erasure until set back to false; setting or lifting it needs a \`reason\`. Each change is an event (retention.changed, legal_hold.set, legal_hold.lifted). Scope retention:manage.`,
      querystring: TenantQuery,
      body: Type.Object({
        days: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: MAX_DAYS }), Type.Null()])),
        legal_hold: Type.Optional(Type.Boolean()),
        reason: Type.Optional(Reason),
      }, { additionalProperties: false }),
      response: { 200: RetentionDoc, ...errorResponses },
    },
  }, async (request) => retention.change(await tenantOf(request), request.body as never, requesterOf(request)));

  app.post('/v1/retention/purges', {
    preHandler: manage,
    schema: {
      operationId: 'runPurge', tags, summary: 'Purge expired events now (or count them)',
      description: 'Removes the content of every event older than the window now, as the purge job does (each batch recorded as retention.purged), and answers with the figures. `dry_run: true` only counts. Under legal hold or with no window, nothing is purged and `skipped` says why. Scope retention:manage.',
      querystring: TenantQuery,
      body: Type.Optional(Type.Object({ dry_run: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
      response: { 200: PurgeRunDoc, ...errorResponses },
    },
  }, async (request) => retention.purge(await tenantOf(request), { dryRun: (request.body as { dry_run?: boolean } | undefined)?.dry_run ?? false }));

  app.delete('/v1/events/:id', {
    preHandler: write,
    schema: {
      operationId: 'deleteEvent', tags, summary: 'Delete one event: a tombstone that keeps the proof',
      description: 'A last resort for data-retention workflows. The event\'s content is removed; its id, seq, leaf hash and chain stay, so the log still verifies, and an `audit.deleted` event records who, when and why. `GET /v1/events/{id}` then answers with the tombstone. Scope audit:write.',
      params: idParams('The event\'s id'), querystring: TenantQuery,
      body: Type.Object({ reason: Reason }, { additionalProperties: false }),
      response: {
        204: Type.Null({ description: 'Deleted' }),
        ...errorResponses,
        409: errorResponse('Already deleted, a record that explains forgotten events (kept), or the log is under legal hold (`legal_hold`).'),
      },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    await retention.deleteEvent(tenantId, (request.params as { id: string }).id, (request.body as { reason?: unknown }).reason, requesterOf(request));
    return reply.status(204).send();
  });

  app.post('/v1/erasures', {
    preHandler: write,
    schema: {
      operationId: 'createErasure', tags, summary: 'Erase a person: every event of theirs becomes a tombstone',
      description: 'Right to erasure: every event whose actor is `actor_id` (or whose actor email is `email`) loses its content in one audited step (`audit.erased` records naming the seqs); the log still verifies. The answer and GET /v1/erasures name the person only by the HMAC POST /v1/hash gives. Scope audit:write.',
      querystring: TenantQuery,
      body: Type.Object({
        actor_id: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })), email: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })), reason: Reason,
      }, { additionalProperties: false }),
      response: { 201: ErasureDoc, ...errorResponses, 409: errorResponse('The log is under legal hold (`legal_hold`).') },
    },
  }, async (request, reply) => {
    const body = request.body as { actor_id?: string; email?: string; reason?: string };
    const erasure = await retention.erase(await tenantOf(request), { actor_id: body.actor_id, email: body.email }, body.reason, requesterOf(request));
    return reply.status(201).send(erasure);
  });

  app.get('/v1/erasures', {
    preHandler: write,
    schema: {
      operationId: 'listErasures', tags, summary: 'The erasures made, newest first',
      description: 'Each erasure with its count, seq ranges and records. Scope audit:write.',
      querystring: TenantQuery, response: { 200: Type.Object({ erasures: Type.Array(ErasureDoc) }), ...errorResponses },
    },
  }, async (request) => ({ erasures: await retention.listErasures(await tenantOf(request)) }));

  app.get('/v1/redaction', {
    preHandler: manage,
    schema: {
      operationId: 'getRedaction', tags, summary: 'The paths redacted at ingest',
      description: 'Values at these paths are stored as `hmac-sha256:<hex>` under a secret of the tenant instead of the value. Scope retention:manage.',
      querystring: TenantQuery, response: { 200: RedactionDoc, ...errorResponses },
    },
  }, async (request) => redaction.view(await tenantOf(request)));

  app.put('/v1/redaction', {
    preHandler: manage,
    schema: {
      operationId: 'setRedaction', tags, summary: 'Set the paths redacted at ingest',
      description: '`details.<key>` (nested keys with dots, `*` for every member: `details.card.*`), `actor.email`, `actor.name`, `target.name`, `target.url`, `context.ip`, `context.user_agent`, `context.location`, `context.url`. Applies to events received from now on (stored events keep their hashes). Recorded as redaction.changed. Scope retention:manage.',
      querystring: TenantQuery,
      body: Type.Object({ paths: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 100 }) }, { additionalProperties: false }),
      response: { 200: RedactionDoc, ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await tenantOf(request);
    const paths = checkPaths((request.body as { paths: unknown }).paths);
    const before = (await redaction.view(tenantId)).paths;
    await trail.record(tenantId, { action: 'redaction.changed', ...requesterOf(request), target: { type: 'redaction', id: tenantId }, details: { paths: { from: before, to: paths } } });
    await redaction.setPaths(tenantId, paths);
    return redaction.view(tenantId);
  });

  app.post('/v1/hash', {
    preHandler: guards.authorize('audit:read'),
    schema: {
      operationId: 'hashValue', tags, summary: 'The HMAC redaction stores for a value',
      description: 'The same `hmac-sha256:<hex>` redaction stores for `value` (a string as its UTF-8 bytes, anything else as its RFC 8785 JSON), so a known value can still be searched for: `q=details.password:"hmac-sha256:…"`. Scope audit:read.',
      querystring: TenantQuery,
      body: Type.Object({ value: Type.Unknown({ description: 'Any JSON value' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ hash: Type.String() }), ...errorResponses },
    },
  }, async (request) => {
    const { value } = request.body as { value?: JsonValue };
    if (value === undefined) throw new SteleError('invalid_request', 'value is required', [{ field: 'value', message: 'required' }]);
    return { hash: await redaction.hash(await tenantOf(request), value) };
  });
};
