// One response shape for every error: { error: { code, message, details, request_id } }.
// SteleErrors say what went wrong; anything else is logged in full and answered as a bare 500,
// except a pattern the database refused to run (sql/regex.ts patternRefusalOf), a 400 invalid_query.
// Fastify's own refusals (bad URL encoding, over-long path parameters, unreadable bodies) and
// the malformed requests Node's HTTP parser refuses before Fastify sees them get the same shape.

import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, RetryLaterError, SteleError, type ErrorCode } from '../domain/errors.js';
import { patternRefusalOf } from '../sql/regex.js';

function translate(error: FastifyError): SteleError | undefined {
  if (error instanceof SteleError) return error;
  // A regular expression of the search that the database (PostgreSQL: "too complex") or SQLite's
  // matcher (its work budget) would not run is the query's fault, not the server's.
  const refusal = patternRefusalOf(error);
  if (refusal !== undefined) return new SteleError('invalid_query', `A pattern of the search could not be run (${refusal}); simplify it or narrow the search.`);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SteleError('payload_too_large', `The request body is larger than the ${error.message.match(/\d+/)?.[0] ?? 'configured'} byte limit.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SteleError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SteleError('invalid_request', 'The body is not as long as its Content-Length says.');
    case 'FST_ERR_BAD_URL':
      return new SteleError('invalid_request', 'The URL path is not valid percent-encoded UTF-8.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new SteleError('uri_too_long', 'A path segment of the URL is too long.');
  }
  if (error.validation) {
    return new SteleError('invalid_request', error.message, error.validation.map((v) => ({
      field: (v.instancePath || String((v.params as { missingProperty?: string }).missingProperty ?? '')).replace(/^\//, '').replace(/\//g, '.'),
      message: v.message ?? 'is invalid',
    })));
  }
  if (error.statusCode === 429) return new SteleError('rate_limit_exceeded', error.message);
  // Any other client error a plugin or Node raises (an aborted upload, say): our shape, its status
  // when we have a code for it.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new SteleError(codeOfStatus(error.statusCode), error.message);
  return undefined;
}

const codeOfStatus = (status: number): ErrorCode =>
  (Object.keys(ERROR_STATUS) as ErrorCode[]).find((code) => ERROR_STATUS[code] === status) ?? 'invalid_request';

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = translate(error);
  if (!known) {
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Internal server error', details: [], request_id: request.id } });
  }
  // The database is away or busy, or ingest is over its queue bound: a load or an outage answers
  // many requests so, and each is no bug to trace.
  if (known instanceof RetryLaterError) {
    request.log.warn({ code: known.code, reason: known.message }, known.code === 'overloaded' ? 'ingest overloaded' : 'store unavailable');
    reply.header('retry-after', String(known.retryAfterSeconds));
  } else if (known.status >= 500) {
    request.log.error({ err: error }, known.message);
  }
  return reply.status(known.status).send({
    error: { code: known.code, message: known.message, details: known.details, ...known.extra, request_id: request.id },
  });
}

/** Fastify's `frameworkErrors` option: errors raised while routing, before any hook runs. */
export const frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply);

// What Node's HTTP parser refuses (client errors) arrives as a socket, with no request and no reply.
function clientErrorOf(error: NodeJS.ErrnoException): SteleError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new SteleError('headers_too_large', 'The request line and headers are larger than the server accepts (16 KiB by default).');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new SteleError('request_timeout', 'The request was not received in time.');
    default:
      return new SteleError('invalid_request', `The request is not valid HTTP/1.1 (${error.code ?? 'unreadable'}).`);
  }
}

/**
 * Fastify's `clientErrorHandler` option: answers in our shape on the raw socket, then closes it.
 * The request never became a Fastify request, so its request_id is made up here and logged.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset or already-closed connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = clientErrorOf(error);
  const requestId = randomUUID();
  this.log.debug({ err: error, request_id: requestId }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: known.code, message: known.message, details: known.details, request_id: requestId } });
    socket.write(`HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\ncontent-type: application/json; charset=utf-8\r\n`
      + `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(sendError);

  // HTTP/1.1 requires Host (RFC 9112 §3.2); Node's own check answers without a body, so it is off
  // (the `http.requireHostHeader` option) and done here.
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new SteleError('invalid_request', 'An HTTP/1.1 request needs a Host header.', [{ field: 'host', message: 'missing' }]);
    }
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}`, details: [], request_id: request.id },
    }));
}
