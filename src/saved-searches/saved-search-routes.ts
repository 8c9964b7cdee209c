// /v1/saved-searches: create, list, read, replace and delete a tenant's saved searches.
// Everything takes audit:read: a saved search is a reader's bookmark, it cannot show more than
// the key can already read (it is ANDed into a request), so no stronger scope is asked for.

import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponses, IdParams, TenantQuery } from '../http/schemas.js';
import type { SavedSearchService } from './saved-search-service.js';

export interface SavedSearchRoutesOptions {
  guards: Guards;
  savedSearches: SavedSearchService;
}

const Filters = Type.Object({}, { additionalProperties: true, description: 'Filters of GET /v1/events as JSON, e.g. {"action": ["login.*"], "success": false}' });
const SavedSearchDoc = Type.Object({
  id: Type.String(), name: Type.String(), query: Type.String(), filters: Filters,
  created_at: Type.String(), updated_at: Type.String(),
});
const SavedSearchInput = Type.Object({
  name: Type.String({ description: '1 to 200 characters' }),
  query: Type.Optional(Type.String({ description: 'Search language, as q= on GET /v1/events; empty matches everything' })),
  filters: Type.Optional(Filters),
}, { additionalProperties: true });

type Params = { id: string };
type TenantParam = { tenant_id?: string };

export const savedSearchRoutes: FastifyPluginAsync<SavedSearchRoutesOptions> = async (app, { guards, savedSearches }) => {
  // The service checks bodies itself, so that a bad query answers invalid_query with its position.
  const noValidation = () => () => true;
  const tenantOf = (request: Parameters<Guards['tenantOf']>[0]) => guards.tenantOf(request, (request.query as TenantParam).tenant_id);

  app.post('/v1/saved-searches', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: { tags: ['saved searches'], summary: 'Save a search (name, query, filters)', querystring: TenantQuery, body: SavedSearchInput, response: { 201: SavedSearchDoc, ...errorResponses } },
  }, async (request, reply) => reply.status(201).send(await savedSearches.create(await tenantOf(request), request.body, requesterOf(request))));

  app.get('/v1/saved-searches', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['saved searches'], summary: 'The tenant\'s saved searches, oldest first', querystring: TenantQuery, response: { 200: Type.Object({ saved_searches: Type.Array(SavedSearchDoc) }), ...errorResponses } },
  }, async (request) => ({ saved_searches: await savedSearches.list(await tenantOf(request)) }));

  app.get('/v1/saved-searches/:id', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['saved searches'], summary: 'One saved search', params: IdParams, querystring: TenantQuery, response: { 200: SavedSearchDoc, ...errorResponses } },
  }, async (request) => savedSearches.get(await tenantOf(request), (request.params as Params).id));

  app.put('/v1/saved-searches/:id', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: { tags: ['saved searches'], summary: 'Replace a saved search', params: IdParams, querystring: TenantQuery, body: SavedSearchInput, response: { 200: SavedSearchDoc, ...errorResponses } },
  }, async (request) => savedSearches.replace(await tenantOf(request), (request.params as Params).id, request.body, requesterOf(request)));

  app.delete('/v1/saved-searches/:id', {
    preHandler: guards.authorize('audit:read'),
    schema: { tags: ['saved searches'], summary: 'Delete a saved search', params: IdParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await savedSearches.remove(await tenantOf(request), (request.params as Params).id, requesterOf(request));
    return reply.status(204).send();
  });
};
