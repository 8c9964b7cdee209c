import { defineCommand } from 'citty';
import { SCOPES } from '../auth/scopes.js';
import { createTenantService } from '../tenants/tenant-service.js';
import { withAuditedStore } from './_audit.js';
import { CLIError, printJson } from './_context.js';
import { addExamples } from './_help.js';
import { onServer, SERVER_ARGS } from './_remote.js';

// On the local store, every change made here is recorded like the API's, with the CLI's OS user
// as actor (_audit.ts); on a server (--url), the server records it with the key as actor.
export const tenantsCommand = addExamples(defineCommand({
  meta: { name: 'tenants', description: 'Manage tenants (the local store, or a server with --url and the admin token)' },
  subCommands: {
    create: addExamples(defineCommand({
      meta: { name: 'create', description: 'Create a tenant and print it as JSON' },
      args: { name: { type: 'positional', required: true, description: 'Tenant name' }, ...SERVER_ARGS },
      run: async ({ args }) => {
        const remote = await onServer(args, (api) => api.json('POST', '/v1/tenants', { body: { name: args.name } }));
        printJson(remote ? remote.value : await withAuditedStore((store, trail, by) => createTenantService({ store, trail }).createTenant(args.name, by), { expectTenants: false }));
      },
    }), ['stele tenants create Acme', 'stele tenants create Acme --url https://audit.example.com --key $STELE_ADMIN_TOKEN']),
    list: addExamples(defineCommand({
      meta: { name: 'list', description: 'List tenants as JSON' },
      args: { ...SERVER_ARGS },
      run: async ({ args }) => {
        const remote = await onServer(args, async (api) => (await api.json<{ tenants: unknown[] }>('GET', '/v1/tenants')).tenants);
        printJson(remote ? remote.value : await withAuditedStore((store, trail) => createTenantService({ store, trail }).listTenants(), { expectTenants: false }));
      },
    }), ['stele tenants list', 'stele tenants list --url https://audit.example.com --key $STELE_ADMIN_TOKEN | jq -r ".[].id"']),
  },
}), ['stele tenants create Acme', 'stele tenants list --url https://audit.example.com --key $STELE_ADMIN_TOKEN']);

const scopesOf = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

export const keysCommand = addExamples(defineCommand({
  meta: { name: 'keys', description: 'Manage API keys (the local store, or a server with --url)' },
  subCommands: {
    create: addExamples(defineCommand({
      meta: { name: 'create', description: 'Create an API key and print it as JSON; the key is shown once' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id' },
        scopes: { type: 'string', required: true, description: `Comma-separated: ${SCOPES.join(',')}` },
        name: { type: 'string', default: 'cli', description: 'Key name' },
        ...SERVER_ARGS,
      },
      run: async ({ args }) => {
        const body = { name: args.name, scopes: scopesOf(args.scopes) };
        const remote = await onServer(args, (api) => api.json('POST', `/v1/tenants/${encodeURIComponent(args.tenant)}/keys`, { body }));
        printJson(remote ? remote.value : await withAuditedStore((store, trail, by) => createTenantService({ store, trail }).createKey(args.tenant, body.name, body.scopes, by)));
      },
    }), [
      'stele keys create --tenant 01J... --scopes events:write,audit:read --name backend',
      'stele keys create --tenant 01J... --scopes events:write --url https://audit.example.com --key $STELE_ADMIN_TOKEN | jq -r .key',
    ]),
    list: addExamples(defineCommand({
      meta: { name: 'list', description: 'List a tenant\'s keys as JSON (never the secrets)' },
      args: { tenant: { type: 'string', required: true, description: 'Tenant id' }, ...SERVER_ARGS },
      run: async ({ args }) => {
        const remote = await onServer(args, async (api) => (await api.json<{ keys: unknown[] }>('GET', `/v1/tenants/${encodeURIComponent(args.tenant)}/keys`)).keys);
        printJson(remote ? remote.value : await withAuditedStore((store, trail) => createTenantService({ store, trail }).listKeys(args.tenant)));
      },
    }), ['stele keys list --tenant 01J...', 'stele keys list --tenant 01J... --url https://audit.example.com --key $STELE_ADMIN_TOKEN']),
    revoke: addExamples(defineCommand({
      meta: { name: 'revoke', description: 'Revoke a key at once' },
      args: { tenant: { type: 'string', required: true, description: 'Tenant id' }, id: { type: 'positional', required: true, description: 'Key id' }, ...SERVER_ARGS },
      run: async ({ args }) => {
        const remote = await onServer(args, (api) => api.json('DELETE', `/v1/tenants/${encodeURIComponent(args.tenant)}/keys/${encodeURIComponent(args.id)}`));
        if (!remote) await withAuditedStore((store, trail, by) => createTenantService({ store, trail }).revokeKey(args.tenant, args.id, by));
        printJson({ revoked: args.id });
      },
    }), ['stele keys revoke --tenant 01J... 01J...KEYID', 'stele keys revoke --tenant 01J... 01J...KEYID --url https://audit.example.com --key $STELE_ADMIN_TOKEN']),
  },
}), [
  'stele keys create --tenant 01J... --scopes events:write,audit:read --name backend',
  'stele keys list --tenant 01J... --url https://audit.example.com --key $STELE_ADMIN_TOKEN',
]);

export { CLIError };
