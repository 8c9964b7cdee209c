// One response shape for every error: { error: { code, message, details, request_id } }.
// SteleErrors say what went wrong; anything else is logged in full and answered as a bare 500.

import type { FastifyError, FastifyInstance } from 'fastify';
import { SteleError } from '../domain/errors.js';
import { StoreUnavailableError } from '../store/port.js';

function translate(error: FastifyError): SteleError | undefined {
  if (error instanceof SteleError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SteleError('payload_too_large', `The request body is larger than the ${error.message.match(/\d+/)?.[0] ?? 'configured'} byte limit.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SteleError('invalid_request', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SteleError('invalid_request', 'The JSON body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new SteleError('invalid_request', `The body is not valid JSON: ${error.message}`);
  }
  if (error.validation) {
    return new SteleError('invalid_request', error.message, error.validation.map((v) => ({
      field: (v.instancePath || String((v.params as { missingProperty?: string }).missingProperty ?? '')).replace(/^\//, '').replace(/\//g, '.'),
      message: v.message ?? 'is invalid',
    })));
  }
  if (error.statusCode === 429) return new SteleError('rate_limit_exceeded', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500 && error instanceof SyntaxError) {
    return new SteleError('invalid_request', `The body is not valid JSON: ${error.message}`);
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = translate(error);
    if (!known) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send({ error: { code: 'internal', message: 'Internal server error', details: [], request_id: request.id } });
    }
    if (known.status >= 500) request.log.error({ err: error }, known.message);
    // The database is away or busy: say when trying again has a chance.
    if (known instanceof StoreUnavailableError) reply.header('retry-after', String(known.retryAfterSeconds));
    return reply.status(known.status).send({
      error: { code: known.code, message: known.message, details: known.details, ...known.extra, request_id: request.id },
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}`, details: [], request_id: request.id },
    }));
}
