import { defineCommand } from 'citty';
import { SCOPES } from '../auth/scopes.js';
import { createTenantService } from '../tenants/tenant-service.js';
import { CLIError, printJson, withStore } from './_context.js';

export const tenantsCommand = defineCommand({
  meta: { name: 'tenants', description: 'Manage tenants in the local store' },
  subCommands: {
    create: defineCommand({
      meta: { description: 'Create a tenant and print it' },
      args: { name: { type: 'positional', required: true, description: 'Tenant name' } },
      run: ({ args }) => withStore(async (store) => printJson(await createTenantService({ store }).createTenant(args.name))),
    }),
    list: defineCommand({
      meta: { description: 'List tenants' },
      run: () => withStore(async (store) => printJson(await createTenantService({ store }).listTenants())),
    }),
  },
});

export const keysCommand = defineCommand({
  meta: { name: 'keys', description: 'Manage API keys in the local store' },
  subCommands: {
    create: defineCommand({
      meta: { description: 'Create an API key; the key is printed once' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id' },
        scopes: { type: 'string', required: true, description: `Comma-separated: ${SCOPES.join(',')}` },
        name: { type: 'string', default: 'cli', description: 'Key name' },
      },
      run: ({ args }) => withStore(async (store) => {
        const scopes = args.scopes.split(',').map((s) => s.trim()).filter(Boolean);
        printJson(await createTenantService({ store }).createKey(args.tenant, args.name, scopes));
      }),
    }),
    list: defineCommand({
      meta: { description: 'List a tenant\'s keys' },
      args: { tenant: { type: 'string', required: true } },
      run: ({ args }) => withStore(async (store) => printJson(await createTenantService({ store }).listKeys(args.tenant))),
    }),
    revoke: defineCommand({
      meta: { description: 'Revoke a key at once' },
      args: { tenant: { type: 'string', required: true }, key: { type: 'positional', required: true, description: 'Key id' } },
      run: ({ args }) => withStore(async (store) => {
        await createTenantService({ store }).revokeKey(args.tenant, args.key);
        printJson({ revoked: args.key });
      }),
    }),
  },
});

export { CLIError };
