import { defineCommand } from 'citty';
import { SCOPES } from '../auth/scopes.js';
import { createTenantService } from '../tenants/tenant-service.js';
import { withAuditedStore } from './_audit.js';
import { CLIError, printJson } from './_context.js';

// Every change made here is recorded like the API's, with the CLI's OS user as actor (_audit.ts).
export const tenantsCommand = defineCommand({
  meta: { name: 'tenants', description: 'Manage tenants in the local store' },
  subCommands: {
    create: defineCommand({
      meta: { description: 'Create a tenant and print it' },
      args: { name: { type: 'positional', required: true, description: 'Tenant name' } },
      run: ({ args }) => withAuditedStore(async (store, trail, by) => printJson(await createTenantService({ store, trail }).createTenant(args.name, by))),
    }),
    list: defineCommand({
      meta: { description: 'List tenants' },
      run: () => withAuditedStore(async (store, trail) => printJson(await createTenantService({ store, trail }).listTenants())),
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
      run: ({ args }) => withAuditedStore(async (store, trail, by) => {
        const scopes = args.scopes.split(',').map((s) => s.trim()).filter(Boolean);
        printJson(await createTenantService({ store, trail }).createKey(args.tenant, args.name, scopes, by));
      }),
    }),
    list: defineCommand({
      meta: { description: 'List a tenant\'s keys' },
      args: { tenant: { type: 'string', required: true } },
      run: ({ args }) => withAuditedStore(async (store, trail) => printJson(await createTenantService({ store, trail }).listKeys(args.tenant))),
    }),
    revoke: defineCommand({
      meta: { description: 'Revoke a key at once' },
      args: { tenant: { type: 'string', required: true }, key: { type: 'positional', required: true, description: 'Key id' } },
      run: ({ args }) => withAuditedStore(async (store, trail, by) => {
        await createTenantService({ store, trail }).revokeKey(args.tenant, args.key, by);
        printJson({ revoked: args.key });
      }),
    }),
  },
});

export { CLIError };
