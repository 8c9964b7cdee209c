// CSRF defence for cookie-authenticated requests (see README.md for why this shape):
// 1. SameSite=Strict keeps the cookie off cross-site requests in current browsers;
// 2. every unsafe request must carry X-Stele-CSRF equal to the session's token, which only a
//    page of our origin can read (from GET /v1/session) and which a cross-site form cannot set;
// 3. when the browser names an Origin, its host must be ours.
// Bearer-authenticated calls (API keys, viewer tokens) are not exposed: browsers never attach
// an Authorization header on their own.

import type { FastifyRequest } from 'fastify';
import { sameHash, sha256Hex } from '../auth/secrets.js';
import { SteleError } from '../domain/errors.js';

export const CSRF_HEADER = 'x-stele-csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isUnsafe = (request: FastifyRequest): boolean => !SAFE.has(request.method);

/** Throws when the request names an Origin other than the host it was sent to. */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    host = '';
  }
  if (host === '' || host !== request.headers.host) {
    throw new SteleError('forbidden', 'Cross-origin request refused: open the dashboard from this server\'s own address.');
  }
}

export function checkCsrfToken(request: FastifyRequest, expected: string): void {
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameHash(sha256Hex(sent), sha256Hex(expected))) {
    throw new SteleError('forbidden', 'Missing or wrong X-Stele-CSRF header: reload the page and try again.');
  }
}
