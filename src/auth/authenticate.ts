// Who is calling: the instance admin (one token per instance) or an API key of one tenant.

import { SteleError } from '../domain/errors.js';
import type { Store } from '../store/port.js';
import type { Scope } from './scopes.js';
import { newSecret, sameHash, sha256Hex } from './secrets.js';
import { ADMIN_TOKEN_SETTING, type CredentialLookup } from './credential-cache.js';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'api_key'; tenantId: string; keyId: string; keyName: string; scopes: readonly Scope[] }
  // The two browser ways in (src/dashboard/): a signed-in dashboard user, whose role maps to
  // scopes (a super_admin also acts as the instance admin), and an embeddable viewer's token,
  // which only reads its tenant's events. A hook resolves them from the session cookie or the
  // viewer token and sets request.principal before the guards run; authenticate() below stays
  // the Bearer-key path.
  | { kind: 'user'; tenantId: string; email: string; role: string; scopes: readonly Scope[]; instanceAdmin: boolean }
  | { kind: 'viewer'; tenantId: string; tokenId: string; scopes: readonly Scope[] };

/** What a refused credential looked like, judged by its prefix alone (never the secret itself). */
export type PresentedCredential = 'admin_token' | 'api_key' | 'other';

/**
 * A 401, with why, so the guards can record it: no credential at all, a header that is not
 * `Bearer <token>`, a token nobody holds, or a revoked key (whose tenant is then known).
 */
export class AuthenticationFailure extends SteleError {
  constructor(
    message: string,
    readonly reason: 'missing' | 'malformed' | 'unknown' | 'revoked',
    readonly presented?: PresentedCredential,
    readonly revokedKey?: { tenantId: string; keyId: string; keyName: string },
  ) {
    super('unauthenticated', message);
  }
}

const presentedAs = (token: string): PresentedCredential =>
  token.startsWith('stele_admin_') ? 'admin_token' : token.startsWith('stele_') ? 'api_key' : 'other';

/**
 * Makes sure the instance has an admin token. With `configured` (STELE_ADMIN_TOKEN) that token is
 * the one; otherwise the first start generates one and returns it so it can be shown once.
 */
export async function ensureAdminToken(store: Store, configured: string | undefined): Promise<{ generated?: string }> {
  if (configured) return {};
  const candidate = newSecret('stele_admin');
  const winner = await store.setSettingIfAbsent(ADMIN_TOKEN_SETTING, sha256Hex(candidate));
  return winner === sha256Hex(candidate) ? { generated: candidate } : {};
}

/** `credentials`: the store's keys and admin token, kept for a moment (credential-cache.ts). */
export function createAuthenticator(credentials: CredentialLookup, configuredAdminToken: string | undefined) {
  const configuredHash = configuredAdminToken ? sha256Hex(configuredAdminToken) : undefined;

  return async function authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new AuthenticationFailure('Send an API key as `Authorization: Bearer <key>`.', authorization === undefined ? 'missing' : 'malformed');
    const token = match[1]!;
    const hash = sha256Hex(token);
    const adminHash = configuredHash ?? (await credentials.adminTokenHash());
    if (adminHash && sameHash(hash, adminHash)) return { kind: 'admin' };
    const key = await credentials.findKey(hash);
    const refused = 'The API key is unknown or revoked.';
    if (!key) throw new AuthenticationFailure(refused, 'unknown', presentedAs(token));
    if (key.revoked_at !== null) throw new AuthenticationFailure(refused, 'revoked', 'api_key', { tenantId: key.tenant_id, keyId: key.id, keyName: key.name });
    return { kind: 'api_key', tenantId: key.tenant_id, keyId: key.id, keyName: key.name, scopes: key.scopes as Scope[] };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
