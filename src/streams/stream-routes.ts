// /v1/streams (scope streams:manage): create, list, read, replace and delete streams; pause,
// resume, replay; send a test event. A destination's secrets are accepted in `config` and never
// shown again (masked as "••••1234"); a webhook's signing secret is returned once, as `secret`.

import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponses, Id, TenantQuery } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import { STREAM_FORMATS, STREAM_TYPES } from './destinations/index.js';
import { readStart, seqPoint, timePoint } from './stream-positions.js';
import type { StreamRequest, StreamService } from './stream-service.js';

export interface StreamRoutesOptions {
  guards: Guards;
  streams: StreamService;
  now: () => number;
}

const StreamIdParams = Type.Object({ id: Type.String({ ...Id, description: 'The stream\'s id' }) }, { additionalProperties: false });
const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

const FilterBody = Type.Object({
  categories: Type.Optional(Type.Array(Type.String(), { description: 'Event categories (authentication, security, configuration ...)' })),
  actions: Type.Optional(Type.Array(Type.String(), { description: 'Exact actions, or prefixes ending in * (login.*)' })),
  q: Type.Optional(Type.String({ description: 'A search-language query (see GET /v1/events/filters)' })),
  saved_search: Type.Optional(Type.String({ description: 'The id of a saved search; its current definition applies' })),
}, { additionalProperties: false, description: 'Which events the stream sends (all ANDed); none: every event' });

const StreamBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'A name for people' }),
  type: Type.String({ enum: [...STREAM_TYPES], description: 'The destination' }),
  config: Open('The destination\'s settings; README "Streams" lists each type\'s. Secrets in it are stored sealed and shown masked'),
  filter: Type.Optional(FilterBody),
  format: Type.Optional(Type.String({ enum: [...STREAM_FORMATS], description: 'How each event is written, where the destination allows a choice (default json)' })),
}, { additionalProperties: false });

const CreateBody = Type.Object({
  ...StreamBody.properties,
  start: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: '"now" (default: only events from now on), a seq to send from (backfill), or a time (RFC 3339 or now-24h) from which the events received are sent' })),
}, { additionalProperties: false });

const StreamDoc = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String({ enum: [...STREAM_TYPES] }),
  state: Type.String({ enum: ['active', 'paused', 'failing', 'disabled'] }),
  destination: Type.String({ description: 'Where events go, without secrets' }),
  config: Open('The settings, secrets masked'),
  filter: Open('The filter'),
  format: Type.String({ enum: [...STREAM_FORMATS] }),
  cursor: Type.Integer({ description: 'The last seq delivered (or passed over by the filter)' }),
  head: Type.Integer({ description: 'The log\'s size now' }),
  lag: Type.Object({
    events: Type.Integer({ description: 'Matching events not delivered yet' }),
    seconds: Type.Number({ description: 'How long ago the oldest of them was received' }),
    approximate: Type.Optional(Type.Boolean({ description: 'Over 100,000 behind: events counts the whole log after the cursor' })),
  }),
  delivered: Type.Integer({ description: 'Events the receivers accepted (a re-sent batch counts again)' }),
  last_success_at: nullable(Type.String()),
  last_error: nullable(Open('{at, message, status?, body?}')),
  failing_since: nullable(Type.String({ description: 'When the current run of failures began' })),
  failures: Type.Integer({ description: 'Failed attempts in a row' }),
  next_attempt_at: nullable(Type.String()),
  disabled: nullable(Open('{at, reason}: the receiver said it is gone; resume to enable it again')),
  replay_pending: nullable(Open('{cursor, asked_at}: a replay the delivering node has not applied yet')),
  created_at: Type.String(),
  updated_at: Type.String(),
  created_by: Open('Who created it'),
}, { additionalProperties: false });

const TestAnswer = Type.Object({
  ok: Type.Boolean({ description: 'The receiver accepted the test event' }),
  status: Type.Optional(Type.Integer({ description: 'HTTP status, when the protocol has one' })),
  body: Type.Optional(Type.String({ description: 'The start of the receiver\'s answer' })),
  error: Type.Optional(Type.String({ description: 'Why it failed' })),
  retry_after_ms: Type.Optional(Type.Integer()),
  latency_ms: Type.Number({ description: 'From sending to the answer' }),
  event_id: Type.String({ description: 'The test event\'s id (not part of the log)' }),
}, { additionalProperties: false });

const ReplayBody = Type.Object({
  from_seq: Type.Optional(Type.Integer({ minimum: 1, description: 'Send again from this seq (inclusive)' })),
  from_time: Type.Optional(Type.String({ description: 'Send again what was received from this time (RFC 3339 or now-24h)' })),
}, { additionalProperties: false, description: 'Exactly one of from_seq and from_time' });

const TAGS = ['streams'];

