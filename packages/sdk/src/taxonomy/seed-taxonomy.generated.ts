// Generated from the server's action registry (src/domain/seed-taxonomy.ts) by `npm run generate:sdk`. Do not edit.

import type { AuditEvent } from '../event.js';

/** What a helper takes: an event without its action (the helper sets it), with the action's details. */
export type HelperEvent<Details = Record<string, unknown>> = Omit<AuditEvent, 'action' | 'details'> & { details?: Details };

/** Details of login.succeeded. */
export type AuthLoginSucceededDetails = {
  method?: string;
  mfa?: boolean;
  [key: string]: unknown;
};

/** Details of login.failed. */
export type AuthLoginFailedDetails = {
  reason?: string;
  method?: string;
  [key: string]: unknown;
};

/** Details of logout. */
export type AuthLogoutDetails = Record<string, unknown>;

/** Details of password.changed. */
export type AuthPasswordChangedDetails = Record<string, unknown>;

/** Details of password.reset_requested. */
export type AuthPasswordResetRequestedDetails = Record<string, unknown>;

/** Details of mfa.enabled. */
export type AuthMfaEnabledDetails = {
  factor?: string;
  [key: string]: unknown;
};

/** Details of mfa.disabled. */
export type AuthMfaDisabledDetails = {
  factor?: string;
  [key: string]: unknown;
};

/** Details of session.revoked. */
export type AuthSessionRevokedDetails = Record<string, unknown>;

/** Details of permission.granted. */
export type AuthorizationPermissionGrantedDetails = {
  permission?: string;
  [key: string]: unknown;
};

/** Details of permission.revoked. */
export type AuthorizationPermissionRevokedDetails = {
  permission?: string;
  [key: string]: unknown;
};

/** Details of access.denied. */
export type AuthorizationAccessDeniedDetails = {
  permission?: string;
  reason?: string;
  [key: string]: unknown;
};

/** Details of member.invited. */
export type TeamMemberInvitedDetails = {
  role?: string;
  [key: string]: unknown;
};

/** Details of member.joined. */
export type TeamMemberJoinedDetails = {
  role?: string;
  [key: string]: unknown;
};

/** Details of member.removed. */
export type TeamMemberRemovedDetails = Record<string, unknown>;

/** Details of member.role_changed. */
export type TeamRoleChangedDetails = {
  from_role: string;
  to_role: string;
  [key: string]: unknown;
};

/** Details of resource.created. */
export type ResourceCreatedDetails = Record<string, unknown>;

