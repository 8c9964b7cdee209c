// GET /v1/events/export: the filters of GET /v1/events, `q` and `saved_search`, one of six
// formats, streamed to the socket as an attachment. Readable.from pulls the next chunk only when
// the socket has drained, so a slow client slows the reads instead of growing the server's memory;
// a client that hangs up aborts the read at once.

import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Guards } from '../http/guards.js';
import { errorResponse, errorResponses, tenantIdParameter } from '../http/schemas.js';
import { SteleError } from '../domain/errors.js';
import { filtersFromQuery } from '../query/event-routes.js';
import { SELECTION_QUERY } from '../query/query-params.js';
import { requesterOf } from './audit-events.js';
import type { ExportService } from './export-service.js';
import { EXPORT_FORMAT_NAMES, isExportFormatName, type ExportFormatName } from './formats/index.js';

export interface ExportRoutesOptions {
  guards: Guards;
  exports: ExportService;
}

type Query = Record<string, string | string[] | undefined>;

function one(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new SteleError('invalid_request', `${name} may be given once`, [{ field: name, message: 'repeated' }]);
  return value === '' ? undefined : value;
}

export function formatOf(value: unknown, field = 'format'): ExportFormatName {
  if (typeof value === 'string' && isExportFormatName(value)) return value;
  throw new SteleError('invalid_request', `${field} must be one of: ${EXPORT_FORMAT_NAMES.join(', ')}`, [{ field, message: 'unknown format' }]);
}

export const exportRoutes: FastifyPluginAsync<ExportRoutesOptions> = async (app, { guards, exports }) => {
  app.get('/v1/events/export', {
    preHandler: guards.authorize('audit:export'),
    // The filters are checked by filtersFromQuery, exactly as on GET /v1/events.
    validatorCompiler: () => () => true,
    schema: {
      operationId: 'exportEvents', tags: ['export'],
      summary: 'Download the events matching the filters of GET /v1/events as csv, ndjson, json, cef, leef or ocsf',
      description: 'Streamed as an attachment in seq order, in constant memory on the server, compressed when the client accepts gzip or br. CSV cells a spreadsheet would run (`= + - @`) are neutralised. Over STELE_EXPORT_MAX_ROWS rows the answer is 422: start a bulk export (`POST /v1/exports`) instead. Recorded as `audit.exported`.',
      querystring: Type.Object({
        format: Type.String({ enum: [...EXPORT_FORMAT_NAMES], description: 'csv; ndjson (one event a line); json (one array); cef and leef (one line an event, for ArcSight and QRadar); ocsf (NDJSON of OCSF API Activity)' }),
        tenant_id: tenantIdParameter,
        ...SELECTION_QUERY,
        proofs: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'ndjson/json only: an evidence file, pinned to a checkpoint signed now, each event with its inclusion proof and a signed statement of the events it holds; `stele verify` checks it offline' })),
      }, { additionalProperties: false }),
      response: {
        200: {
          description: 'The events, as an attachment (`Content-Disposition`) in the format asked for.',
          headers: {
            'content-disposition': { type: 'string', description: 'attachment; filename="stele-<tenant>-<time>.<ext>"' },
            'x-stele-row-count': { type: 'integer', description: 'How many events the file holds' },
          },
          content: {
            'text/csv': { schema: { type: 'string', description: 'format=csv: a header row, then one row an event' } },
            'application/x-ndjson': { schema: { type: 'string', description: 'format=ndjson or ocsf: one JSON object a line (with proofs=true, an evidence file: the checkpoint first, each event with its inclusion proof, a signed statement last)' } },
            'application/json': { schema: { type: 'array', items: { type: 'object', additionalProperties: true }, description: 'format=json: one array of events (with proofs=true, an evidence file)' } },
            'text/plain': { schema: { type: 'string', description: 'format=cef or leef: one record a line' } },
          },
        },
        ...errorResponses,
        409: errorResponse('proofs=true and the log contradicts a checkpoint published before (`integrity_alarm`): no evidence is signed over it.'),
        422: errorResponse('More events match than STELE_EXPORT_MAX_ROWS (`too_many_rows`): narrow the filters or start a bulk export with POST /v1/exports.'),
      },
    },
  }, async (request, reply) => {
    const query = request.query as Query;
    const tenantId = await guards.tenantOf(request, one(query, 'tenant_id'));
    const format = formatOf(one(query, 'format'));
    const q = one(query, 'q');
    const savedSearch = one(query, 'saved_search');
    const proofs = one(query, 'proofs');
    if (proofs !== undefined && proofs !== 'true' && proofs !== 'false') throw new SteleError('invalid_request', 'proofs must be true or false', [{ field: 'proofs', message: 'not a boolean' }]);
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort(new Error('the client closed the connection'));
    });
    const selection = {
      filters: filtersFromQuery(query), ...(q !== undefined && { q }), ...(savedSearch !== undefined && { saved_search: savedSearch }), proofs: proofs === 'true',
    };
    const opened = await exports.open(tenantId, selection, format, requesterOf(request), gone.signal);
    return reply
      .header('content-type', opened.format.contentType)
      .header('content-disposition', `attachment; filename="${opened.filename}"`)
      .header('x-stele-row-count', String(opened.rowCount))
      .header('cache-control', 'no-store')
      .send(Readable.from(opened.chunks, { objectMode: false }));
  });
};
