// Dashboard roles and the API scopes each one carries: a signed-in user is authorized by the same
// scope checks as an API key, so no route needs to know about roles.

import { SCOPES, type Scope } from '../auth/scopes.js';

export const ROLES = ['viewer', 'auditor', 'org_admin', 'super_admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

const READ_ONLY: readonly Scope[] = ['audit:read'];

/** super_admin also holds the instance admin's powers (see authorization.ts). */
export function scopesOf(role: Role): readonly Scope[] {
  switch (role) {
    case 'viewer':
    case 'auditor':
      return READ_ONLY;
    case 'org_admin':
    case 'super_admin':
      return SCOPES;
  }
}
