// Bulk export jobs over HTTP: create, poll, list, delete, read the manifest, and download through
// a signed link (the one route here that takes no API key: the link is the credential).

import { readFile } from 'node:fs/promises';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../http/guards.js';
import { errorResponse, errorResponses, idParams, TenantQuery } from '../http/schemas.js';
import { EXPORT_FORMAT_NAMES } from './formats/index.js';
import { requesterOf } from './audit-events.js';
import { formatOf } from './export-routes.js';
import { filtersFromObject } from '../query/query-params.js';
import type { JobService } from './job-service.js';

export interface JobRoutesOptions {
  guards: Guards;
  jobs: JobService;
}

export const baseUrlOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

const Filters = Type.Object({}, { additionalProperties: true, description: 'The filters of GET /v1/events as a JSON object: {"action": ["login.*"], "success": false, "since": "now-30d"}' });

const nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], description === undefined ? {} : { description });
const Time = Type.String({ format: 'date-time' });
const Period = Type.Object({ since: Time, until: Time }, { description: 'Evidence only: the audit period collected' });

/** A bulk export job as the API shows it (job-service.ts describe()). */
export const JobView = Type.Object({
  id: Type.String(),
  status: Type.String({ enum: ['queued', 'running', 'done', 'failed'] }),
  format: Type.String({ enum: [...EXPORT_FORMAT_NAMES] }),
  filters: Type.Object({}, { additionalProperties: true, description: 'The filters, relative times made absolute when the job was created' }),
  q: nullable(Type.String()), label: nullable(Type.String()), control_id: nullable(Type.String()), period: nullable(Period),
  row_count: Type.Integer({ description: 'Rows written so far' }),
  expected_rows: nullable(Type.Integer(), 'Rows the job will write, once counted'),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  first_seq: nullable(Type.Integer()), last_seq: nullable(Type.Integer()),
  created_at: Time, started_at: nullable(Time), finished_at: nullable(Time),
  error: nullable(Type.String(), 'Why a failed job failed'),
  download_url: Type.Optional(Type.String({ description: 'Once done: the signed link (no API key needed) to the gzip file' })),
  download_expires_at: Type.Optional(Time),
  sha256: Type.Optional(Type.String({ description: 'Once done: SHA-256 of the gzip file, hex' })),
  bytes: Type.Optional(Type.Integer({ description: 'Once done: size of the gzip file' })),
  manifest_url: Type.Optional(Type.String()),
});

const Manifest = Type.Object({
  manifest_version: Type.Literal(1), tenant_id: Type.String(),
  source: Type.Object({ kind: Type.String({ enum: ['bulk_export', 'scheduled_export'] }), id: Type.String() }),
  label: nullable(Type.String()), control_id: nullable(Type.String()), period: nullable(Period),
  format: Type.String(), filters: Type.Object({}, { additionalProperties: true }), q: nullable(Type.String()),
  file: Type.String(), compression: Type.Literal('gzip'), bytes: Type.Integer(),
  sha256: Type.String({ description: 'Of the gzip file, hex' }), uncompressed_sha256: Type.String(),
  row_count: Type.Integer(), first_seq: nullable(Type.Integer()), last_seq: nullable(Type.Integer()),
  log_size: Type.Integer({ description: 'The log size the export was pinned to: every matching event up to it is in the file' }),
  created_at: Time,
  checkpoint: nullable(Type.Object({}, { additionalProperties: true }), 'The signed checkpoint that covers last_seq, with the key that opens it'),
  evidence: Type.Boolean({ description: 'True when each event carries its inclusion proof (`stele verify --events FILE --public-key key.pem`)' }),
}, { additionalProperties: true });

const JobParams = idParams('The export job\'s id');

