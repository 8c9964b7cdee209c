// Per-caller request rate limits: 429 with Retry-After and the usual error body. A caller is its
// bearer token (hashed, so keys never sit in memory as map keys) or, unauthenticated, its address.

import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { SteleError } from '../domain/errors.js';

export async function installRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? request.headers.cookie;
      return token ? createHash('sha256').update(token).digest('base64url') : request.ip;
    },
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics',
    errorResponseBuilder: (_request, context) =>
      new SteleError('rate_limit_exceeded', `More than ${context.max} requests a minute; retry in ${Math.ceil(context.ttl / 1000)} s.`),
  });
}
