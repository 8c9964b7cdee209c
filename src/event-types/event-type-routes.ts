// /v1/event-types: the event types a tenant declares, and /v1/event-type-policy: whether it
// accepts actions nobody declared. Reading takes events:write (a publisher needs the schemas its
// events must match, and `stele sdk types` generates code from them); changing takes
// event_types:manage.

import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { SteleError } from '../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponse, errorResponses, tenantIdParameter, TenantQuery } from '../http/schemas.js';
import type { EventTypeService } from './event-type-service.js';

export interface EventTypeRoutesOptions {
  guards: Guards;
  eventTypes: EventTypeService;
}

const JsonSchema = (part: string) => Type.Optional(Type.Object({}, {
  additionalProperties: true,
  description: `JSON Schema (draft-07) the event's ${part} must match; an absent ${part} is checked as {}. No pattern or patternProperties (regular expressions are refused).`,
}));

const EventTypeInput = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1000, description: 'What the event means, for people and generated code' })),
  details_schema: JsonSchema('details'),
  target_schema: JsonSchema('target'),
  actor_schema: JsonSchema('actor'),
}, { additionalProperties: true, description: 'An event type; the server\'s own fields (action, version, category, created_at, updated_at) may be sent back as read' });

const EventTypeDoc = Type.Object({
  action: Type.String(),
  version: Type.Integer({ description: 'Starts at 1; every change is a new version' }),
  category: Type.String({ description: 'From the action registry' }),
  description: Type.Optional(Type.String()),
  details_schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
  target_schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
  actor_schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
  created_at: Type.String({ description: 'When this version was written' }),
  updated_at: Type.String(),
});

const Policy = Type.Object({
  unknown_actions: Type.Union([Type.Literal('allow'), Type.Literal('reject')], {
    description: 'reject: an event whose action is neither declared nor in the built-in registry (seed taxonomy, Stele\'s own) is refused with a 400',
  }),
}, { additionalProperties: false });

const ActionParams = Type.Object({
  action: Type.String({ minLength: 1, maxLength: 128, description: 'The action, e.g. invoice.paid (percent-encode a /)' }),
}, { additionalProperties: false });

type Query = { tenant_id?: string; version?: string };
type Params = { action: string };

function versionOf(query: Query): number | undefined {
  if (query.version === undefined || query.version === '') return undefined;
  if (!/^\d{1,9}$/.test(query.version) || Number(query.version) < 1) {
    throw new SteleError('invalid_request', 'version must be a positive integer', [{ field: 'version', message: 'not a positive integer' }]);
  }
  return Number(query.version);
}

export const eventTypeRoutes: FastifyPluginAsync<EventTypeRoutesOptions> = async (app, { guards, eventTypes }) => {
  // The service checks every part itself, so a bad schema answers a 400 naming the field.
  const noValidation = () => () => true;
  const read = guards.authorize('events:write');
  const manage = guards.authorize('event_types:manage');
  const tenantOf = (request: Parameters<Guards['tenantOf']>[0]) => guards.tenantOf(request, (request.query as Query).tenant_id);
  const tags = ['event types'];

  app.get('/v1/event-types', {
    preHandler: read,
    schema: {
      operationId: 'listEventTypes', tags, summary: 'The event types the tenant declared, and its policy for other actions',
      description: 'Each declared action with its current version and schemas, sorted by action. Scope events:write.',
      querystring: TenantQuery,
      response: { 200: Type.Object({ unknown_actions: Policy.properties.unknown_actions, event_types: Type.Array(EventTypeDoc) }), ...errorResponses },
    },
  }, async (request) => eventTypes.list(await tenantOf(request)));

  app.get('/v1/event-types/:action', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'getEventType', tags, summary: 'One event type: the current version, or an older one',
      description: 'Scope events:write. 404 when the action is not declared (or that version does not exist).',
      params: ActionParams,
      querystring: Type.Object({
        version: Type.Optional(Type.String({ description: 'A version number (default: the current one)' })),
        tenant_id: tenantIdParameter,
      }, { additionalProperties: false }),
      response: { 200: EventTypeDoc, ...errorResponses },
    },
  }, async (request) => eventTypes.get(await tenantOf(request), (request.params as Params).action, versionOf(request.query as Query)));

  app.put('/v1/event-types/:action', {
    preHandler: manage,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'putEventType', tags, summary: 'Declare an event type, or change it (a new version)',
      description: 'JSON Schemas (draft-07) for the details, target and actor of events with this action, checked at ingest: an event '
        + 'that does not match is refused with a 400 naming the field. The same declaration sent again changes nothing. '
        + 'Recorded as event_type.created or event_type.updated. Scope event_types:manage.',
      params: ActionParams, querystring: TenantQuery, body: EventTypeInput,
      response: {
        200: { ...EventTypeDoc, description: 'The type was declared already: its current version (a new one when something changed)' },
        201: { ...EventTypeDoc, description: 'The type is declared: version 1, or the next after a deletion' },
        ...errorResponses,
        409: errorResponse('The type was changed at the same time (`conflict`: read it again and retry), or the tenant has the most types it may declare.'),
      },
    },
  }, async (request, reply) => {
    const { type, created } = await eventTypes.put(await tenantOf(request), (request.params as Params).action, request.body, requesterOf(request));
    return reply.status(created ? 201 : 200).send(type);
  });

  app.delete('/v1/event-types/:action', {
    preHandler: manage,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'deleteEventType', tags, summary: 'Remove an event type',
      description: 'Events with this action are no longer checked (or, under unknown_actions=reject, refused). Its versions stay readable. '
        + 'Recorded as event_type.deleted. Scope event_types:manage.',
      params: ActionParams, querystring: TenantQuery,
      response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses, 409: errorResponse('The type was changed at the same time (`conflict`): read it again and retry.') },
    },
  }, async (request, reply) => {
    await eventTypes.remove(await tenantOf(request), (request.params as Params).action, requesterOf(request));
    return reply.status(204).send();
  });

  app.get('/v1/event-type-policy', {
    preHandler: read,
    schema: {
      operationId: 'getEventTypePolicy', tags, summary: 'Whether the tenant accepts actions it did not declare',
      description: 'allow (the default) or reject. Scope events:write.',
      querystring: TenantQuery, response: { 200: Policy, ...errorResponses },
    },
  }, async (request) => ({ unknown_actions: (await eventTypes.list(await tenantOf(request))).unknown_actions }));

  app.put('/v1/event-type-policy', {
    preHandler: manage,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'setEventTypePolicy', tags, summary: 'Accept or refuse actions the tenant did not declare',
      description: 'Under reject, an event whose action is neither a declared event type nor in the built-in registry is refused with a 400. '
        + 'Recorded as event_type.policy_changed. Scope event_types:manage.',
      querystring: TenantQuery, body: Policy, response: { 200: Policy, ...errorResponses },
    },
  }, async (request) => eventTypes.setPolicy(await tenantOf(request), request.body, requesterOf(request)));
};
