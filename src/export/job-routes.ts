// Bulk export jobs over HTTP: create, poll, list, delete, read the manifest, and download through
// a signed link (the one route here that takes no API key: the link is the credential).

import { readFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../http/guards.js';
import { errorResponses, IdParams, TenantQuery } from '../http/schemas.js';
import { requesterOf } from './audit-events.js';
import { formatOf } from './export-routes.js';
import { filtersFromObject } from '../query/query-params.js';
import type { JobService } from './job-service.js';
import type { NotifyRequest } from '../destinations/notify.js';
import { NotifyBody } from '../destinations/notify-body.js';

export interface JobRoutesOptions {
  guards: Guards;
  jobs: JobService;
}

export const baseUrlOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

const Filters = Type.Object({}, { additionalProperties: true, description: 'The filters of GET /v1/events as a JSON object: {"action": ["login.*"], "success": false, "since": "now-30d"}' });

export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, { guards, jobs }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/exports', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      tags: ['export'], summary: 'Start a bulk export job',
      querystring: TenantQuery,
      body: Type.Object({
        format: Type.String(), filters: Type.Optional(Filters), q: Type.Optional(Type.String()),
        label: Type.Optional(Type.String({ maxLength: 200 })), control_id: Type.Optional(Type.String({ maxLength: 100 })),
        columns: Type.Optional(Type.String({ maxLength: 4096, description: 'CSV only: the columns, in order, as GET /v1/events/export takes them' })),
        notify: Type.Optional(NotifyBody),
      }, { additionalProperties: false }),
      response: { 202: Type.Object({}, { additionalProperties: true }), ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { format: string; filters?: unknown; q?: string; label?: string; control_id?: string; columns?: string; notify?: NotifyRequest };
    const job = await jobs.create(tenantId, {
      format: formatOf(body.format), filters: filtersFromObject(body.filters),
      ...(body.q !== undefined && { q: body.q }), ...(body.label !== undefined && { label: body.label }),
      ...(body.control_id !== undefined && { controlId: body.control_id }),
      ...(body.columns !== undefined && { columns: body.columns }),
      ...(body.notify !== undefined && { notify: body.notify }), baseUrl: baseUrlOf(request),
    }, requesterOf(request));
    const view = await jobs.describe(job, baseUrlOf(request));
    return reply.status(202).header('location', `/v1/exports/${job.id}`).send({ ...view, ...(job.secretShown && { notify_secret: job.secretShown }) });
  });

  app.get('/v1/exports', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'List bulk export jobs', querystring: TenantQuery, response: errorResponses },
  }, async (request) => {
    const tenantId = await tenantOf(request);
    const list = await jobs.list(tenantId);
    return { exports: await Promise.all(list.map((job) => jobs.describe(job, baseUrlOf(request)))) };
  });

  app.get('/v1/exports/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'Status, progress and (when done) a signed download link', params: IdParams, querystring: TenantQuery, response: errorResponses },
  }, async (request) => {
    const job = await jobs.get(await tenantOf(request), (request.params as { id: string }).id);
    return jobs.describe(job, baseUrlOf(request));
  });

  app.get('/v1/exports/:id/manifest', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'The manifest of a finished export (filters, rows, seq range, SHA-256)', params: IdParams, querystring: TenantQuery, response: errorResponses },
  }, async (request, reply) => {
    const path = await jobs.manifestPath(await tenantOf(request), (request.params as { id: string }).id);
    return reply.header('content-type', 'application/json; charset=utf-8').send(await readFile(path, 'utf8'));
  });

  app.delete('/v1/exports/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: { tags: ['export'], summary: 'Delete an export and revoke its download links', params: IdParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await jobs.remove(await tenantOf(request), (request.params as { id: string }).id, requesterOf(request));
    return reply.status(204).send();
  });

  app.get('/v1/exports/:id/download', {
    schema: {
      tags: ['export'], summary: 'Download a finished export (gzip) with the signed link; no API key',
      params: IdParams, querystring: Type.Object({ token: Type.String() }, { additionalProperties: false }), response: errorResponses,
    },
  }, async (request, reply) => {
    const opened = await jobs.openDownload((request.query as { token: string }).token, (request.params as { id: string }).id, requesterOf(request));
    return reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="${opened.filename}"`)
      .header('x-stele-sha256', opened.job.artifact!.sha256)
      .header('cache-control', 'no-store')
      .send(opened.stream);
  });
};
