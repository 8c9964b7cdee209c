// Minting and resolving viewer tokens. The signing key is a random instance secret kept in the
// settings table (created by whichever node needs it first); each token also has a record in
// its tenant, so it can be listed and revoked before it expires.

import { randomBytes } from 'node:crypto';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { compileFilters } from '../query/event-filters.js';
import { filtersFromQuery } from '../query/query-params.js';
import type { Store } from '../store/port.js';
import { readViewerToken, signViewerToken, type ViewerClaims, type ViewerFilters } from './viewer-token.js';

const KEY_SETTING = 'viewer_token_hmac_key';
const KIND = 'viewer_token';
export const MAX_VIEWER_TTL_SECONDS = 24 * 3600;

/** The filters a token may pin: those of GET /v1/events. */
const FILTER_NAMES = new Set(['action', 'category', 'actor_id', 'actor_email', 'target_type', 'target_id', 'target_slug', 'success', 'ip', 'since', 'until']);

export interface MintRequest {
  tenantId: string;
  filters?: Record<string, unknown>;
  ttlSeconds: number;
  createdBy: string;
}

function normaliseFilters(raw: Record<string, unknown> | undefined, now: number): ViewerFilters {
  const filters: ViewerFilters = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (!FILTER_NAMES.has(name)) throw new SteleError('invalid_request', `Unknown filter ${name}.`, [{ field: `filters.${name}`, message: 'not a filter of GET /v1/events' }]);
    if (typeof value === 'boolean') filters[name] = String(value);
    else if (typeof value === 'string') filters[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) filters[name] = value as string[];
    else throw new SteleError('invalid_request', `Filter ${name} must be a string, a list of strings or a boolean.`, [{ field: `filters.${name}`, message: 'wrong type' }]);
  }
  // Compiling now rejects a bad filter at mint time, not on every read of the viewer.
  compileFilters(filtersFromQuery(filters), now);
  return filters;
}

export function createViewerTokenService(deps: { store: Store; now?: () => number }) {
  const now = deps.now ?? Date.now;
  let key: Promise<Uint8Array> | undefined;

  const signingKey = () => (key ??= deps.store
    .setSettingIfAbsent(KEY_SETTING, randomBytes(32).toString('base64'))
    .then((value) => Buffer.from(value, 'base64')));

  return {
    async mint(request: MintRequest) {
      if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds < 1 || request.ttlSeconds > MAX_VIEWER_TTL_SECONDS) {
        throw new SteleError('invalid_request', `ttl_seconds must be an integer from 1 to ${MAX_VIEWER_TTL_SECONDS} (one day).`, [{ field: 'ttl_seconds', message: 'out of range' }]);
      }
      const filters = normaliseFilters(request.filters, now());
      const claims: ViewerClaims = { jti: uuidv7(now()), tenant_id: request.tenantId, filters, exp: Math.floor(now() / 1000) + request.ttlSeconds };
      const expiresAt = new Date(claims.exp * 1000).toISOString();
      await deps.store.insertRecord({ kind: KIND, tenantId: request.tenantId, id: claims.jti },
        { filters, expires_at: expiresAt, created_by: request.createdBy }, new Date(now()).toISOString());
      return { token: signViewerToken(claims, await signingKey()), id: claims.jti, tenant_id: request.tenantId, filters, expires_at: expiresAt };
    },
    /** The claims of a valid, unexpired and unrevoked token. */
    async resolve(token: string): Promise<ViewerClaims | undefined> {
      const claims = readViewerToken(token, await signingKey(), now());
      if (!claims) return undefined;
      const record = await deps.store.getRecord({ kind: KIND, tenantId: claims.tenant_id, id: claims.jti });
      return record ? claims : undefined;
    },
    async revoke(tenantId: string, id: string): Promise<boolean> {
      return deps.store.deleteRecord({ kind: KIND, tenantId, id });
    },
  };
}

export type ViewerTokenService = ReturnType<typeof createViewerTokenService>;
