import { defineCommand } from 'citty';
import { recordViewerTokenRevoked } from '../dashboard/security-events.js';
import { createViewerTokenService } from '../dashboard/viewer-token-service.js';
import type { Store } from '../store/port.js';
import { withAuditedStore } from './_audit.js';
import { CLIError, printJson, withStore } from './_context.js';

async function requireTenant(store: Store, tenantId: string): Promise<void> {
  if (!(await store.getTenant(tenantId))) throw new CLIError(`No tenant with id ${tenantId} (see: stele tenants list)`);
}

// Viewer tokens of the embeddable viewer (src/dashboard/viewer-token-service.ts), on the local
// store: the secrets are never stored, so listing shows what each token may read and until when.
export const viewerTokensCommand = defineCommand({
  meta: { name: 'viewer-tokens', description: 'List and revoke viewer tokens in the local store' },
  subCommands: {
    list: defineCommand({
      meta: { description: 'List a tenant\'s live viewer tokens (no secrets)' },
      args: { tenant: { type: 'string', required: true, description: 'Tenant id' } },
      run: ({ args }) => withStore(async (store) => {
        await requireTenant(store, args.tenant);
        printJson(await createViewerTokenService({ store }).list(args.tenant));
      }),
    }),
    revoke: defineCommand({
      meta: { description: 'Revoke a viewer token at once (recorded as viewer_token.revoked in the tenant\'s log)' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id' },
        id: { type: 'positional', required: true, description: 'Viewer token id' },
      },
      run: ({ args }) => withAuditedStore(async (store, trail, by) => {
        await requireTenant(store, args.tenant);
        const revoked = await createViewerTokenService({ store }).revoke(args.tenant, args.id);
        if (!revoked) throw new CLIError(`No viewer token ${args.id} in tenant ${args.tenant} (see: stele viewer-tokens list --tenant ${args.tenant})`);
        await recordViewerTokenRevoked(trail, args.tenant, { tokenId: args.id, by, expiresAt: revoked.expires_at });
        printJson({ revoked: args.id });
      }),
    }),
  },
});
