// Per-caller request rate limits: 429 with Retry-After and the usual error body.
//
// A caller is what cannot be forged cheaply: the API key, dashboard user or viewer token whose
// credential is valid, else the client address (the socket's, or the one a trusted proxy names;
// see STELE_TRUSTED_PROXIES). A random token or cookie is no credential, so it counts against its
// address like no credential at all, never against a fresh bucket of its own. The principal is
// resolved once per request (Guards.identify) and the guards reuse it.
//
// Failed authentications (401) are throttled per address as well, with a far smaller budget: past
// it, the address is refused before any credential it sends is even looked at, so guessing keys,
// tokens or session cookies gains nothing until the minute is over.

import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticate.js';
import { SteleError } from '../domain/errors.js';

export interface RateLimitOptions {
  /** Requests a minute per caller; 0 turns the limit off. */
  perMinute: number;
  /** Failed authentications a minute per address; 0 turns the throttle off. */
  authFailuresPerMinute: number;
  /** The request's caller, resolved once and remembered (Guards.identify). */
  identify(request: FastifyRequest): Promise<Principal | undefined>;
}

const MINUTE_MS = 60_000;

/** Load balancers and Prometheus must always get an answer: these paths are never rate limited. */
export const OPERATIONAL_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
const isOperational = (request: FastifyRequest) => OPERATIONAL_PATHS.has(request.url.split('?', 1)[0]!);

/**
 * The address a request came from, IPv6 by its /64 (one host's share), as its rate-limit key. A
 * client that closed its connection before the request was read has no address left: its
 * request gets an answer nobody reads, counted under one key rather than failing as a 500.
 */
const addressKey = (request: FastifyRequest): string => (request.ip ? `address:${normalizeIP(request.ip)}` : 'address:gone');

function callerKey(principal: Principal): string {
  switch (principal.kind) {
    case 'admin': return 'admin';
    case 'api_key': return `key:${principal.keyId}`;
    case 'user': return `user:${principal.email}`;
    case 'viewer': return `viewer:${principal.tokenId}`;
  }
}

export async function installRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { perMinute, authFailuresPerMinute, identify } = options;
  if (perMinute === 0 && authFailuresPerMinute === 0) return;
  await app.register(rateLimit, {
    global: perMinute > 0,
    max: perMinute,
    timeWindow: MINUTE_MS,
    cache: 100_000, // callers remembered; the least recent one is forgotten past this
    keyGenerator: async (request) => {
      if (isOperational(request)) return 'operational';
      const principal = await identify(request);
      return principal ? callerKey(principal) : addressKey(request);
    },
    allowList: (_request, key) => key === 'operational',
    errorResponseBuilder: (_request, context) =>
      new SteleError('rate_limit_exceeded', `More than ${context.max} requests a minute; retry in ${Math.ceil(context.ttl / 1000)} s.`),
  });
  if (authFailuresPerMinute > 0) installAuthFailureThrottle(app, authFailuresPerMinute);
}

/**
 * Counts 401 answers per address and refuses an address that has had `max` in the current minute.
 * Call before any hook that looks a credential up (the dashboard's cookie and viewer-token hook),
 * so a refused address costs no lookup.
 */
function installAuthFailureThrottle(app: FastifyInstance, max: number): void {
  const failures = app.createRateLimit({ max, timeWindow: MINUTE_MS, keyGenerator: addressKey });
  app.addHook('onRequest', async (request, reply) => {
    if (isOperational(request)) return;
    const state = await failures(request, { increment: false });
    if (state.isAllowed || state.remaining > 0) return;
    reply.header('retry-after', state.ttlInSeconds);
    throw new SteleError('rate_limit_exceeded',
      `Too many failed authentications from your address (${max} a minute); retry in ${state.ttlInSeconds} s.`);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) await failures(request);
  });
}