/** Details of resource.updated. */
export type ResourceUpdatedDetails = {
  /** {field: {from, to}} */
  changes?: {
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

/** Details of resource.deleted. */
export type ResourceDeletedDetails = Record<string, unknown>;

/** Details of resource.archived. */
export type ResourceArchivedDetails = Record<string, unknown>;

/** Details of resource.restored. */
export type ResourceRestoredDetails = Record<string, unknown>;

/** Details of data.exported. */
export type DataExportedDetails = {
  format?: string;
  rows?: number;
  [key: string]: unknown;
};

/** Details of data.viewed. */
export type DataViewedDetails = Record<string, unknown>;

/** Details of file.downloaded. */
export type DataFileDownloadedDetails = Record<string, unknown>;

/** Details of setting.changed. */
export type ConfigurationSettingChangedDetails = {
  setting?: string;
  from?: unknown;
  to?: unknown;
  [key: string]: unknown;
};

/** Details of integration.connected. */
export type ConfigurationIntegrationConnectedDetails = {
  integration?: string;
  [key: string]: unknown;
};

/** Details of integration.disconnected. */
export type ConfigurationIntegrationDisconnectedDetails = {
  integration?: string;
  [key: string]: unknown;
};

/** Details of webhook.created. */
export type ConfigurationWebhookCreatedDetails = {
  url?: string;
  [key: string]: unknown;
};

/** Details of token.created. */
export type SecurityTokenCreatedDetails = {
  scopes?: string[];
  [key: string]: unknown;
};

/** Details of token.revoked. */
export type SecurityTokenRevokedDetails = Record<string, unknown>;

/** Details of secret.rotated. */
export type SecuritySecretRotatedDetails = Record<string, unknown>;

/** Details of threat.detected. */
export type SecurityThreatDetectedDetails = {
  rule?: string;
  severity?: "low" | "medium" | "high" | "critical";
  [key: string]: unknown;
};

/** Details of payment.succeeded. */
export type PaymentSucceededDetails = {
  amount?: number;
  currency?: string;
  [key: string]: unknown;
};

/** Details of payment.failed. */
export type PaymentFailedDetails = {
  amount?: number;
  currency?: string;
  reason?: string;
  [key: string]: unknown;
};

/** Details of refund.issued. */
export type PaymentRefundIssuedDetails = {
  amount?: number;
  currency?: string;
  [key: string]: unknown;
};

/** Details of subscription.changed. */
export type PaymentSubscriptionChangedDetails = {
  from_plan?: string;
  to_plan?: string;
  [key: string]: unknown;
};

/** Details of device.registered. */
export type DeviceRegisteredDetails = {
  platform?: string;
  [key: string]: unknown;
};

/** Details of device.removed. */
export type DeviceRemovedDetails = Record<string, unknown>;

/** Details of device.trusted. */
export type DeviceTrustedDetails = Record<string, unknown>;

/** Details of job.started. */
export type JobStartedDetails = {
  job?: string;
  [key: string]: unknown;
};

/** Details of job.succeeded. */
export type JobSucceededDetails = {
  job?: string;
  duration_ms?: number;
  [key: string]: unknown;
};

/** Details of job.failed. */
export type JobFailedDetails = {
  job?: string;
  error?: string;
  [key: string]: unknown;
};

/** Details of api.request. */
export type ApiRequestDetails = {
  route?: string;
  started_at?: string;
  ended_at?: string;
  duration_ms?: number;
  /** Allow-listed request fields (query, headers, body); the rest are "[redacted]" */
  request?: {
    [key: string]: unknown;
  };
  /** Allow-listed response fields (headers, body); the rest are "[redacted]" */
  response?: {
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

/** Each helper's action, and the success it sets when the event does not say. */
export const SEED_TAXONOMY = {
  auth: {
    loginSucceeded: { action: 'login.succeeded', success: true },
    loginFailed: { action: 'login.failed', success: false },
    logout: { action: 'logout', success: true },
    passwordChanged: { action: 'password.changed', success: true },
    passwordResetRequested: { action: 'password.reset_requested' },
    mfaEnabled: { action: 'mfa.enabled', success: true },
    mfaDisabled: { action: 'mfa.disabled', success: true },
    sessionRevoked: { action: 'session.revoked', success: true },
  },
  authorization: {
    permissionGranted: { action: 'permission.granted', success: true },
    permissionRevoked: { action: 'permission.revoked', success: true },
    accessDenied: { action: 'access.denied', success: false },
  },
  team: {
    memberInvited: { action: 'member.invited', success: true },
    memberJoined: { action: 'member.joined', success: true },
    memberRemoved: { action: 'member.removed', success: true },
    roleChanged: { action: 'member.role_changed', success: true },
  },
  resource: {
    created: { action: 'resource.created', success: true },
    updated: { action: 'resource.updated', success: true },
    deleted: { action: 'resource.deleted', success: true },
    archived: { action: 'resource.archived', success: true },
    restored: { action: 'resource.restored', success: true },
  },
  data: {
    exported: { action: 'data.exported', success: true },
    viewed: { action: 'data.viewed', success: true },
    fileDownloaded: { action: 'file.downloaded', success: true },
  },
  configuration: {
    settingChanged: { action: 'setting.changed', success: true },
    integrationConnected: { action: 'integration.connected', success: true },
    integrationDisconnected: { action: 'integration.disconnected', success: true },
    webhookCreated: { action: 'webhook.created', success: true },
  },
  security: {
    tokenCreated: { action: 'token.created', success: true },
    tokenRevoked: { action: 'token.revoked', success: true },
    secretRotated: { action: 'secret.rotated', success: true },
    threatDetected: { action: 'threat.detected', success: false },
  },
  payment: {
    succeeded: { action: 'payment.succeeded', success: true },
    failed: { action: 'payment.failed', success: false },
    refundIssued: { action: 'refund.issued', success: true },
    subscriptionChanged: { action: 'subscription.changed', success: true },
  },
  device: {
    registered: { action: 'device.registered', success: true },
    removed: { action: 'device.removed', success: true },
    trusted: { action: 'device.trusted', success: true },
  },
  job: {
    started: { action: 'job.started' },
    succeeded: { action: 'job.succeeded', success: true },
    failed: { action: 'job.failed', success: false },
  },
  api: {
    request: { action: 'api.request' },
  },
} as const;

/** The helpers on an audit client; R is what record() returns. */
export interface SeedHelpers<R> {
  auth: {
    /** login.succeeded (authentication): A user signed in */
    loginSucceeded(event?: HelperEvent<AuthLoginSucceededDetails>): R;
    /** login.failed (authentication): A sign-in attempt failed */
    loginFailed(event?: HelperEvent<AuthLoginFailedDetails>): R;
    /** logout (authentication): A user signed out */
    logout(event?: HelperEvent<AuthLogoutDetails>): R;
    /** password.changed (authentication): A user changed their password */
    passwordChanged(event?: HelperEvent<AuthPasswordChangedDetails>): R;
    /** password.reset_requested (authentication): A password reset was requested */
    passwordResetRequested(event?: HelperEvent<AuthPasswordResetRequestedDetails>): R;
    /** mfa.enabled (authentication): A second factor was turned on */
    mfaEnabled(event?: HelperEvent<AuthMfaEnabledDetails>): R;
    /** mfa.disabled (authentication): A second factor was turned off */
    mfaDisabled(event?: HelperEvent<AuthMfaDisabledDetails>): R;
    /** session.revoked (authentication): A session was ended by someone else */
    sessionRevoked(event?: HelperEvent<AuthSessionRevokedDetails>): R;
  },
  authorization: {
    /** permission.granted (authorization): A permission was granted */
    permissionGranted(event?: HelperEvent<AuthorizationPermissionGrantedDetails>): R;
    /** permission.revoked (authorization): A permission was taken away */
    permissionRevoked(event?: HelperEvent<AuthorizationPermissionRevokedDetails>): R;
    /** access.denied (authorization): A request was refused for lack of permission */
    accessDenied(event?: HelperEvent<AuthorizationAccessDeniedDetails>): R;
  },
  team: {
    /** member.invited (team): Someone was invited to join */
    memberInvited(event?: HelperEvent<TeamMemberInvitedDetails>): R;
    /** member.joined (team): An invitation was accepted */
    memberJoined(event?: HelperEvent<TeamMemberJoinedDetails>): R;
    /** member.removed (team): A member was removed */
    memberRemoved(event?: HelperEvent<TeamMemberRemovedDetails>): R;
    /** member.role_changed (authorization): A member's role changed */
    roleChanged(event?: HelperEvent<TeamRoleChangedDetails>): R;
  },
  resource: {
    /** resource.created (resource): Something was created */
    created(event?: HelperEvent<ResourceCreatedDetails>): R;
    /** resource.updated (resource): Something was changed */
    updated(event?: HelperEvent<ResourceUpdatedDetails>): R;
    /** resource.deleted (resource): Something was deleted */
    deleted(event?: HelperEvent<ResourceDeletedDetails>): R;
    /** resource.archived (resource): Something was archived */
    archived(event?: HelperEvent<ResourceArchivedDetails>): R;
    /** resource.restored (resource): Something was restored */
    restored(event?: HelperEvent<ResourceRestoredDetails>): R;
  },
  data: {
    /** data.exported (data): Data left the system as a file */
    exported(event?: HelperEvent<DataExportedDetails>): R;
    /** data.viewed (data): Sensitive data was looked at */
    viewed(event?: HelperEvent<DataViewedDetails>): R;
    /** file.downloaded (data): A file was downloaded */
    fileDownloaded(event?: HelperEvent<DataFileDownloadedDetails>): R;
  },
  configuration: {
    /** setting.changed (configuration): A setting changed */
    settingChanged(event?: HelperEvent<ConfigurationSettingChangedDetails>): R;
    /** integration.connected (configuration): An integration was connected */
    integrationConnected(event?: HelperEvent<ConfigurationIntegrationConnectedDetails>): R;
    /** integration.disconnected (configuration): An integration was disconnected */
    integrationDisconnected(event?: HelperEvent<ConfigurationIntegrationDisconnectedDetails>): R;
    /** webhook.created (configuration): A webhook was added */
    webhookCreated(event?: HelperEvent<ConfigurationWebhookCreatedDetails>): R;
  },
  security: {
    /** token.created (security): An access token or key was created */
    tokenCreated(event?: HelperEvent<SecurityTokenCreatedDetails>): R;
    /** token.revoked (security): An access token or key was revoked */
    tokenRevoked(event?: HelperEvent<SecurityTokenRevokedDetails>): R;
    /** secret.rotated (security): A secret was rotated */
    secretRotated(event?: HelperEvent<SecuritySecretRotatedDetails>): R;
    /** threat.detected (security): Something suspicious was detected */
    threatDetected(event?: HelperEvent<SecurityThreatDetectedDetails>): R;
  },
  payment: {
    /** payment.succeeded (payment): A payment went through */
    succeeded(event?: HelperEvent<PaymentSucceededDetails>): R;
    /** payment.failed (payment): A payment failed */
    failed(event?: HelperEvent<PaymentFailedDetails>): R;
    /** refund.issued (payment): Money was refunded */
    refundIssued(event?: HelperEvent<PaymentRefundIssuedDetails>): R;
    /** subscription.changed (payment): A plan changed */
    subscriptionChanged(event?: HelperEvent<PaymentSubscriptionChangedDetails>): R;
  },
  device: {
    /** device.registered (device): A device was added */
    registered(event?: HelperEvent<DeviceRegisteredDetails>): R;
    /** device.removed (device): A device was removed */
    removed(event?: HelperEvent<DeviceRemovedDetails>): R;
    /** device.trusted (device): A device was marked as trusted */
    trusted(event?: HelperEvent<DeviceTrustedDetails>): R;
  },
  job: {
    /** job.started (job): A background job started */
    started(event?: HelperEvent<JobStartedDetails>): R;
    /** job.succeeded (job): A background job finished */
    succeeded(event?: HelperEvent<JobSucceededDetails>): R;
    /** job.failed (job): A background job failed */
    failed(event?: HelperEvent<JobFailedDetails>): R;
  },
  api: {
    /** api.request (data): An API call, as the SDK's middleware records it (seed 001) */
    request(event?: HelperEvent<ApiRequestDetails>): R;
  },
}
