// The seed taxonomies: the actions applications commonly record, by area, with their category and
// the details they usually carry. They are part of the action registry (actions.ts gives each its
// category, and a tenant that refuses unknown actions still accepts them), and the SDK's built-in
// helpers are generated from this table (`npm run generate:sdk`): `audit.auth.loginFailed({...})`
// records `login.failed`. The details schemas describe, they do not constrain: only event types a
// tenant declares (src/event-types/) are enforced at ingest.

import type { Category } from './actions.js';

export interface SeedAction {
  action: string;
  category: Category;
  description: string;
  /** What the SDK helper sets as `success` when the caller does not say. */
  success?: boolean;
  /** JSON Schema of the usual details (for the SDK's types). */
  details?: Record<string, unknown>;
}

const text = { type: 'string' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const fields = (properties: Record<string, unknown>): Record<string, unknown> => ({ type: 'object', properties });

export const SEED_TAXONOMY = {
  auth: {
    loginSucceeded: { action: 'login.succeeded', category: 'authentication', success: true, description: 'A user signed in', details: fields({ method: text, mfa: { type: 'boolean' } }) },
    loginFailed: { action: 'login.failed', category: 'authentication', success: false, description: 'A sign-in attempt failed', details: fields({ reason: text, method: text }) },
    logout: { action: 'logout', category: 'authentication', success: true, description: 'A user signed out' },
    passwordChanged: { action: 'password.changed', category: 'authentication', success: true, description: 'A user changed their password' },
    passwordResetRequested: { action: 'password.reset_requested', category: 'authentication', description: 'A password reset was requested' },
    mfaEnabled: { action: 'mfa.enabled', category: 'authentication', success: true, description: 'A second factor was turned on', details: fields({ factor: text }) },
    mfaDisabled: { action: 'mfa.disabled', category: 'authentication', success: true, description: 'A second factor was turned off', details: fields({ factor: text }) },
    sessionRevoked: { action: 'session.revoked', category: 'authentication', success: true, description: 'A session was ended by someone else' },
  },
  authorization: {
    permissionGranted: { action: 'permission.granted', category: 'authorization', success: true, description: 'A permission was granted', details: fields({ permission: text }) },
    permissionRevoked: { action: 'permission.revoked', category: 'authorization', success: true, description: 'A permission was taken away', details: fields({ permission: text }) },
    accessDenied: { action: 'access.denied', category: 'authorization', success: false, description: 'A request was refused for lack of permission', details: fields({ permission: text, reason: text }) },
  },
  team: {
    memberInvited: { action: 'member.invited', category: 'team', success: true, description: 'Someone was invited to join', details: fields({ role: text }) },
    memberJoined: { action: 'member.joined', category: 'team', success: true, description: 'An invitation was accepted', details: fields({ role: text }) },
    memberRemoved: { action: 'member.removed', category: 'team', success: true, description: 'A member was removed' },
    // A role is a grant of permissions: an analyst looks for it under authorization, as the word rules put it.
    roleChanged: { action: 'member.role_changed', category: 'authorization', success: true, description: 'A member\'s role changed', details: { ...fields({ from_role: text, to_role: text }), required: ['from_role', 'to_role'] } },
  },
  resource: {
    created: { action: 'resource.created', category: 'resource', success: true, description: 'Something was created' },
    updated: { action: 'resource.updated', category: 'resource', success: true, description: 'Something was changed', details: fields({ changes: { type: 'object', description: '{field: {from, to}}' } }) },
    deleted: { action: 'resource.deleted', category: 'resource', success: true, description: 'Something was deleted' },
    archived: { action: 'resource.archived', category: 'resource', success: true, description: 'Something was archived' },
    restored: { action: 'resource.restored', category: 'resource', success: true, description: 'Something was restored' },
  },
  data: {
    exported: { action: 'data.exported', category: 'data', success: true, description: 'Data left the system as a file', details: fields({ format: text, rows: count }) },
    viewed: { action: 'data.viewed', category: 'data', success: true, description: 'Sensitive data was looked at' },
    fileDownloaded: { action: 'file.downloaded', category: 'data', success: true, description: 'A file was downloaded' },
  },
  configuration: {
    settingChanged: { action: 'setting.changed', category: 'configuration', success: true, description: 'A setting changed', details: fields({ setting: text, from: {}, to: {} }) },
    integrationConnected: { action: 'integration.connected', category: 'configuration', success: true, description: 'An integration was connected', details: fields({ integration: text }) },
    integrationDisconnected: { action: 'integration.disconnected', category: 'configuration', success: true, description: 'An integration was disconnected', details: fields({ integration: text }) },
    webhookCreated: { action: 'webhook.created', category: 'configuration', success: true, description: 'A webhook was added', details: fields({ url: text }) },
  },
  security: {
    tokenCreated: { action: 'token.created', category: 'security', success: true, description: 'An access token or key was created', details: fields({ scopes: { type: 'array', items: text } }) },
    tokenRevoked: { action: 'token.revoked', category: 'security', success: true, description: 'An access token or key was revoked' },
    secretRotated: { action: 'secret.rotated', category: 'security', success: true, description: 'A secret was rotated' },
    threatDetected: { action: 'threat.detected', category: 'security', success: false, description: 'Something suspicious was detected', details: fields({ rule: text, severity: { enum: ['low', 'medium', 'high', 'critical'] } }) },
  },
  payment: {
    succeeded: { action: 'payment.succeeded', category: 'payment', success: true, description: 'A payment went through', details: fields({ amount: { type: 'number' }, currency: text }) },
    failed: { action: 'payment.failed', category: 'payment', success: false, description: 'A payment failed', details: fields({ amount: { type: 'number' }, currency: text, reason: text }) },
    refundIssued: { action: 'refund.issued', category: 'payment', success: true, description: 'Money was refunded', details: fields({ amount: { type: 'number' }, currency: text }) },
    subscriptionChanged: { action: 'subscription.changed', category: 'payment', success: true, description: 'A plan changed', details: fields({ from_plan: text, to_plan: text }) },
  },
  device: {
    registered: { action: 'device.registered', category: 'device', success: true, description: 'A device was added', details: fields({ platform: text }) },
    removed: { action: 'device.removed', category: 'device', success: true, description: 'A device was removed' },
    trusted: { action: 'device.trusted', category: 'device', success: true, description: 'A device was marked as trusted' },
  },
  job: {
    started: { action: 'job.started', category: 'job', description: 'A background job started', details: fields({ job: text }) },
    succeeded: { action: 'job.succeeded', category: 'job', success: true, description: 'A background job finished', details: fields({ job: text, duration_ms: count }) },
    failed: { action: 'job.failed', category: 'job', success: false, description: 'A background job failed', details: fields({ job: text, error: text }) },
  },
  api: {
    request: {
      action: 'api.request', category: 'data', description: 'An API call, as the SDK\'s middleware records it (seed 001)',
      details: fields({
        route: text, started_at: text, ended_at: text, duration_ms: { type: 'number' },
        request: { type: 'object', description: 'Allow-listed request fields (query, headers, body); the rest are "[redacted]"' },
        response: { type: 'object', description: 'Allow-listed response fields (headers, body); the rest are "[redacted]"' },
      }),
    },
  },
} as const satisfies Record<string, Record<string, SeedAction>>;

/** Every seed action with its category. */
export const SEED_ACTION_CATEGORIES: Readonly<Record<string, Category>> = Object.fromEntries(
  Object.values(SEED_TAXONOMY).flatMap((actions) => Object.values(actions).map((seed): [string, Category] => [seed.action, seed.category])),
);
