import { defineCommand } from 'citty';
import { recordViewerTokenRevoked } from '../dashboard/security-events.js';
import { createViewerTokenService } from '../dashboard/viewer-token-service.js';
import type { Store } from '../store/port.js';
import { withAuditedStore } from './_audit.js';
import { CLIError, printJson, withStore } from './_context.js';
import { addExamples } from './_help.js';
import { onServer, SERVER_ARGS } from './_remote.js';

async function requireTenant(store: Store, tenantId: string): Promise<void> {
  if (!(await store.getTenant(tenantId))) throw new CLIError(`No tenant with id ${tenantId} (see: stele tenants list)`);
}

// Viewer tokens of the embeddable viewer (src/dashboard/viewer-token-service.ts): the secrets are
// never stored, so listing shows what each token may read and until when. On the local store a
// revocation is recorded as viewer_token.revoked with the operator as actor; on a server, by it.
export const viewerTokensCommand = addExamples(defineCommand({
  meta: { name: 'viewer-tokens', description: 'List and revoke viewer tokens (the local store, or a server with --url)' },
  subCommands: {
    list: addExamples(defineCommand({
      meta: { name: 'list', description: 'List a tenant\'s live viewer tokens as JSON (no secrets)' },
      args: { tenant: { type: 'string', required: true, description: 'Tenant id' }, ...SERVER_ARGS },
      run: async ({ args }) => {
        const remote = await onServer(args, async (api) => (await api.json<{ tokens: unknown[] }>('GET', '/v1/viewer-tokens', { query: { tenant_id: args.tenant } })).tokens);
        printJson(remote ? remote.value : await withStore(async (store) => {
          await requireTenant(store, args.tenant);
          return createViewerTokenService({ store }).list(args.tenant);
        }));
      },
    }), ['stele viewer-tokens list --tenant 01J...', 'stele viewer-tokens list --tenant 01J... --url https://audit.example.com --key $STELE_ADMIN_TOKEN']),
    revoke: addExamples(defineCommand({
      meta: { name: 'revoke', description: 'Revoke a viewer token at once (recorded as viewer_token.revoked in the tenant\'s log)' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id' },
        id: { type: 'positional', required: true, description: 'Viewer token id' },
        ...SERVER_ARGS,
      },
      run: async ({ args }) => {
        const remote = await onServer(args, (api) => api.json('DELETE', `/v1/viewer-tokens/${encodeURIComponent(args.id)}`, { query: { tenant_id: args.tenant } }));
        if (!remote) {
          await withAuditedStore(async (store, trail, by) => {
            await requireTenant(store, args.tenant);
            const revoked = await createViewerTokenService({ store }).revoke(args.tenant, args.id);
            if (!revoked) throw new CLIError(`No viewer token ${args.id} in tenant ${args.tenant} (see: stele viewer-tokens list --tenant ${args.tenant})`);
            await recordViewerTokenRevoked(trail, args.tenant, { tokenId: args.id, by, expiresAt: revoked.expires_at });
          });
        }
        printJson({ revoked: args.id });
      },
    }), ['stele viewer-tokens revoke --tenant 01J... 01J...TOKEN', 'stele viewer-tokens revoke --tenant 01J... 01J...TOKEN --url https://audit.example.com --key $STELE_ADMIN_TOKEN']),
  },
}), [
  'stele viewer-tokens list --tenant 01J...',
  'stele viewer-tokens revoke --tenant 01J... 01J...TOKEN --url https://audit.example.com --key $STELE_ADMIN_TOKEN',
]);
