// The session cookie: read from the Cookie header and written with the attributes that keep it
// out of scripts (HttpOnly) and out of cross-site requests (SameSite=Strict).

import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'stele_session';

/** The named cookie's value; a value that is not valid percent-encoding is no cookie of ours. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** True when the browser reached us over https, directly or through a TLS-terminating proxy. */
export function overHttps(request: FastifyRequest): boolean {
  // X-Forwarded-Proto can be forged, but the worst a forger gets is a stricter cookie.
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedSessionCookie = (secure: boolean): string => sessionCookie('', 0, secure);
