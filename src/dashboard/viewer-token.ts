// Viewer tokens for the embeddable viewer: `stv_<payload>.<mac>`, the payload a base64url JSON
// claim set and the mac an HMAC-SHA256 of it under an instance secret. The tenant and the
// pre-filter are inside the signed payload, so the holder can neither widen nor swap them.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const VIEWER_TOKEN_PREFIX = 'stv_';

/** Query-string filters of GET /v1/events, as event-routes.ts reads them. */
export type ViewerFilters = Record<string, string | string[]>;

export interface ViewerClaims {
  /** Token id: the viewer_token record that can revoke it. */
  jti: string;
  tenant_id: string;
  filters: ViewerFilters;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const mac = (key: Uint8Array, payload: string) => createHmac('sha256', key).update(payload).digest();

export function signViewerToken(claims: ViewerClaims, key: Uint8Array): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${VIEWER_TOKEN_PREFIX}${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The claims of a well-signed, unexpired token; undefined for anything else. */
export function readViewerToken(token: string, key: Uint8Array, nowMs: number): ViewerClaims | undefined {
  if (!token.startsWith(VIEWER_TOKEN_PREFIX)) return undefined;
  const [payload, signature, ...rest] = token.slice(VIEWER_TOKEN_PREFIX.length).split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: ViewerClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ViewerClaims;
  } catch {
    return undefined;
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return undefined;
  return claims;
}
