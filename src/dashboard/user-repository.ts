// Dashboard users, one instance-wide record each, keyed by lower-cased email so that sign-in can
// find a user from the email alone. The user's tenant is in the body.

import type { Store } from '../store/port.js';
import type { PasswordHash } from './password-hash.js';
import type { Role } from './roles.js';

export interface DashboardUser {
  email: string;
  tenant_id: string;
  role: Role;
  password: PasswordHash;
  disabled?: boolean;
}

const KIND = 'dashboard_user';
const keyOf = (email: string) => ({ kind: KIND, tenantId: '*', id: normaliseEmail(email) });

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export function createUserRepository(store: Store, now: () => number = Date.now) {
  return {
    /** Returns false when a user with that email exists already. */
    async insert(user: DashboardUser): Promise<boolean> {
      const record = { ...user, email: normaliseEmail(user.email) };
      return store.insertRecord(keyOf(user.email), record, new Date(now()).toISOString());
    },
    async replace(user: DashboardUser): Promise<boolean> {
      return store.updateRecord(keyOf(user.email), { ...user, email: normaliseEmail(user.email) }, new Date(now()).toISOString());
    },
    async find(email: string): Promise<DashboardUser | undefined> {
      return (await store.getRecord<DashboardUser>(keyOf(email)))?.body;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
