// Minting, resolving, listing and revoking viewer tokens. The signing key is a random instance
// secret kept in the settings table (created by whichever node needs it first); each token also
// has a record in its tenant, which resolving requires, so deleting it revokes the token at once.

import { randomBytes } from 'node:crypto';
import { SteleError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { compileFilters } from '../query/event-filters.js';
import { filtersFromQuery } from '../query/query-params.js';
import type { Store, StoredRecord } from '../store/port.js';
import { readViewerToken, signViewerToken, type ViewerClaims, type ViewerFilters } from './viewer-token.js';

const KEY_SETTING = 'viewer_token_hmac_key';
const KIND = 'viewer_token';
export const MAX_VIEWER_TTL_SECONDS = 24 * 3600;

/** The filters a token may pin: those of GET /v1/events. */
const FILTER_NAMES = new Set(['action', 'category', 'actor_id', 'actor_email', 'target_type', 'target_id', 'target_slug', 'success', 'ip', 'since', 'until']);

/** A live token as listed: everything but the secret, which is never stored. */
export interface ViewerTokenView {
  id: string;
  tenant_id: string;
  filters: ViewerFilters;
  expires_at: string;
  created_at: string;
  created_by: string;
}

interface ViewerTokenBody {
  filters: ViewerFilters;
  expires_at: string;
  created_by: string;
}

/** A listing reads pages of this many records, at most this many times (deleting the expired ones). */
const PAGE = 1000;
const LIST_ROUNDS = 10;

const viewOf = (tenantId: string, record: StoredRecord<ViewerTokenBody>): ViewerTokenView => ({
  id: record.id, tenant_id: tenantId, filters: record.body.filters, expires_at: record.body.expires_at,
  created_at: record.created_at, created_by: record.body.created_by,
});

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
    /**
     * The tenant's live tokens, oldest first (at most 1,000). Expired ones are deleted on sight,
     * so a site that mints a token per page view does not bury the live ones under dead records.
     */
    async list(tenantId: string): Promise<ViewerTokenView[]> {
      const live = (record: StoredRecord<ViewerTokenBody>) => Date.parse(record.body.expires_at) > now();
      let records: StoredRecord<ViewerTokenBody>[] = [];
      for (let round = 0; round < LIST_ROUNDS; round++) {
        records = await deps.store.listRecords<ViewerTokenBody>(KIND, tenantId, PAGE);
        const expired = records.filter((record) => !live(record));
        for (const record of expired) await deps.store.deleteRecord({ kind: KIND, tenantId, id: record.id });
        // Read again only when expired records filled the page and may have hidden live ones.
        if (expired.length === 0 || records.length < PAGE) break;
      }
      return records.filter(live).map((record) => viewOf(tenantId, record));
    },
    /** Revokes a token of the tenant at once; returns what it was, or undefined when there is no such token. */
    async revoke(tenantId: string, id: string): Promise<ViewerTokenView | undefined> {
      const key = { kind: KIND, tenantId, id };
      const record = await deps.store.getRecord<ViewerTokenBody>(key);
      if (!record || !(await deps.store.deleteRecord(key))) return undefined;
      return viewOf(tenantId, record);
    },
  };
}

export type ViewerTokenService = ReturnType<typeof createViewerTokenService>;
