// /v1/reports: ask for a report or the SOC 2 package (a job, like a bulk export), follow its
// progress, read its manifest, and download it through a signed link that needs no API key.

import { readFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Guards } from '../http/guards.js';
import { requesterOf } from '../http/request-audit.js';
import { errorResponses, IdParams, TenantQuery } from '../http/schemas.js';
import { filtersFromObject } from '../query/query-params.js';
import { REPORT_TYPES } from './definitions.js';
import { CONTENT_TYPES, REPORT_FORMATS } from './report-jobs.js';
import { NotifyBody } from '../destinations/notify-body.js';
import { baseUrlOf } from '../export/job-routes.js';
import type { ReportService } from './report-service.js';

export interface ReportRoutesOptions {
  guards: Guards;
  reports: ReportService;
  trail: AuditTrail;
}

export const FiltersBody = Type.Object({}, { additionalProperties: true, description: 'The filters of GET /v1/events as a JSON object, without since/until: {"actor_id": ["alice"]}' });

const ReportView = Type.Object({
  id: Type.String(), type: Type.String(), format: Type.String(), status: Type.String({ enum: ['queued', 'running', 'done', 'failed'] }),
  progress: Type.Number({ description: '0 to 1' }),
  period: Type.Object({ from: Type.String(), to: Type.String() }),
  download_url: Type.Optional(Type.String({ description: 'Signed link, valid until download_expires_at; needs no API key' })),
  notify_secret: Type.Optional(Type.String({ description: 'The webhook secret made for this report: shown once' })),
}, { additionalProperties: true });

export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (app, { guards, reports, trail }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/reports', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'createReport', tags: ['reports'],
      summary: 'Make a report, or the SOC 2 package, of a period',
      description: `Queues a report of [from, to): ${REPORT_TYPES.join(', ')} as html (printable), pdf, csv or json, or the SOC 2 package (type soc2, format zip) with the period's events, proofs, checkpoint and a signed manifest that \`stele verify --package\` checks offline. `
        + 'The figures are computed by the database over the events up to the log size when asked (a checkpoint is signed then). Poll GET /v1/reports/{id} for progress and the download link.',
      querystring: TenantQuery,
      body: Type.Object({
        type: Type.String({ enum: [...REPORT_TYPES, 'soc2'], description: 'Which report' }),
        from: Type.String({ maxLength: 64, description: 'Start of the period (included): ISO time or relative (now-30d)' }),
        to: Type.String({ maxLength: 64, description: 'End of the period (excluded): ISO time or relative (now)' }),
        format: Type.String({ enum: [...REPORT_FORMATS, 'zip'], description: 'html, pdf, csv or json; zip for soc2' }),
        filters: Type.Optional(FiltersBody),
        notify: Type.Optional(NotifyBody),
      }, { additionalProperties: false }),
      response: { 202: ReportView, ...errorResponses, 409: { $ref: 'ErrorBody#' }, 503: { $ref: 'ErrorBody#' } },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { type: string; from: string; to: string; format: string; filters?: unknown; notify?: { email?: string[]; webhook?: { url: string; secret?: string } } };
    const { job, secretShown } = await reports.create(tenantId, {
      type: body.type, from: body.from, to: body.to, format: body.format, filters: filtersFromObject(body.filters), ...(body.notify && { notify: body.notify }),
    }, requesterOf(request), { baseUrl: baseUrlOf(request) });
    const view = await reports.describe(job, baseUrlOf(request));
    return reply.status(202).header('location', `/v1/reports/${job.id}`).send({ ...view, ...(secretShown && { notify_secret: secretShown }) });
  });

  app.get('/v1/reports', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'listReports', tags: ['reports'], summary: 'The tenant\'s reports, newest first',
      description: 'Every report asked for or scheduled, with its status; a finished one has a fresh download link.',
      querystring: TenantQuery, response: { 200: Type.Object({ reports: Type.Array(ReportView) }), ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await tenantOf(request);
    return { reports: await Promise.all((await reports.list(tenantId)).map((job) => reports.describe(job, baseUrlOf(request)))) };
  });

  app.get('/v1/reports/:id', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'getReport', tags: ['reports'], summary: 'A report\'s status, progress and (when done) download link',
      description: 'The download link is signed now and works without an API key until download_expires_at.',
      params: IdParams, querystring: TenantQuery, response: { 200: ReportView, ...errorResponses },
    },
  }, async (request) => reports.describe(await reports.get(await tenantOf(request), (request.params as { id: string }).id), baseUrlOf(request)));

  app.get('/v1/reports/:id/manifest', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'getReportManifest', tags: ['reports'], summary: 'The manifest of a finished report',
      description: 'Type, period, filters, the log size counted, the file\'s SHA-256 and size, every figure, and the signed checkpoint that covers the log size.',
      params: IdParams, querystring: TenantQuery, response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses, 409: { $ref: 'ErrorBody#' } },
    },
  }, async (request, reply) => {
    const path = await reports.manifestPath(await tenantOf(request), (request.params as { id: string }).id);
    return reply.header('content-type', 'application/json; charset=utf-8').send(await readFile(path, 'utf8'));
  });

  app.get('/v1/reports/:id/download', {
    schema: {
      operationId: 'downloadReport', tags: ['reports'], summary: 'Download a finished report with its signed link; no API key',
      description: 'HTML opens in the browser (printable); PDF, CSV, JSON and the SOC 2 zip download as attachments. The download is recorded in the tenant\'s log.',
      params: IdParams,
      querystring: Type.Object({ token: Type.String({ maxLength: 1024, description: 'The token of the download_url' }) }, { additionalProperties: false }),
      response: {
        200: {
          description: 'The report file, in the format it was made in',
          headers: { 'x-stele-sha256': { type: 'string', description: 'SHA-256 of the file, hex' }, 'content-disposition': { type: 'string', description: 'inline for HTML, attachment otherwise' } },
          content: Object.fromEntries(Object.values(CONTENT_TYPES).map((type) => [type.split(';')[0]!, { schema: { type: 'string', format: type.startsWith('application/json') ? undefined : 'binary' } }])),
        },
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const opened = await reports.openDownload((request.query as { token: string }).token, (request.params as { id: string }).id);
    await trail.recordRead(opened.job.tenant_id, requesterOf(request), { view: 'report', query: { report: opened.job.id }, rows: 1, target: { type: 'report', id: opened.job.id } });
    const html = opened.job.format === 'html';
    if (html) {
      // Our origin serving a page made of events' text: escaped, and sandboxed besides (no script, no form, no request out).
      reply.header('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    }
    return reply
      .header('content-type', opened.contentType)
      .header('content-disposition', `${html ? 'inline' : 'attachment'}; filename="${opened.filename}"`)
      .header('x-stele-sha256', opened.job.artifact!.sha256)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(opened.stream);
  });
};
