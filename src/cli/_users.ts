import { defineCommand } from 'citty';
import { createUserRepository, normaliseEmail } from '../dashboard/user-repository.js';
import { hashPassword } from '../dashboard/password-hash.js';
import { ROLES, isRole } from '../dashboard/roles.js';
import type { AuditEntry } from '../audit-trail/audit-trail.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import { withAuditedStore } from './_audit.js';
import { CLIError, usageError } from './_context.js';
import { addExamples } from './_help.js';

// Dashboard users sign in with email and password; a role maps to API scopes (see
// src/dashboard/roles.ts). The password is hashed with scrypt before it reaches the store.
// Creating or replacing a user is an event in the user's tenant log (and in the previous tenant's
// when --update moves the user); making or unmaking a super_admin, who holds the instance
// admin's powers, is in the instance log too. The password never is, only that it was set.
export const usersCommand = addExamples(defineCommand({
  meta: { name: 'users', description: 'Manage dashboard users in the local store (the API has no user management: run it with the server\'s STELE_DATA_DIR or STELE_DATABASE_URL)' },
  subCommands: {
    create: addExamples(defineCommand({
      meta: { name: 'create', description: 'Create a dashboard user (or reset the password and role with --update)' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id the user belongs to' },
        email: { type: 'string', required: true, description: 'Sign-in email' },
        password: { type: 'string', required: true, description: 'Password (at least 8 characters)' },
        role: { type: 'string', default: 'viewer', description: ROLES.join('|') },
        update: { type: 'boolean', default: false, description: 'Replace an existing user with that email' },
      },
      run: ({ args }) => withAuditedStore(async (store, trail, by) => {
        if (!isRole(args.role)) throw usageError(`--role must be one of ${ROLES.join(', ')}`);
        if (args.password.length < 8) throw usageError('--password must have at least 8 characters');
        if (!/^[^\s@]+@[^\s@]+$/.test(args.email)) throw usageError('--email must be an email address');
        if (!(await store.getTenant(args.tenant))) throw new CLIError(`No tenant with id ${args.tenant} (see: stele tenants list)`);
        const users = createUserRepository(store);
        const before = args.update ? await users.find(args.email) : undefined;
        const user = { email: args.email, tenant_id: args.tenant, role: args.role, password: await hashPassword(args.password) };
        const saved = args.update ? before !== undefined && (await users.replace(user)) : await users.insert(user);
        if (!saved) throw new CLIError(args.update ? `No user ${args.email} to update` : `A user ${args.email} exists already (pass --update to replace it)`);

        const email = normaliseEmail(user.email);
        const target = { type: 'user', id: email, name: email };
        const entry: AuditEntry = before
          ? {
            action: 'user.updated', ...by, target,
            details: {
              changed: ['password', ...(before.role !== user.role ? ['role'] : []), ...(before.tenant_id !== user.tenant_id ? ['tenant'] : [])],
              role: user.role,
              ...(before.role !== user.role && { from_role: before.role, to_role: user.role }),
              ...(before.tenant_id !== user.tenant_id && { from_tenant: before.tenant_id, to_tenant: user.tenant_id }),
            },
          }
          : { action: 'user.created', ...by, target, details: { role: user.role, tenant_id: user.tenant_id } };
        const logs = new Set([user.tenant_id, ...(before ? [before.tenant_id] : [])]);
        if (user.role === 'super_admin' || before?.role === 'super_admin') logs.add(SYSTEM_TENANT_ID);
        for (const tenantId of logs) await trail.record(tenantId, entry);
        process.stdout.write(`${JSON.stringify({ email, tenant_id: user.tenant_id, role: user.role }, null, 2)}\n`);
      }),
    }), [
      "stele users create --tenant 01J... --email ada@example.com --password 'correct horse battery' --role org_admin",
      "stele users create --tenant 01J... --email ada@example.com --password 'a new one, long' --role viewer --update",
    ]),
  },
}), [
  "stele users create --tenant 01J... --email ada@example.com --password 'correct horse battery' --role org_admin",
  "stele users create --tenant 01J... --email ada@example.com --password 'a new one, long' --role viewer --update",
]);
