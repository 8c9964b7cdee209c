// The two security events of the browser ways in, written through the audit trail: a sign-in
// brute force (in the account's tenant log, or the instance log for an email no user has) and a
// viewer token revoked before it expired.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import type { EventContext } from '../domain/event.js';
import type { FailureRun } from './sign-in-throttle.js';

export interface BruteForce {
  email: string;
  /** The client address of the failure that crossed the threshold. */
  address: string;
  run: FailureRun;
  /** The free failures of a run, and how long a run lasts without a failure. */
  threshold: number;
  windowSeconds: number;
  context: EventContext;
}

/** A dashboard account's failed sign-ins reached the throttle's threshold (once per run). */
export async function recordBruteForceDetected(trail: AuditTrail, tenantId: string, found: BruteForce): Promise<void> {
  await trail.record(tenantId, {
    action: 'brute_force.detected',
    actor: { id: 'stele', type: 'system', name: 'sign-in throttle' },
    target: { type: 'user', id: found.email, name: found.email },
    context: found.context,
    success: false,
    details: {
      email: found.email,
      address: found.address,
      failures: found.run.failures,
      threshold: found.threshold,
      window_seconds: found.windowSeconds,
      first_failure_at: found.run.firstFailureAt,
      last_failure_at: found.run.lastFailureAt,
    },
  });
}

/** A viewer token was revoked before it expired, by `by` (a request's requester, or the CLI's). */
export async function recordViewerTokenRevoked(trail: AuditTrail, tenantId: string, revocation: { tokenId: string; by: Requester; expiresAt?: string }): Promise<void> {
  await trail.record(tenantId, {
    action: 'viewer_token.revoked',
    ...revocation.by,
    target: { type: 'viewer_token', id: revocation.tokenId },
    details: { ...(revocation.expiresAt && { expires_at: revocation.expiresAt }) },
  });
}
