import { defineCommand } from 'citty';
import { createSecretBox, loadSecretKey } from '../background/secret-box.js';
import { loadConfig } from '../config.js';
import { createRedaction } from '../retention/redaction.js';
import { retentionServiceFor } from '../retention/retention-feature.js';
import type { Store } from '../store/port.js';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import { withAuditedStore } from './_audit.js';
import { CLIError, note, printJson } from './_context.js';
import { addExamples } from './_help.js';

// Retention on the local store (src/retention/): the purge the server's job runs, now. Each purge
// is recorded in the tenant's log as retention.purged, as when the server does it.
function serviceOf(store: Store, trail: AuditTrail) {
  const config = loadConfig();
  const secrets = createSecretBox(() => loadSecretKey({ configuredFile: config.secretsKeyFile, dataDir: config.dataDir }));
  return retentionServiceFor({ config, store, trail, redaction: createRedaction({ store, secrets }) });
}

const runCommand = defineCommand({
  meta: { name: 'run', description: 'Purge every tenant\'s events older than its window now (or one tenant\'s; --dry-run only counts)' },
  args: {
    tenant: { type: 'string', description: 'Only this tenant' },
    'dry-run': { type: 'boolean', description: 'Count what would be purged; change nothing' },
  },
  run: ({ args }) => withAuditedStore(async (store, trail) => {
    const retention = serviceOf(store, trail);
    const tenants = args.tenant ? [args.tenant] : (await store.listTenants()).map((t) => t.id);
    if (args.tenant && !(await store.getTenant(args.tenant))) throw new CLIError(`No tenant with id ${args.tenant} (see: stele tenants list)`);
    const results = [];
    for (const tenantId of tenants) {
      const run = await retention.purge(tenantId, {
        dryRun: args['dry-run'] === true,
        onBatch: (done) => note(`${tenantId}: ${done} purged`),
      });
      results.push({ tenant_id: tenantId, ...run });
    }
    printJson(results);
  }),
});
addExamples(runCommand, [
  'stele retention run',
  'stele retention run --tenant 01J... --dry-run',
  'STELE_DATABASE_URL=postgres://stele@db:5432/stele stele retention run --tenant 01J...',
]);

const showCommand = defineCommand({
  meta: { name: 'show', description: 'A tenant\'s window, legal hold, and its last purge\'s figures' },
  args: { tenant: { type: 'string', required: true, description: 'Tenant id' } },
  run: ({ args }) => withAuditedStore(async (store, trail) => {
    if (!(await store.getTenant(args.tenant))) throw new CLIError(`No tenant with id ${args.tenant} (see: stele tenants list)`);
    printJson(await serviceOf(store, trail).view(args.tenant));
  }),
});
addExamples(showCommand, ['stele retention show --tenant 01J...']);

export const retentionCommand = defineCommand({
  meta: { name: 'retention', description: 'Retention on the local store: purge expired events now, show a tenant\'s window' },
  subCommands: { run: runCommand, show: showCommand },
});
addExamples(retentionCommand, ['stele retention run --dry-run', 'stele retention show --tenant 01J...']);