export const streamRoutes: FastifyPluginAsync<StreamRoutesOptions> = async (app, { guards, streams, now }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const guard = guards.authorize('streams:manage');

  app.post('/v1/streams', {
    preHandler: guard,
    schema: {
      operationId: 'createStream', tags: TAGS, summary: 'Create a stream that pushes events to a SIEM or store',
      description: 'Delivery is ordered and at-least-once from `start` on (README "Streams"). For a webhook, the answer carries the signing secret once, as `secret`.',
      querystring: TenantQuery, body: CreateBody,
      response: { 201: Type.Object({ ...StreamDoc.properties, secret: Type.Optional(Type.String({ description: 'whsec_… (webhook only), shown once' })) }, { additionalProperties: false }), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as StreamRequest & { start?: unknown };
    const { stream, secret } = await streams.create(tenantId, body, readStart(body.start, 'start'), requesterOf(request));
    return reply.status(201).send({ ...stream, ...(secret !== undefined && { secret }) });
  });

  app.get('/v1/streams', {
    preHandler: guard,
    schema: {
      operationId: 'listStreams', tags: TAGS, summary: 'List streams with their state, cursor and lag',
      description: 'Every stream of the tenant, oldest first.', querystring: TenantQuery,
      response: { 200: Type.Object({ streams: Type.Array(StreamDoc) }), ...errorResponses },
    },
  }, async (request) => ({ streams: await streams.list(await tenantOf(request)) }));

  app.get('/v1/streams/:id', {
    preHandler: guard,
    schema: {
      operationId: 'getStream', tags: TAGS, summary: 'One stream: state, cursor, lag, delivered count, last error and success',
      description: 'Where its delivery stands (cursor, head, lag, delivered count, the last error and success) and its settings, with secrets masked.', params: StreamIdParams, querystring: TenantQuery, response: { 200: StreamDoc, ...errorResponses },
    },
  }, async (request) => streams.get(await tenantOf(request), idOf(request)));

  app.put('/v1/streams/:id', {
    preHandler: guard,
    schema: {
      operationId: 'updateStream', tags: TAGS, summary: 'Replace a stream\'s name, settings, filter and format',
      description: 'The type cannot change. A secret left out of config, or sent back masked as shown, keeps its value. The cursor stays.',
      params: StreamIdParams, querystring: TenantQuery, body: StreamBody, response: { 200: StreamDoc, ...errorResponses },
    },
  }, async (request) => streams.update(await tenantOf(request), idOf(request), request.body as StreamRequest, requesterOf(request)));

  app.delete('/v1/streams/:id', {
    preHandler: guard,
    schema: {
      operationId: 'deleteStream', tags: TAGS, summary: 'Delete a stream', description: 'Delivery stops after the request in flight.',
      params: StreamIdParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    await streams.remove(await tenantOf(request), idOf(request), requesterOf(request));
    return reply.status(204).send();
  });

  for (const [verb, operationId, summary, description] of [
    ['pause', 'pauseStream', 'Pause a stream', 'Delivery stops after the request in flight; the cursor stays, so nothing is skipped on resume.'],
    ['resume', 'resumeStream', 'Resume a paused or disabled stream', 'Delivery goes on from the cursor. A stream a receiver disabled (410) is enabled again.'],
  ] as const) {
    app.post(`/v1/streams/:id/${verb}`, {
      preHandler: guard,
      schema: { operationId, tags: TAGS, summary, description, params: StreamIdParams, querystring: TenantQuery, response: { 200: StreamDoc, ...errorResponses } },
    }, async (request) => streams[verb](await tenantOf(request), idOf(request), requesterOf(request)));
  }

  app.post('/v1/streams/:id/replay', {
    preHandler: guard,
    schema: {
      operationId: 'replayStream', tags: TAGS, summary: 'Send events again from a seq or a time',
      description: 'Moves the cursor (back, or forward to skip); the delivering node applies it before its next batch (`replay_pending` until then).',
      params: StreamIdParams, querystring: TenantQuery, body: ReplayBody, response: { 200: StreamDoc, ...errorResponses },
    },
  }, async (request) => {
    const body = request.body as { from_seq?: number; from_time?: string };
    if ((body.from_seq === undefined) === (body.from_time === undefined)) {
      throw new SteleError('invalid_request', 'Give exactly one of from_seq and from_time.', [{ field: 'from_seq', message: 'give from_seq or from_time' }]);
    }
    const from = body.from_seq !== undefined ? seqPoint(body.from_seq, 'from_seq') : timePoint(body.from_time, 'from_time', now());
    return streams.replay(await tenantOf(request), idOf(request), from, requesterOf(request));
  });

  app.post('/v1/streams/:id/test', {
    preHandler: guard,
    schema: {
      operationId: 'testStream', tags: TAGS, summary: 'Send one test event to the destination now',
      description: 'Really sends a made-up event (action stream.test, seq 0) and returns what the receiver answered and how long it took. The stream\'s cursor does not move.',
      params: StreamIdParams, querystring: TenantQuery, response: { 200: TestAnswer, ...errorResponses },
    },
  }, async (request, reply) => {
    // A client that hangs up stops the test; a finished answer also closes, harmlessly.
    const gone = new AbortController();
    const onClose = () => { if (!reply.sent) gone.abort(); };
    reply.raw.once('close', onClose);
    const answer = await streams.test(await tenantOf(request), idOf(request), gone.signal).finally(() => reply.raw.off('close', onClose));
    return {
      ok: answer.ok, latency_ms: answer.latency_ms, event_id: answer.event_id,
      ...(answer.status !== undefined && { status: answer.status }), ...(answer.body !== undefined && { body: answer.body }),
      ...(answer.error !== undefined && { error: answer.error }), ...(answer.retryAfterMs !== undefined && { retry_after_ms: Math.round(answer.retryAfterMs) }),
    };
  });
};
