// /v1/saved-searches: create, list, read, replace and delete a tenant's saved searches.
// Everything takes audit:read: a saved search is a reader's bookmark, it cannot show more than
// the key can already read (it is ANDed into a request), so no stronger scope is asked for.

import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponse, errorResponses, idParams, TenantQuery } from '../http/schemas.js';
import { MAX_SAVED_SEARCHES, type SavedSearchService } from './saved-search-service.js';

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

const SavedSearchParams = idParams('The saved search\'s id');

type Params = { id: string };
type TenantParam = { tenant_id?: string };

export const savedSearchRoutes: FastifyPluginAsync<SavedSearchRoutesOptions> = async (app, { guards, savedSearches }) => {
  // The service checks bodies itself, so that a bad query answers invalid_query with its position.
  const noValidation = () => () => true;
  const tenantOf = (request: Parameters<Guards['tenantOf']>[0]) => guards.tenantOf(request, (request.query as TenantParam).tenant_id);

  app.post('/v1/saved-searches', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      operationId: 'createSavedSearch', tags: ['saved searches'], summary: 'Save a search (name, query, filters)',
      description: 'The query is checked as `q` would be (a bad one is a 400 with its position). Usable as `saved_search=ID` wherever events are selected. Recorded as `saved_search.created`.',
      querystring: TenantQuery, body: SavedSearchInput,
      response: { 201: SavedSearchDoc, ...errorResponses, 409: errorResponse(`The tenant already keeps the most saved searches it may (${MAX_SAVED_SEARCHES}); delete some first.`) },
    },
  }, async (request, reply) => reply.status(201).send(await savedSearches.create(await tenantOf(request), request.body, requesterOf(request))));

  app.get('/v1/saved-searches', {
    preHandler: guards.authorize('audit:read'),
    schema: {
      operationId: 'listSavedSearches', tags: ['saved searches'], summary: 'The tenant\'s saved searches, oldest first',
      description: 'Every saved search of the tenant.',
      querystring: TenantQuery, response: { 200: Type.Object({ saved_searches: Type.Array(SavedSearchDoc) }), ...errorResponses },
    },
  }, async (request) => ({ saved_searches: await savedSearches.list(await tenantOf(request)) }));

  app.get('/v1/saved-searches/:id', {
    preHandler: guards.authorize('audit:read'),
    schema: {
      operationId: 'getSavedSearch', tags: ['saved searches'], summary: 'One saved search',
      description: 'The saved search with its query and filters.',
      params: SavedSearchParams, querystring: TenantQuery, response: { 200: SavedSearchDoc, ...errorResponses },
    },
  }, async (request) => savedSearches.get(await tenantOf(request), (request.params as Params).id));

  app.put('/v1/saved-searches/:id', {
    preHandler: guards.authorize('audit:read'),
    validatorCompiler: noValidation,
    schema: {
      operationId: 'replaceSavedSearch', tags: ['saved searches'], summary: 'Replace a saved search',
      description: 'Name, query and filters are replaced as a whole; the id stays. Recorded as `saved_search.updated`.',
      params: SavedSearchParams, querystring: TenantQuery, body: SavedSearchInput, response: { 200: SavedSearchDoc, ...errorResponses },
    },
  }, async (request) => savedSearches.replace(await tenantOf(request), (request.params as Params).id, request.body, requesterOf(request)));

  app.delete('/v1/saved-searches/:id', {
    preHandler: guards.authorize('audit:read'),
    schema: {
      operationId: 'deleteSavedSearch', tags: ['saved searches'], summary: 'Delete a saved search',
      description: 'Requests naming it as `saved_search` are refused from then on. Recorded as `saved_search.deleted`.',
      params: SavedSearchParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    await savedSearches.remove(await tenantOf(request), (request.params as Params).id, requesterOf(request));
    return reply.status(204).send();
  });
};
