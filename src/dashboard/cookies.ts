// The session cookie: read from the Cookie header and written with the attributes that keep it
// out of scripts (HttpOnly) and out of cross-site requests (SameSite=Strict).
//
// It is `Secure` and named `__Host-stele_session` (the browser then insists on Secure, Path=/ and
// no Domain, so a sibling subdomain cannot plant or overwrite it) except in one case: the server
// reached over plain http on loopback, as `npm start` is at http://127.0.0.1:8080/. There a
// Secure cookie would not come back on every browser, and nothing travels over a network, so the
// cookie is `stele_session`, without Secure. STELE_COOKIE_SECURE=true makes it Secure there too.

import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** The cookie's name over plain http on loopback. */
export const SESSION_COOKIE = 'stele_session';
/** Its name everywhere else. */
export const SECURE_SESSION_COOKIE = '__Host-stele_session';

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

/**
 * True when the browser reached us over https: directly, through a proxy of STELE_TRUSTED_PROXIES
 * (request.protocol), or as any X-Forwarded-Proto says (a forger only gets a stricter cookie).
 */
export function overHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

const isLoopbackAddress = (address: string | undefined): boolean => {
  const plain = address?.replace(/^::ffff:/i, '');
  return plain !== undefined && ((isIP(plain) === 4 && plain.startsWith('127.')) || plain === '::1');
};

/** The URL's host is a loopback name or address (localhost, *.localhost, 127.0.0.0/8, [::1]). */
const isLoopbackHost = (hostname: string): boolean => {
  const name = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
};

/**
 * Plain http on loopback: the page's URL names a loopback host and the connection comes from
 * loopback itself, not through a proxy that terminated TLS (which would say so).
 */
export function plainHttpOnLoopback(request: FastifyRequest): boolean {
  return !overHttps(request) && isLoopbackHost(request.hostname) && isLoopbackAddress(request.socket?.remoteAddress);
}

export interface SessionCookiePolicy {
  name: string;
  secure: boolean;
}

/** The name and Secure attribute of the session cookie for this request; `always` is STELE_COOKIE_SECURE=true. */
export function sessionCookiePolicy(request: FastifyRequest, always: boolean): SessionCookiePolicy {
  const secure = always || !plainHttpOnLoopback(request);
  return { name: secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, secure };
}

/**
 * The session token the request carries: `__Host-stele_session` always counts; `stele_session`
 * only over plain http on loopback, so over https a cookie without the prefix (which any sibling
 * subdomain could have set) is never taken for a session.
 */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return readCookie(request, SECURE_SESSION_COOKIE) ?? (plainHttpOnLoopback(request) ? readCookie(request, SESSION_COOKIE) : undefined);
}

export function sessionCookie(value: string, maxAgeSeconds: number, policy: SessionCookiePolicy): string {
  return [
    `${policy.name}=${encodeURIComponent(value)}`,
    'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`,
    ...(policy.secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedSessionCookie = (policy: SessionCookiePolicy): string => sessionCookie('', 0, policy);
