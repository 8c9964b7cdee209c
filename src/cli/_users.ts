import { defineCommand } from 'citty';
import { createUserRepository } from '../dashboard/user-repository.js';
import { hashPassword } from '../dashboard/password-hash.js';
import { ROLES, isRole } from '../dashboard/roles.js';
import { CLIError, withStore } from './_context.js';

// Dashboard users sign in with email and password; a role maps to API scopes (see
// src/dashboard/roles.ts). The password is hashed with scrypt before it reaches the store.
export const usersCommand = defineCommand({
  meta: { name: 'users', description: 'Manage dashboard users in the local store' },
  subCommands: {
    create: defineCommand({
      meta: { description: 'Create a dashboard user (or reset the password and role with --update)' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id the user belongs to' },
        email: { type: 'string', required: true, description: 'Sign-in email' },
        password: { type: 'string', required: true, description: 'Password (at least 8 characters)' },
        role: { type: 'string', default: 'viewer', description: ROLES.join('|') },
        update: { type: 'boolean', default: false, description: 'Replace an existing user with that email' },
      },
      run: ({ args }) => withStore(async (store) => {
        if (!isRole(args.role)) throw new CLIError(`--role must be one of ${ROLES.join(', ')}`);
        if (args.password.length < 8) throw new CLIError('--password must have at least 8 characters');
        if (!/^[^\s@]+@[^\s@]+$/.test(args.email)) throw new CLIError('--email must be an email address');
        if (!(await store.getTenant(args.tenant))) throw new CLIError(`No tenant with id ${args.tenant} (see: stele tenants list)`);
        const users = createUserRepository(store);
        const user = { email: args.email, tenant_id: args.tenant, role: args.role, password: await hashPassword(args.password) };
        const saved = args.update ? await users.replace(user) : await users.insert(user);
        if (!saved) throw new CLIError(args.update ? `No user ${args.email} to update` : `A user ${args.email} exists already (pass --update to replace it)`);
        process.stdout.write(`${JSON.stringify({ email: user.email.toLowerCase(), tenant_id: user.tenant_id, role: user.role }, null, 2)}\n`);
      }),
    }),
  },
});