export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, { guards, jobs }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/exports', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'createExport', tags: ['export'], summary: 'Start a bulk export job',
      description: 'Exports every matching event up to the log size now, in the background, to a gzip file with a manifest (filters, row count, SHA-256, the checkpoint it verifies against). Poll `Location` until `status` is `done`, then download through `download_url`. NDJSON and JSON files are evidence files. Recorded as `export_job.created`.',
      querystring: TenantQuery,
      body: Type.Object({
        format: Type.String({ description: `One of ${EXPORT_FORMAT_NAMES.join(', ')}, as format= of GET /v1/events/export` }),
        filters: Type.Optional(Filters), q: Type.Optional(Type.String({ description: 'Search language, ANDed with the filters' })),
        label: Type.Optional(Type.String({ maxLength: 200, description: 'A name for people' })),
        control_id: Type.Optional(Type.String({ maxLength: 100, description: 'The compliance control it supports, e.g. CC6.1' })),
      }, { additionalProperties: false }),
      response: { 202: { ...JobView, description: 'Accepted: the job is queued; `Location` is its URL.' }, ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { format: string; filters?: unknown; q?: string; label?: string; control_id?: string };
    const job = await jobs.create(tenantId, {
      format: formatOf(body.format), filters: filtersFromObject(body.filters),
      ...(body.q !== undefined && { q: body.q }), ...(body.label !== undefined && { label: body.label }),
      ...(body.control_id !== undefined && { controlId: body.control_id }),
    }, requesterOf(request));
    return reply.status(202).header('location', `/v1/exports/${job.id}`).send(await jobs.describe(job, baseUrlOf(request)));
  });

  app.get('/v1/exports', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'listExports', tags: ['export'], summary: 'List bulk export jobs',
      description: 'The tenant\'s bulk export jobs, evidence collections included, oldest first.',
      querystring: TenantQuery, response: { 200: Type.Object({ exports: Type.Array(JobView) }), ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await tenantOf(request);
    const list = await jobs.list(tenantId);
    return { exports: await Promise.all(list.map((job) => jobs.describe(job, baseUrlOf(request)))) };
  });

  app.get('/v1/exports/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'getExport', tags: ['export'], summary: 'Status, progress and (when done) a signed download link',
      description: 'Poll this until `status` is `done` (or `failed`, with `error`). Each answer signs a fresh download link.',
      params: JobParams, querystring: TenantQuery, response: { 200: JobView, ...errorResponses },
    },
  }, async (request) => {
    const job = await jobs.get(await tenantOf(request), (request.params as { id: string }).id);
    return jobs.describe(job, baseUrlOf(request));
  });

  app.get('/v1/exports/:id/manifest', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'getExportManifest', tags: ['export'], summary: 'The manifest of a finished export (filters, rows, seq range, SHA-256)',
      description: 'The manifest written beside the file: what was exported, how many rows, the SHA-256 of the file, and the signed checkpoint it verifies against.',
      params: JobParams, querystring: TenantQuery,
      response: { 200: Manifest, ...errorResponses, 409: errorResponse('The job is not done yet (`conflict`): its manifest exists once it is.') },
    },
  }, async (request, reply) => {
    const path = await jobs.manifestPath(await tenantOf(request), (request.params as { id: string }).id);
    return reply.header('content-type', 'application/json; charset=utf-8').send(await readFile(path, 'utf8'));
  });

  app.delete('/v1/exports/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'deleteExport', tags: ['export'], summary: 'Delete an export and revoke its download links',
      description: 'Deletes the file and its manifest; links already handed out stop working. Recorded as `audit.export_deleted`.',
      params: JobParams, querystring: TenantQuery, response: { 204: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    await jobs.remove(await tenantOf(request), (request.params as { id: string }).id, requesterOf(request));
    return reply.status(204).send();
  });

  app.get('/v1/exports/:id/download', {
    schema: {
      operationId: 'downloadExport', tags: ['export'], summary: 'Download a finished export (gzip) with the signed link; no API key',
      description: 'The link (`download_url` of GET /v1/exports/{id}) is the credential: it names one export and expires (STELE_EXPORT_LINK_TTL_SECONDS). Recorded as `audit.exported`.',
      params: JobParams,
      querystring: Type.Object({ token: Type.String({ description: 'The signed token of the link' }) }, { additionalProperties: false }),
      response: {
        200: {
          description: 'The gzip file; `X-Stele-SHA256` is its SHA-256, as in the manifest.',
          headers: { 'x-stele-sha256': { type: 'string', description: 'SHA-256 of the file, hex' }, 'content-disposition': { type: 'string' } },
          content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
        },
        ...errorResponses,
        401: errorResponse('The link is invalid, expired, or belongs to another export.'),
      },
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
