import { defineCommand } from 'citty';
import { createEventSelector, type FindSavedSearch } from '../query/selection.js';
import { createSavedSearchRepository } from '../saved-searches/saved-search-repository.js';
import type { Store } from '../store/port.js';
import { createStreamRepository } from '../streams/stream-repository.js';
import { createStreamSelection } from '../streams/stream-selection.js';
import { createStreamStatus } from '../streams/stream-status.js';
import { CLIError, printJson, withStore } from './_context.js';
import { addExamples } from './_help.js';

// Streams (src/streams/) on the local store, read-only: what each delivers and where it stands.
// Changes go through the API, which records them in the tenant's log.
function statusOf(store: Store) {
  const savedSearches = createSavedSearchRepository(store);
  const findSavedSearch: FindSavedSearch = async (tenantId, id) => {
    const found = await savedSearches.find(tenantId, id);
    return found && { query: found.query, filters: found.filters };
  };
  return createStreamStatus({
    store, now: Date.now, streams: createStreamRepository(store, Date.now),
    selection: createStreamSelection(createEventSelector({ dialect: store.dialect, findSavedSearch })),
  });
}

async function requireTenant(store: Store, tenantId: string): Promise<void> {
  if (!(await store.getTenant(tenantId))) throw new CLIError(`No tenant with id ${tenantId} (see: stele tenants list)`);
}

export const streamsCommand = addExamples(defineCommand({
  meta: { name: 'streams', description: 'Show the streams of the local store (state, cursor, lag, last error)' },
  subCommands: {
    list: addExamples(defineCommand({
      meta: { description: 'A tenant\'s streams: id, name, type, state, cursor, lag, last error' },
      args: { tenant: { type: 'string', required: true, description: 'Tenant id' } },
      run: ({ args }) => withStore(async (store) => {
        await requireTenant(store, args.tenant);
        printJson((await statusOf(store).list(args.tenant)).map((s) => ({
          id: s.id, name: s.name, type: s.type, state: s.state, destination: s.destination, cursor: s.cursor, head: s.head, lag: s.lag,
          delivered: s.delivered, last_error: s.last_error?.message ?? null,
        })));
      }),
    }), ['stele streams list --tenant acme']),
    status: addExamples(defineCommand({
      meta: { description: 'One stream in full (secrets masked)' },
      args: {
        tenant: { type: 'string', required: true, description: 'Tenant id' },
        id: { type: 'positional', required: true, description: 'Stream id' },
      },
      run: ({ args }) => withStore(async (store) => {
        await requireTenant(store, args.tenant);
        try {
          printJson(await statusOf(store).get(args.tenant, args.id));
        } catch {
          throw new CLIError(`No stream ${args.id} in tenant ${args.tenant} (see: stele streams list --tenant ${args.tenant})`);
        }
      }),
    }), ['stele streams status --tenant acme str_01J…']),
  },
}), ['stele streams list --tenant acme', 'stele streams status --tenant acme str_01J…']);
