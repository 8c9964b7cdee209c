// The two security events of the browser ways in, each written by one function so that they
// can be routed elsewhere (an audit trail module, a system tenant) by changing this file only.

import type { Actor, EventContext } from '../domain/event.js';
import type { EventRecorder } from '../http/guards.js';
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
export async function recordBruteForceDetected(recorder: EventRecorder, tenantId: string, found: BruteForce): Promise<void> {
  await recorder.record(tenantId, [{
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
  }]);
}

export interface Revocation {
  tokenId: string;
  by: Actor;
  context?: EventContext;
  /** When the token would have expired, if known. */
  expiresAt?: string;
}

/** A viewer token was revoked before it expired. */
export async function recordViewerTokenRevoked(recorder: EventRecorder, tenantId: string, revocation: Revocation): Promise<void> {
  await recorder.record(tenantId, [{
    action: 'viewer_token.revoked',
    actor: revocation.by,
    target: { type: 'viewer_token', id: revocation.tokenId },
    ...(revocation.context && { context: revocation.context }),
    success: true,
    details: { ...(revocation.expiresAt && { expires_at: revocation.expiresAt }) },
  }]);
}
