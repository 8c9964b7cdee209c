// Compliance evidence (SOC 2 and the like): a bulk export of one audit period, labelled with the
// control it supports, so an auditor gets a file, its manifest and the control id together.

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Guards } from '../http/guards.js';
import { errorResponses, tenantIdParameter, TenantQuery } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import { parseTimeExpression } from '../query/time-expression.js';
import { requesterOf } from './audit-events.js';
import { formatOf } from './export-routes.js';
import { filtersFromObject } from '../query/query-params.js';
import { EXPORT_FORMAT_NAMES } from './formats/index.js';
import { baseUrlOf, JobView } from './job-routes.js';
import type { JobService } from './job-service.js';

export interface EvidenceRoutesOptions {
  guards: Guards;
  jobs: JobService;
  now: () => number;
}

export const evidenceRoutes: FastifyPluginAsync<EvidenceRoutesOptions> = async (app, { guards, jobs, now }) => {
  const tenantOf = (request: FastifyRequest) => guards.tenantOf(request, (request.query as { tenant_id?: string }).tenant_id);

  app.post('/v1/compliance/evidence', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'collectEvidence', tags: ['export'], summary: 'Collect evidence for a control: a bulk export of a period, labelled with the control id',
      description: 'A bulk export job (see POST /v1/exports) of the events of one audit period, labelled with the control it supports, so an auditor gets the file, its manifest and the control id together. Poll `Location` as for any export job.',
      querystring: TenantQuery,
      body: Type.Object({
        control_id: Type.String({ minLength: 1, maxLength: 100, description: 'The control the evidence supports, e.g. CC6.1' }),
        filters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The filters of GET /v1/events as JSON, without since/until (the period gives them)' })),
        q: Type.Optional(Type.String({ description: 'Search language, ANDed with the filters' })),
        period: Type.Object({
          since: Type.String({ description: 'Start: an ISO time or now-90d' }), until: Type.String({ description: 'End, after since' }),
        }, { description: 'The audit period' }),
        format: Type.Optional(Type.String({ description: `One of ${EXPORT_FORMAT_NAMES.join(', ')}; default ndjson: the exact events, verifiable offline` })),
        label: Type.Optional(Type.String({ maxLength: 200, description: 'Default "Evidence for <control_id>"' })),
      }, { additionalProperties: false }),
      response: { 202: { ...JobView, description: 'Accepted: the job is queued; `Location` is its URL.' }, ...errorResponses },
    },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request);
    const body = request.body as { control_id: string; filters?: unknown; q?: string; period: { since: string; until: string }; format?: string; label?: string };
    const filters = filtersFromObject(body.filters);
    if (filters.since !== undefined || filters.until !== undefined) {
      throw new SteleError('invalid_request', 'Give the time range as period, not as since/until filters.', [{ field: 'filters', message: 'since/until not allowed here' }]);
    }
    const at = now();
    const since = parseTimeExpression(body.period.since, at);
    const until = parseTimeExpression(body.period.until, at);
    if (since === undefined || until === undefined || since >= until) {
      throw new SteleError('invalid_request', 'period needs since < until, as ISO times or relative (now-90d).', [{ field: 'period', message: 'invalid range' }]);
    }
    const period = { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
    const job = await jobs.create(tenantId, {
      format: formatOf(body.format ?? 'ndjson'), filters: { ...filters, ...period }, controlId: body.control_id, period,
      label: body.label ?? `Evidence for ${body.control_id}`, ...(body.q !== undefined && { q: body.q }),
    }, requesterOf(request));
    return reply.status(202).header('location', `/v1/exports/${job.id}`).send(await jobs.describe(job, baseUrlOf(request)));
  });

  app.get('/v1/compliance/evidence', {
    preHandler: guards.authorize('audit:export'),
    schema: {
      operationId: 'listEvidence', tags: ['export'], summary: 'Evidence collected, optionally for one control',
      description: 'The export jobs made as evidence (with a control id), oldest first.',
      querystring: Type.Object({ tenant_id: tenantIdParameter, control_id: Type.Optional(Type.String({ description: 'Only the evidence of this control' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ evidence: Type.Array(JobView) }), ...errorResponses },
    },
  }, async (request) => {
    const tenantId = await tenantOf(request);
    const controlId = (request.query as { control_id?: string }).control_id;
    const found = (await jobs.list(tenantId, controlId)).filter((job) => job.control_id !== null);
    return { evidence: await Promise.all(found.map((job) => jobs.describe(job, baseUrlOf(request)))) };
  });
};
