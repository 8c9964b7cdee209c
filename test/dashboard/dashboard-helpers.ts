// Dashboard users for API and browser tests, created through the same repository the CLI uses.

import { hashPassword } from '../../src/dashboard/password-hash.js';
import type { Role } from '../../src/dashboard/roles.js';
import { createUserRepository } from '../../src/dashboard/user-repository.js';
import type { Store } from '../../src/store/port.js';

// Cheap parameters: tests create many users and the cost is not what they check.
const FAST = { N: 1024, r: 8, p: 1, keyLength: 32 };

export async function createUser(store: Store, tenantId: string, email: string, password: string, role: Role): Promise<void> {
  const saved = await createUserRepository(store).insert({ email, tenant_id: tenantId, role, password: await hashPassword(password, FAST) });
  if (!saved) throw new Error(`user ${email} exists`);
}

/** The session cookie (name=value) from a sign-in response. */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0]! : setCookie ?? '';
  return header.split(';')[0]!;
}
