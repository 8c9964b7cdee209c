// Download links for finished jobs (bulk exports, reports) that work without an API key: the token
// names the tenant, the kind of job, the job and an expiry, and is MACed (HMAC-SHA256) with an
// instance secret that lives in the store's settings, so every node of a cluster accepts the links
// of every other. Revoking a link is deleting its job: the token still verifies, but names nothing.
// A link of one kind never opens a job of another (a report id is not an export id).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SteleError } from '../domain/errors.js';
import type { Store } from '../store/port.js';

const SECRET_SETTING = 'export_link_secret';

/** What a link opens. Links made before kinds existed are exports'. */
export type LinkKind = 'export' | 'report';

export interface LinkClaims {
  tenantId: string;
  kind: LinkKind;
  jobId: string;
  /** Unix seconds. */
  expiresAt: number;
}

export function createLinkSigner(deps: { store: Store; ttlSeconds: number; now: () => number }) {
  let secret: Promise<Buffer> | undefined;
  const secretOf = () => (secret ??= deps.store
    .setSettingIfAbsent(SECRET_SETTING, randomBytes(32).toString('base64url'))
    .then((value) => Buffer.from(value, 'base64url')));

  const mac = async (payload: string) => createHmac('sha256', await secretOf()).update(payload).digest();

  async function sign(tenantId: string, jobId: string, kind: LinkKind = 'export'): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = Math.floor(deps.now() / 1000) + deps.ttlSeconds;
    const payload = Buffer.from(JSON.stringify({ t: tenantId, j: jobId, e: expiresAt, ...(kind !== 'export' && { k: kind }) })).toString('base64url');
    return { token: `${payload}.${(await mac(payload)).toString('base64url')}`, expiresAt };
  }

  async function verify(token: string): Promise<LinkClaims> {
    const invalid = () => new SteleError('unauthenticated', 'This download link is invalid; ask for a new one with GET /v1/exports/{id} or GET /v1/reports/{id}.');
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    // Compared as text, so a signature with different unused trailing bits is not a second valid token.
    const expected = Buffer.from((await mac(payload)).toString('base64url'));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t: string; j: string; e: number; k?: LinkKind };
    if (claims.e * 1000 <= deps.now()) {
      throw new SteleError('unauthenticated', 'This download link has expired; ask for a new one with GET /v1/exports/{id} or GET /v1/reports/{id}.');
    }
    return { tenantId: claims.t, kind: claims.k ?? 'export', jobId: claims.j, expiresAt: claims.e };
  }

  return { sign, verify };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;
